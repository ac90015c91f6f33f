package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// Tests of the blocking list commands with several clients: wake-ups,
// first-come-first-served order, timeouts, disconnects and shutdown. The
// timeouts here are real (a tenth of a second): the timeout is the
// behaviour under test. Everything else waits on conditions, not on time.

// waitBlocked polls INFO until the server reports n blocked clients.
func waitBlocked(t *testing.T, c *servertest.Conn, n int) {
	t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n) + "\r\n"
	deadline := time.Now().Add(5 * time.Second)
	for {
		info := c.Do("INFO", "clients")
		if strings.Contains(info, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("blocked clients never reached %d:\n%s", n, info)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// startBlocking starts a server on b and returns it with a control client.
func startBlocking(t *testing.T, b servertest.Backend) (*servertest.Server, *servertest.Conn) {
	t.Helper()
	s := servertest.Start(t, servertest.WithConfig(b.Apply))
	return s, servertest.Dial(t, s.Addr)
}

// expectReply reads one reply from c and compares it.
func expectReply(t *testing.T, c *servertest.Conn, want, what string) {
	t.Helper()
	if got := c.Read(); got != want {
		t.Errorf("%s:\n got: %q\nwant: %q", what, got, want)
	}
}

func keyed(key, val string) string { return wire.Bulks(key, val) }

func TestBlockingWakeUp(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		c.Send("BLPOP", "k", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(1), "RPUSH", "k", "v")
		expectReply(t, c, keyed("k", "v"), "BLPOP woken by RPUSH")
		waitBlocked(t, ctl, 0)
		ctl.Expect(wireZero, "EXISTS", "k")

		// BRPOP takes from the tail; LPUSH wakes it too.
		c.Send("BRPOP", "k", "5")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(2), "LPUSH", "k", "a", "b")
		expectReply(t, c, keyed("k", "a"), "BRPOP woken by LPUSH")
		ctl.Expect(wire.Bulks("b"), "LRANGE", "k", "0", "-1")

		// The client is usable after being served.
		c.Expect("+PONG\r\n", "PING")
	})
}

// TestBlockingSeveralKeys: a client blocked on several keys is served by
// the key that receives data, and only the list types count.
func TestBlockingSeveralKeys(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		c.Send("BLPOP", "k1", "k2", "k3", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wireOK, "SET", "k1", "string") // not a list: no wake-up
		ctl.Expect(wire.Int(1), "HSET", "k3", "f", "v")
		ctl.Expect(wire.Int(1), "RPUSH", "k2", "x")
		expectReply(t, c, keyed("k2", "x"), "BLPOP k1 k2 k3 woken by k2")
		waitBlocked(t, ctl, 0)

		// A key that becomes a string, then a list.
		c.Send("BRPOP", "k4", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wireOK, "SET", "k4", "string")
		ctl.Expect(wire.Int(1), "DEL", "k4")
		ctl.Expect(wire.Int(1), "RPUSH", "k4", "y")
		expectReply(t, c, keyed("k4", "y"), "BRPOP k4 after SET, DEL and RPUSH")

		// Other databases do not wake it.
		c.Send("BLPOP", "d", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wireOK, "SELECT", "1")
		ctl.Expect(wire.Int(1), "RPUSH", "d", "db1")
		ctl.Expect(wireOK, "SELECT", "0")
		ctl.Expect(wire.Int(1), "RPUSH", "d", "db0")
		expectReply(t, c, keyed("d", "db0"), "BLPOP in db 0")
		ctl.Expect(wireOK, "SELECT", "1")
		ctl.Expect(wire.Int(1), "LLEN", "d")
	})
}

// TestBlockingFIFO: clients blocked on one key are served in arrival order,
// whether the elements come in one push, in pipelined pushes, or one at a
// time.
func TestBlockingFIFO(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		clients := make([]*servertest.Conn, 3)
		block := func(cmd ...string) {
			for i := range clients {
				clients[i] = servertest.Dial(t, s.Addr)
				clients[i].Send(cmd...)
				waitBlocked(t, ctl, i+1)
			}
		}
		expectOrder := func(what string, replies ...string) {
			t.Helper()
			for i, c := range clients {
				expectReply(t, c, replies[i], what+": client "+strconv.Itoa(i+1))
			}
			waitBlocked(t, ctl, 0)
		}

		block("BLPOP", "k", "0")
		ctl.Expect(wire.Int(3), "RPUSH", "k", "a", "b", "c")
		expectOrder("one RPUSH", keyed("k", "a"), keyed("k", "b"), keyed("k", "c"))

		block("BRPOP", "k", "other", "0")
		ctl.Write(string(pipeline([]string{"RPUSH", "k", "1"}, []string{"RPUSH", "k", "2"}, []string{"RPUSH", "k", "3"})))
		for range 3 {
			expectReply(t, ctl, wire.Int(1), "pipelined RPUSH")
		}
		expectOrder("pipelined RPUSHes", keyed("k", "1"), keyed("k", "2"), keyed("k", "3"))

		block("BLPOP", "k", "0")
		for _, v := range []string{"x", "y", "z"} {
			ctl.Do("RPUSH", "k", v)
		}
		expectOrder("separate RPUSHes", keyed("k", "x"), keyed("k", "y"), keyed("k", "z"))
		ctl.Expect(wireZero, "EXISTS", "k")

		// A multi-element push serves everyone and leaves the rest.
		block("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "2")
		ctl.Expect(wire.Int(7), "RPUSH", "k", "1", "2", "3", "4", "5", "6", "7")
		m := func(elems ...string) string { return wire.Array(wire.Bulk("k"), wire.Bulks(elems...)) }
		expectOrder("BLMPOP COUNT 2", m("1", "2"), m("3", "4"), m("5", "6"))
		ctl.Expect(wire.Bulks("7"), "LRANGE", "k", "0", "-1")
	})
}

