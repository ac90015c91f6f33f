package server_test

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestDebugReloadUnderLoad runs DEBUG RELOAD (and LOADAOF with the AOF)
// again and again while other clients write, on both backends with
// snapshots and the AOF, with a replica attached: no write is lost or
// torn (each client's counter equals its acknowledged INCRs, its list
// holds exactly its acknowledged RPUSHes, in order), and the replica ends
// with the primary's digest.
func TestDebugReloadUnderLoad(t *testing.T) {
	for _, mode := range []config.PersistMode{config.ModeSnapshot, config.ModeAOF} {
		t.Run(string(mode), func(t *testing.T) {
			servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
				setup := func(c *config.Config) {
					c.Persistence.Mode = mode
					b.Apply(c)
					c.DebugCommand = config.AllowYes
				}
				s := servertest.Start(t, servertest.WithConfig(setup))
				rs := servertest.Start(t, servertest.WithConfig(func(c *config.Config) { b.Apply(c); c.DebugCommand = config.AllowYes }))
				p := servertest.Dial(t, s.Addr)
				r := servertest.Dial(t, rs.Addr)
				host, port, _ := net.SplitHostPort(s.Addr)
				r.Expect("+OK\r\n", "REPLICAOF", host, port)
				p.Do("SET", "base", "1")
				waitReplicated(t, p, r)

				const writers, rounds = 4, 15
				loadAOF := s.Config.Persistence.Mode == config.ModeAOF
				var wg sync.WaitGroup
				done := make(chan struct{})
				acked := make([]int, writers)
				errs := make(chan error, writers)
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c := servertest.Dial(t, s.Addr)
						ctr, list := fmt.Sprintf("ctr:%d", w), fmt.Sprintf("list:%d", w)
						for i := 0; ; i++ {
							select {
							case <-done:
								return
							default:
							}
							if got, want := c.Do("INCR", ctr), ":"+strconv.Itoa(i+1)+"\r\n"; got != want {
								errs <- fmt.Errorf("writer %d: INCR = %q, want %q", w, got, want)
								return
							}
							if got, want := c.Do("RPUSH", list, strconv.Itoa(i)), ":"+strconv.Itoa(i+1)+"\r\n"; got != want {
								errs <- fmt.Errorf("writer %d: RPUSH = %q, want %q", w, got, want)
								return
							}
							acked[w] = i + 1
						}
					}()
				}
				for i := range rounds {
					p.Expect("+OK\r\n", "DEBUG", "RELOAD")
					if loadAOF && i%3 == 2 {
						p.Expect("+OK\r\n", "DEBUG", "LOADAOF")
					}
				}
				close(done)
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				for w := range writers {
					n := acked[w]
					p.Expect(":"+strconv.Itoa(n)+"\r\n", "LLEN", fmt.Sprintf("list:%d", w))
					p.Expect("$"+strconv.Itoa(len(strconv.Itoa(n)))+"\r\n"+strconv.Itoa(n)+"\r\n", "GET", fmt.Sprintf("ctr:%d", w))
					items := p.Do("LRANGE", fmt.Sprintf("list:%d", w), "0", "-1")
					var want strings.Builder
					fmt.Fprintf(&want, "*%d\r\n", n)
					for i := range n {
						fmt.Fprintf(&want, "$%d\r\n%d\r\n", len(strconv.Itoa(i)), i)
					}
					if items != want.String() {
						t.Fatalf("list:%d is not its %d acknowledged pushes in order", w, n)
					}
				}
				t.Logf("%d reloads while %v writes were acknowledged", rounds, acked)
				waitReplicated(t, p, r)
				sameDigest(t, p, r)
			})
		})
	}
}
