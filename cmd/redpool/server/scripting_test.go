package server_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// casScript increments KEYS[1] by reading it and writing it back: without
// atomicity concurrent runs lose updates.
const casScript = "local v = tonumber(redis.call('get', KEYS[1]) or '0') redis.call('set', KEYS[1], v + 1) return v + 1"

// casUndeclared is casScript on a key it does not declare (numkeys 0),
// which makes it lock everything.
const casUndeclared = "local v = tonumber(redis.call('get', ARGV[1]) or '0') redis.call('set', ARGV[1], v + 1) return v + 1"

// TestScriptAtomicity runs 10,000 check-and-set scripts from 20 clients,
// half declaring the key and half not, while 4 others read: no update is
// lost, on both backends.
func TestScriptAtomicity(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		const clients, runs = 20, 500
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for i := 0; i < 4; i++ {
			r := servertest.Dial(t, s.Addr)
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
						r.Do("GET", "counter")
					}
				}
			}()
		}
		for i := 0; i < clients; i++ {
			c := servertest.Dial(t, s.Addr)
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for j := 0; j < runs; j++ {
					var got string
					if i%2 == 0 {
						got = c.Do("EVAL", casScript, "1", "counter")
					} else {
						got = c.Do("EVAL", casUndeclared, "0", "counter")
					}
					if !strings.HasPrefix(got, ":") {
						errs <- fmt.Errorf("client %d: %q", i, got)
						return
					}
				}
			}(i)
		}
		wg.Wait()
		close(stop)
		readers.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		c := servertest.Dial(t, s.Addr)
		c.Expect(fmt.Sprintf("$5\r\n%d\r\n", clients*runs), "GET", "counter")
	})
}

// waitBusy polls PING on c until it answers EVAL's -BUSY.
func waitBusy(t *testing.T, c *servertest.Conn) {
	t.Helper()
	waitBusyText(t, c, "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n")
}

// waitBusyText polls PING on c until it answers -BUSY, which must be want.
func waitBusyText(t *testing.T, c *servertest.Conn, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := c.Do("PING")
		if strings.HasPrefix(got, "-BUSY") {
			if got != want {
				t.Fatalf("PING %q, want %q", got, want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PING never got BUSY: %q", got)
		}
	}
}

// TestBusyScript: past busy-reply-threshold other clients get BUSY, SCRIPT
// KILL stops a script that has not written, and the server serves again;
// a script that has written is UNKILLABLE, and SHUTDOWN NOSAVE stops it.
func TestBusyScript(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		a, c := servertest.Dial(t, s.Addr), servertest.Dial(t, s.Addr)
		c.Expect("+OK\r\n", "CONFIG", "SET", "lua-time-limit", "50")
		c.Expect("-NOTBUSY No scripts in execution right now.\r\n", "SCRIPT", "KILL")
		a.Send("EVAL", "while true do end", "0")
		waitBusy(t, c)
		c.Expect("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n", "GET", "x")
		c.Expect("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n", "SCRIPT", "LOAD", "return 1")
		c.Expect("+OK\r\n", "SCRIPT", "KILL")
		if got, want := a.Read(), "-ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.\r\n"; got != want {
			t.Fatalf("killed script %q, want %q", got, want)
		}
		c.Expect("+PONG\r\n", "PING")
		a.Expect("+PONG\r\n", "PING")

		a.Expect("$4\r\nloop\r\n", "FUNCTION", "LOAD", "#!lua name=loop\nredis.register_function('spin', function(keys, args) while true do end end)")
		a.Send("FCALL", "spin", "0")
		busyFn := "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
		waitBusyText(t, c, busyFn)
		c.Expect(busyFn, "SCRIPT", "KILL")
		if got := c.Do("FUNCTION", "STATS"); !strings.HasPrefix(got, "*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n$11\r\nduration_ms\r\n:") {
			t.Errorf("FUNCTION STATS while busy: %q", got)
		}
		c.Expect("+OK\r\n", "FUNCTION", "KILL")
		if got, want := a.Read(), "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n"; got != want {
			t.Fatalf("killed function %q, want %q", got, want)
		}
		c.Expect("+PONG\r\n", "PING")

		a.Send("EVAL", "redis.call('set', 'w', '1') while true do end", "0")
		waitBusy(t, c)
		unkillable := "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n"
		c.Expect(unkillable, "SCRIPT", "KILL")
		c.Expect("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n", "SHUTDOWN")
		c.Send("SHUTDOWN", "NOSAVE")
		if got := a.Read(); !strings.HasPrefix(got, "-ERR Script killed") {
			t.Fatalf("script stopped by SHUTDOWN NOSAVE: %q", got)
		}
		select {
		case <-s.ShutdownRequested():
		case <-time.After(10 * time.Second):
			t.Fatal("SHUTDOWN NOSAVE did not ask the server to stop")
		}
	})
}