func pipeline(cmds ...[]string) []byte {
	var out []byte
	for _, c := range cmds {
		out = append(out, "*"+strconv.Itoa(len(c))+"\r\n"...)
		for _, a := range c {
			out = append(out, "$"+strconv.Itoa(len(a))+"\r\n"+a+"\r\n"...)
		}
	}
	return out
}

func TestBlockingTimeouts(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		for _, cmd := range [][]string{
			{"BLPOP", "k", "0.1"},
			{"BRPOP", "k", "k2", "0.1"},
			{"BLMOVE", "k", "d", "LEFT", "RIGHT", "0.1"},
			{"BRPOPLPUSH", "k", "d", "0.1"},
			{"BLMPOP", "0.1", "2", "k", "k2", "RIGHT", "COUNT", "3"},
		} {
			start := time.Now()
			c.Expect(wireNullArray, cmd...)
			if el := time.Since(start); el < 90*time.Millisecond || el > 3*time.Second {
				t.Errorf("%s timed out after %v, want 0.1s", servertest.Quote(cmd), el)
			}
		}
		ctl.Expect(wireZero, "EXISTS", "d")
		waitBlocked(t, ctl, 0)
	})
}

// TestBlockingDisconnect: a client that disconnects while blocked is
// forgotten, and a later push is not lost to it.
func TestBlockingDisconnect(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		gone := servertest.Dial(t, s.Addr)
		gone.Send("BLPOP", "k", "0")
		stays := servertest.Dial(t, s.Addr)
		waitBlocked(t, ctl, 1)
		stays.Send("BLPOP", "k", "0")
		waitBlocked(t, ctl, 2)
		if err := gone.NetConn().Close(); err != nil {
			t.Fatal(err)
		}
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(2), "RPUSH", "k", "a", "b")
		expectReply(t, stays, keyed("k", "a"), "the remaining client")
		waitBlocked(t, ctl, 0)
		ctl.Expect(wire.Bulks("b"), "LRANGE", "k", "0", "-1")

		// Alone: the element stays in the list.
		gone = servertest.Dial(t, s.Addr)
		gone.Send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
		waitBlocked(t, ctl, 1)
		_ = gone.NetConn().Close()
		waitBlocked(t, ctl, 0)
		ctl.Expect(wire.Int(1), "RPUSH", "src", "x")
		ctl.Expect(wire.Int(1), "LLEN", "src")
		ctl.Expect(wireZero, "EXISTS", "dst")
	})
}

func TestBlockingMove(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		mover := servertest.Dial(t, s.Addr)
		popper := servertest.Dial(t, s.Addr)
		// popper waits on dst, mover moves src to dst: a chain of wake-ups.
		popper.Send("BRPOP", "dst", "0")
		waitBlocked(t, ctl, 1)
		mover.Send("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
		waitBlocked(t, ctl, 2)
		ctl.Expect(wire.Int(2), "RPUSH", "src", "a", "b")
		expectReply(t, mover, wire.Bulk("b"), "BLMOVE")
		expectReply(t, popper, keyed("dst", "b"), "BRPOP on the destination")
		waitBlocked(t, ctl, 0)
		ctl.Expect(wire.Bulks("a"), "LRANGE", "src", "0", "-1")
		ctl.Expect(wireZero, "EXISTS", "dst")

		mover.Send("BRPOPLPUSH", "empty", "dst", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(2), "LPUSH", "empty", "1", "2")
		expectReply(t, mover, wire.Bulk("1"), "BRPOPLPUSH")
		ctl.Expect(wire.Bulks("1"), "LRANGE", "dst", "0", "-1")
		ctl.Expect(wire.Bulks("2"), "LRANGE", "empty", "0", "-1")

		// The destination's type is checked when the client is served.
		mover.Send("BLMOVE", "src2", "str", "LEFT", "RIGHT", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wireOK, "SET", "str", "x")
		ctl.Expect(wire.Int(1), "RPUSH", "src2", "v")
		expectReply(t, mover, wireWrongType, "BLMOVE into a string")
		ctl.Expect(wire.Int(1), "LLEN", "src2")

		// A move from a list to itself.
		mover.Send("BLMOVE", "self", "self", "LEFT", "RIGHT", "0")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(2), "RPUSH", "self", "a", "b")
		expectReply(t, mover, wire.Bulk("a"), "BLMOVE self")
		ctl.Expect(wire.Bulks("b", "a"), "LRANGE", "self", "0", "-1")
	})
}

