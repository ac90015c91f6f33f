package server_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestSentinelFailover: three redis-sentinels watch a redpool primary
// (a process) with two redpool replicas. Writers use Sentinel discovery
// (go-redis NewFailoverClient) and WAIT 1 after each write. The primary
// is killed with SIGKILL under that load: Sentinel promotes a replica,
// repoints the other, the writers go on against the new primary, and
// every write that WAIT acknowledged is there.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("a failover takes seconds")
	}
	bin := servertest.BuildBinary(t)
	var procs []*servertest.Process
	var primaryAddr string
	for i := range 3 {
		dir := t.TempDir()
		cfg := config.Default()
		cfg.Dir = dir
		cfg.Port = servertest.FreePort(t)
		if i > 0 {
			host, port, _ := net.SplitHostPort(primaryAddr)
			cfg.ReplicaOf = host + " " + port
		}
		p := servertest.StartProcess(t, bin, servertest.WriteConfig(t, dir, cfg))
		if i == 0 {
			primaryAddr = p.Addr
		}
		procs = append(procs, p)
	}
	var sentinels []string
	for range 3 {
		sentinels = append(sentinels, servertest.StartSentinel(t, primaryAddr).Addr)
	}
	// Wait until every sentinel knows both replicas and the two others.
	ctx := context.Background()
	waitLong(t, 20*time.Second, "sentinels to discover the group", func() bool {
		for _, a := range sentinels {
			s := redis.NewSentinelClient(&redis.Options{Addr: a})
			reps, err1 := s.Replicas(ctx, "mymaster").Result()
			sens, err2 := s.Sentinels(ctx, "mymaster").Result()
			_ = s.Close()
			if err1 != nil || err2 != nil || len(reps) != 2 || len(sens) != 2 {
				return false
			}
		}
		return true
	})

	rdb := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: "mymaster", SentinelAddrs: sentinels,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: time.Second, MaxRetries: -1,
	})
	defer rdb.Close()
	var (
		mu    sync.Mutex
		acked = map[string]string{}
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		after = make(chan struct{}) // closed once a write succeeds after the kill
		once  sync.Once
		dead  = make(chan struct{})
		back  time.Time // the first acknowledged write after the kill
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := "w" + strconv.Itoa(w) + ":" + strconv.Itoa(i)
				var n *redis.Cmd
				_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, key, key, 0)
					n = p.Do(ctx, "WAIT", 1, 2000)
					return nil
				})
				if err != nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				if v, _ := n.Int64(); v >= 1 {
					mu.Lock()
					acked[key] = key
					mu.Unlock()
					select {
					case <-dead:
						once.Do(func() { back = time.Now(); close(after) })
					default:
					}
				}
			}
		}()
	}
	time.Sleep(time.Second) // writes against the first primary
	procs[0].Kill9()
	killed := time.Now()
	close(dead)
	select {
	case <-after:
	case <-time.After(30 * time.Second):
		close(stop)
		wg.Wait()
		t.Fatal("no acknowledged write 30 s after the primary was killed")
	}
	time.Sleep(500 * time.Millisecond) // writes against the new primary
	close(stop)
	wg.Wait()

	// The group has settled when every sentinel names the same new
	// primary, it says it is one, and the other replica follows it.
	var newPrimary string
	waitLong(t, 40*time.Second, "the sentinels to agree on a new primary followed by the other replica", func() bool {
		newPrimary = settledPrimary(ctx, sentinels, procs)
		return newPrimary != "" && newPrimary != primaryAddr
	})
	c := redis.NewClient(&redis.Options{Addr: newPrimary})
	defer c.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d acknowledged writes", len(acked))
	}
	lost := 0
	for k, v := range acked {
		got, err := c.Get(ctx, k).Result()
		if err != nil || got != v {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d writes acknowledged by WAIT 1 are missing on the new primary", lost, len(acked))
	}
	t.Logf("%d writes acknowledged by WAIT 1, none lost; new primary %s; writes acknowledged again %v after the kill",
		len(acked), newPrimary, back.Sub(killed).Round(10*time.Millisecond))
}

// settledPrimary is the primary every sentinel names, when that node's
// ROLE is master and every other live node replicates from it with its
// link up; "" until then. procs[0] is the killed primary.
func settledPrimary(ctx context.Context, sentinels []string, procs []*servertest.Process) string {
	named := ""
	for _, a := range sentinels {
		s := redis.NewSentinelClient(&redis.Options{Addr: a})
		addr, err := s.GetMasterAddrByName(ctx, "mymaster").Result()
		_ = s.Close()
		if err != nil {
			return ""
		}
		if n := net.JoinHostPort(addr[0], addr[1]); named == "" {
			named = n
		} else if n != named {
			return ""
		}
	}
	_, port, _ := net.SplitHostPort(named)
	for _, p := range procs[1:] {
		c := redis.NewClient(&redis.Options{Addr: p.Addr})
		info, err := c.Info(ctx, "replication").Result()
		_ = c.Close()
		if err != nil {
			return ""
		}
		if p.Addr == named {
			if !strings.Contains(info, "role:master\r\n") {
				return ""
			}
		} else if !strings.Contains(info, "master_port:"+port+"\r\n") || !strings.Contains(info, "master_link_status:up") {
			return ""
		}
	}
	return named
}

// waitLong polls cond every 5 ms until it holds, failing after d.
func waitLong(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
