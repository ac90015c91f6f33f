package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestMaxmemoryLRU50MB: with allkeys-lru and a 50 MB limit, writing 500 MB
// of 1 KB values (150 MB under the race detector, which makes it ten times
// slower) keeps used memory at the limit (and the heap and RSS bounded),
// every key written is either there or counted as evicted, and the keys
// read all along survive. The ManualClock moves one
// second per 1,000 writes, so that the written keys age (the LRU clock's
// resolution is a second) while the read ones stay fresh.
func TestMaxmemoryLRU50MB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 500 MB")
	}
	const (
		limit   = 50 << 20
		valSize = 1000
		batch   = 1000
		hot     = 100
	)
	batches := 500 // 500 MB
	if raceEnabled {
		batches = 150
	}
	clock := backend.NewManualClock(time.Unix(1_700_000_000, 0))
	// The server counts the heap at its start-up as used: collect what
	// earlier tests of this process left, or it may start over the limit.
	runtime.GC()
	s := servertest.Start(t, servertest.WithClock(clock), servertest.WithConfig(func(c *config.Config) {
		c.MaxMemory = limit
		c.MaxMemoryPolicy = "allkeys-lru"
		c.Persistence.Mode = config.ModeNone // no snapshots as the clock jumps
	}))
	c := servertest.Dial(t, s.Addr)
	val := strings.Repeat("v", valSize)
	for i := range hot {
		c.Expect("+OK\r\n", "SET", "hot:"+strconv.Itoa(i), val)
	}
	var buf strings.Builder
	maxUsed := int64(0)
	for b := range batches {
		clock.Advance(time.Second)
		buf.Reset()
		for i := range hot {
			fmt.Fprintf(&buf, "*2\r\n$3\r\nGET\r\n$%d\r\nhot:%d\r\n", len("hot:"+strconv.Itoa(i)), i)
		}
		for i := range batch {
			key := "k:" + strconv.Itoa(b*batch+i)
			fmt.Fprintf(&buf, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, valSize, val)
		}
		c.Write(buf.String())
		for i := range hot + batch {
			if got := c.Read(); i >= hot && got != "+OK\r\n" {
				t.Fatalf("batch %d: SET replied %q", b, got)
			}
		}
		if b%50 == 49 {
			maxUsed = max(maxUsed, infoInt(t, c, "memory", "used_memory"))
		}
	}
	used := infoInt(t, c, "memory", "used_memory")
	maxUsed = max(maxUsed, used)
	evicted := infoInt(t, c, "stats", "evicted_keys")
	missing := 0
	for i := range hot {
		if c.Do("EXISTS", "hot:"+strconv.Itoa(i)) != ":1\r\n" {
			missing++
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := vmRSS()
	dbsize, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(c.Do("DBSIZE"), ":")), 10, 64)
	t.Logf("used_memory %d (max seen %d), evicted %d, dbsize %d, heap after GC %d, RSS %d", used, maxUsed, evicted, dbsize, ms.HeapAlloc, rss)
	if written := int64(hot + batches*batch); evicted+dbsize != written {
		t.Errorf("%d keys evicted and %d left of %d written", evicted, dbsize, written)
	}
	// A command may overshoot by what it writes plus the 1ms staleness
	// of the figure; 1 MB of slack is far more than that.
	if maxUsed > limit+1<<20 {
		t.Errorf("used_memory reached %d, over maxmemory %d", maxUsed, limit)
	}
	if used < limit*9/10 {
		t.Errorf("used_memory %d: evicted far more than needed", used)
	}
	if dbsize*valSize > limit {
		t.Errorf("%d keys of %d bytes left under a %d limit", dbsize, valSize, limit)
	}
	if missing > 0 {
		t.Errorf("%d of %d keys read all along were evicted", missing, hot)
	}
	// The test process holds the server, the client and garbage: the live
	// heap stays near the limit, RSS within a few times it (not 500 MB).
	if ms.HeapAlloc > 3*limit {
		t.Errorf("heap after GC %d with a %d limit", ms.HeapAlloc, limit)
	}
	if rss > 8*limit && !raceEnabled {
		t.Errorf("RSS %d with a %d limit", rss, limit)
	}
}

// infoInt returns an integer field of INFO section.
func infoInt(t *testing.T, c *servertest.Conn, section, field string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(infoField(t, c, section, field), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// vmRSS is the process's resident set size from /proc (0 where there is none).
func vmRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestMaxmemoryEvictionEffects: an evicted key is logged to the AOF as a
// DEL, breaks the WATCH of a client watching it, and raises the "evicted"
// event; noeviction refuses writes and lets reads and deletes through.
func TestMaxmemoryEvictionEffects(t *testing.T) {
	s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
		c.Persistence.Mode = config.ModeAOF
		c.NotifyKeyspaceEvents = "Ee"
	}))
	c := servertest.Dial(t, s.Addr)
	w := servertest.Dial(t, s.Addr)
	sub := servertest.Dial(t, s.Addr)
	sub.Expect("*3\r\n$9\r\nsubscribe\r\n$22\r\n__keyevent@0__:evicted\r\n:1\r\n", "SUBSCRIBE", "__keyevent@0__:evicted")
	c.Expect("+OK\r\n", "SET", "watched", "v")
	w.Expect("+OK\r\n", "WATCH", "watched")
	w2 := servertest.Dial(t, s.Addr)
	w2.Expect("+OK\r\n", "WATCH", "watched")
	c.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "allkeys-lru")
	// The next command evicts every key, then is refused: nothing is left.
	c.Expect("-OOM command not allowed when used memory > 'maxmemory'.\r\n", "SET", "other", "v")
	c.Expect(":0\r\n", "DBSIZE")
	sub.Expect("*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$7\r\nwatched\r\n")
	c.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "noeviction")
	c.Expect("$-1\r\n", "GET", "watched")
	c.Expect(":0\r\n", "DEL", "watched")
	c.Expect("-OOM command not allowed when used memory > 'maxmemory'.\r\n", "RPUSH", "l", "x")
	// Inside MULTI every command is refused then, as in Redis.
	w.Expect("+OK\r\n", "MULTI")
	w.Expect("-OOM command not allowed when used memory > 'maxmemory'.\r\n", "GET", "watched")
	w.Expect("-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	c.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory", "0")
	c.Expect("+OK\r\n", "SET", "after", "v")
	w2.Expect("+OK\r\n", "MULTI") // the eviction broke the WATCH
	w2.Expect("+QUEUED\r\n", "GET", "watched")
	w2.Expect("*-1\r\n", "EXEC")
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(s.Config.Dir, "appendonly.aof.1.incr.aof"))
		if strings.Contains(string(data), "*2\r\n$3\r\nDEL\r\n$7\r\nwatched\r\n") && strings.Contains(string(data), "after") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DEL of the evicted key in the AOF:\n%q", data)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