func TestBlockingMpop(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		c.Send("BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(3), "RPUSH", "b", "x", "y", "z")
		expectReply(t, c, wire.Array(wire.Bulk("b"), wire.Bulks("z", "y")), "BLMPOP")
		ctl.Expect(wire.Bulks("x"), "LRANGE", "b", "0", "-1")
	})
}

// TestBlockingPipeline: replies to commands before a blocking command are
// sent before it blocks; commands after it wait for it.
func TestBlockingPipeline(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		c := servertest.Dial(t, s.Addr)
		c.Write(string(pipeline([]string{"SET", "x", "1"}, []string{"BLPOP", "k", "0"}, []string{"GET", "x"}, []string{"LLEN", "k"})))
		expectReply(t, c, wireOK, "SET before BLPOP")
		waitBlocked(t, ctl, 1)
		ctl.Expect(wire.Int(2), "RPUSH", "k", "a", "b")
		expectReply(t, c, keyed("k", "a"), "BLPOP")
		expectReply(t, c, wire.Bulk("1"), "GET after BLPOP")
		expectReply(t, c, wire.Int(1), "LLEN after BLPOP")

		// With data already there, a blocking pop does not block.
		c.Expect(keyed("k", "b"), "BLPOP", "k", "0")
		waitBlocked(t, ctl, 0)
	})
}

// TestBlockingNoLoss runs many blocked clients against concurrent pushers:
// every element pushed is popped exactly once.
func TestBlockingNoLoss(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		const poppers, pushers, perPusher = 8, 3, 200
		total := pushers * perPusher
		got := make(chan string, total)
		var wg sync.WaitGroup
		// The goroutines use the raw connections: a test may only fail
		// fatally from its own goroutine.
		for i := range poppers {
			c := servertest.Dial(t, s.Addr)
			cmd := pipeline([]string{"BLPOP", "q" + strconv.Itoa(i%2), "q" + strconv.Itoa((i+1)%2), "2"})
			wg.Go(func() {
				for {
					if _, err := c.NetConn().Write(cmd); err != nil {
						t.Errorf("BLPOP: %v", err)
						return
					}
					raw, err := c.TryRead(10 * time.Second)
					if err != nil {
						t.Errorf("BLPOP: %v", err)
						return
					}
					if raw == wireNullArray {
						return // nothing for 2s: done
					}
					v, err := resp.ReadReply(bufio.NewReader(strings.NewReader(raw)))
					if err != nil || len(v.Array) != 2 {
						t.Errorf("BLPOP reply %q", raw)
						return
					}
					got <- string(v.Array[1].Str)
				}
			})
		}
		var pw sync.WaitGroup
		for p := range pushers {
			c := servertest.Dial(t, s.Addr)
			pw.Go(func() {
				for i := range perPusher {
					v := strconv.Itoa(p) + ":" + strconv.Itoa(i)
					if _, err := c.NetConn().Write(pipeline([]string{"RPUSH", "q" + strconv.Itoa(i%2), v})); err != nil {
						t.Errorf("RPUSH: %v", err)
						return
					}
					if _, err := c.TryRead(10 * time.Second); err != nil {
						t.Errorf("RPUSH: %v", err)
						return
					}
				}
			})
		}
		pw.Wait()
		seen := map[string]bool{}
		for len(seen) < total {
			select {
			case v := <-got:
				if seen[v] {
					t.Fatalf("%s popped twice", v)
				}
				seen[v] = true
			case <-time.After(10 * time.Second):
				t.Fatalf("popped %d of %d; lists: q0=%s q1=%s", len(seen), total, ctl.Do("LLEN", "q0"), ctl.Do("LLEN", "q1"))
			}
		}
		wg.Wait()
		ctl.Expect(wireZero, "EXISTS", "q0", "q1")
	})
}

// TestBlockingShutdown: blocked clients are released when the server shuts
// down, and shutdown does not wait for their timeouts.
func TestBlockingShutdown(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s, ctl := startBlocking(t, b)
		var conns []*servertest.Conn
		for i, cmd := range [][]string{
			{"BLPOP", "k", "0"}, {"BRPOP", "k", "1000"}, {"BLMOVE", "k", "d", "LEFT", "LEFT", "0"},
			{"BLMPOP", "0", "1", "k", "LEFT"}, {"BRPOPLPUSH", "k", "d", "0"},
		} {
			c := servertest.Dial(t, s.Addr)
			c.Send(cmd...)
			waitBlocked(t, ctl, i+1)
			conns = append(conns, c)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("Shutdown took %v", el)
		}
		for _, c := range conns {
			// A null array or nothing, then the connection closes.
			raw, err := c.TryRead(5 * time.Second)
			if err == nil {
				if raw != wireNullArray {
					t.Errorf("blocked client got %q at shutdown", raw)
				}
				_, err = c.TryRead(5 * time.Second)
			}
			if !errors.Is(err, io.EOF) && !isConnReset(err) {
				t.Errorf("blocked client: %v, want EOF", err)
			}
		}
	})
}

func isConnReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}
