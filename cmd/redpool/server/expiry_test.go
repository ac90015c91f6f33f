package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// TestActiveExpiry writes 100,000 keys with a 100 ms TTL and never reads
// them again: active expiry alone must remove at least 99% of them within
// 2 s, as DBSIZE and INFO keyspace report, while the server keeps answering
// PING quickly. It is the one test that uses the real clock; it polls with
// a deadline.
func TestActiveExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time test")
	}
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		const keys, batch = 100_000, 5_000
		const window = 2 * time.Second
		for i := 0; i < keys; i += batch {
			var req []byte
			for j := i; j < i+batch; j++ {
				req = resp.AppendCommandStrings(req, "PSETEX", "vol:"+strconv.Itoa(j), "100", "v")
			}
			c.Write(string(req))
			for j := 0; j < batch; j++ {
				if got := c.Read(); got != wireOK {
					t.Fatalf("PSETEX reply %q", got)
				}
			}
		}
		written := time.Now()
		// A few keys without TTL must survive.
		c.Expect(wireOK, "MSET", "stay:1", "a", "stay:2", "b")

		// PING continuously on another connection while the keys expire.
		var maxPing time.Duration
		var pings int
		stop := make(chan struct{})
		var wg sync.WaitGroup
		pc := servertest.Dial(t, s.Addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				if got := pc.Do("PING"); got != "+PONG\r\n" {
					t.Errorf("PING = %q", got)
					return
				}
				maxPing = max(maxPing, time.Since(start))
				pings++
				time.Sleep(time.Millisecond)
			}
		}()

		limit := int64(keys / 100) // at most 1% left
		var dbsize, infoKeys int64
		for {
			dbsize = parseIntReply(t, c.Do("DBSIZE"))
			infoKeys = keyspaceKeys(t, c.Do("INFO", "keyspace"))
			if dbsize-2 <= limit && infoKeys-2 <= limit {
				break
			}
			if time.Since(written) > window {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(written)
		close(stop)
		wg.Wait()
		t.Logf("%d keys with a 100ms TTL: DBSIZE %d, INFO keyspace keys=%d after %v; %d PINGs, max PING latency %v",
			keys, dbsize, infoKeys, took.Round(time.Millisecond), pings, maxPing)
		if dbsize-2 > limit || infoKeys-2 > limit {
			t.Errorf("after %v: DBSIZE %d, INFO keys=%d; want at most %d of %d expired keys left", window, dbsize, infoKeys, limit, keys)
		}
		if maxPing > 250*time.Millisecond {
			t.Errorf("max PING latency during active expiry %v", maxPing)
		}
		c.Expect(wire.Bulks("a", "b"), "MGET", "stay:1", "stay:2")
	})
}

func parseIntReply(t *testing.T, raw string) int64 {
	t.Helper()
	if !strings.HasPrefix(raw, ":") {
		t.Fatalf("not an integer reply: %q", raw)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(raw[1:]), 10, 64)
	if err != nil {
		t.Fatalf("bad integer reply %q", raw)
	}
	return n
}

var db0Keys = regexp.MustCompile(`(?m)^db0:keys=(\d+),`)

// keyspaceKeys returns db0's key count from an INFO keyspace reply (0 when
// db0 is not listed, as for an empty database).
func keyspaceKeys(t *testing.T, raw string) int64 {
	t.Helper()
	if !strings.HasPrefix(raw, "$") || !strings.Contains(raw, "# Keyspace") {
		t.Fatalf("INFO keyspace = %q", raw)
	}
	m := db0Keys.FindStringSubmatch(raw)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}
