package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/backend"
	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// Transcript tests for MULTI, EXEC and DISCARD: exact replies, on both
// backends and in both protocols.

func TestMultiTranscript(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.DialProto(t, s.Addr, proto)
		null, nullBulk := "*-1\r\n", wireNull
		if proto == 3 {
			null, nullBulk = "_\r\n", "_\r\n"
		}
		queued := wire.Simple("QUEUED")
		execArity := wire.Err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
		abort := wire.Err("EXECABORT Transaction discarded because of previous errors.")

		// Errors outside a transaction.
		c.Expect(wire.Err("ERR EXEC without MULTI"), "EXEC")
		c.Expect(wire.Err("ERR DISCARD without MULTI"), "DISCARD")
		c.Expect(execArity, "EXEC", "x")

		// Queued commands run in order; a runtime error stays in place.
		c.Expect(wireOK, "MULTI")
		c.Expect(wire.Err("ERR MULTI calls can not be nested"), "MULTI")
		c.Expect(queued, "SET", "s", "x")
		c.Expect(queued, "LPUSH", "s", "1")
		c.Expect(queued, "INCR", "s")
		c.Expect(queued, "APPEND", "s", "y")
		c.Expect(queued, "PING")
		c.Expect(wire.Array(wireOK, wire.Err("WRONGTYPE Operation against a key holding the wrong kind of value"),
			wireNotInt, wire.Int(2), wire.Simple("PONG")), "EXEC")
		c.Expect(wire.Bulk("xy"), "GET", "s")

		// An empty transaction.
		c.Expect(wireOK, "MULTI")
		c.Expect("*0\r\n", "EXEC")

		// A command refused while queueing dooms the transaction.
		c.Expect(wireOK, "MULTI")
		c.Expect(wire.Err("ERR unknown command 'FOO', with args beginning with: 'x' "), "FOO", "x")
		c.Expect(queued, "SET", "s", "lost")
		c.Expect(abort, "EXEC")
		c.Expect(wire.Bulk("xy"), "GET", "s")
		c.Expect(wireOK, "MULTI")
		c.Expect(wireArity("get"), "GET")
		c.Expect(abort, "EXEC")
		c.Expect(wireOK, "MULTI")
		c.Expect(wireArity("multi"), "MULTI", "x")
		c.Expect(abort, "EXEC")
		c.Expect(wireOK, "MULTI")
		c.Expect(wireArity("discard"), "DISCARD", "x")
		c.Expect(abort, "EXEC")
		c.Expect(wireOK, "MULTI")
		c.Expect(wire.Err("ERR Command not allowed inside a transaction"), "SAVE")
		c.Expect(abort, "EXEC")
		c.Expect(wire.Err("ERR EXEC without MULTI"), "EXEC")

		// EXEC with arguments aborts the transaction.
		c.Expect(wireOK, "MULTI")
		c.Expect(queued, "SET", "s", "lost")
		c.Expect(execArity, "EXEC", "x")
		c.Expect(wire.Err("ERR EXEC without MULTI"), "EXEC")
		c.Expect(wire.Bulk("xy"), "GET", "s")

		// DISCARD drops the queue.
		c.Expect(wireOK, "MULTI")
		c.Expect(queued, "SET", "s", "lost")
		c.Expect(wireOK, "DISCARD")
		c.Expect(wire.Err("ERR DISCARD without MULTI"), "DISCARD")
		c.Expect(wire.Bulk("xy"), "GET", "s")

		// SELECT inside: the rest of the block and what follows use the
		// new database.
		c.Expect(wireOK, "MULTI")
		c.Expect(queued, "SELECT", "2")
		c.Expect(queued, "SET", "q", "1")
		c.Expect(queued, "SELECT", "3")
		c.Expect(queued, "INCR", "q")
		c.Expect(wire.Array(wireOK, wireOK, wireOK, wire.Int(1)), "EXEC")
		c.Expect(wire.Int(1), "DBSIZE")
		c.Expect(wireOK, "SELECT", "2")
		c.Expect(wire.Bulk("1"), "GET", "q")
		// MULTI state survives a SELECT before EXEC runs it.
		c.Expect(wireOK, "SELECT", "0")
		c.Expect(wireOK, "MULTI")
		c.Expect(queued, "SELECT", "1")
		c.Expect(queued, "GET", "s")
		c.Expect(wire.Array(wireOK, nullBulk), "EXEC")
		c.Expect(wireOK, "SELECT", "0")

		// Keyless and cross-database commands.
		c.Expect(wireOK, "MULTI")
		c.Expect(queued, "SET", "m", "1")
		c.Expect(queued, "DBSIZE")
		c.Expect(queued, "MOVE", "m", "5")
		c.Expect(queued, "EXISTS", "m")
		c.Expect(queued, "FLUSHDB")
		c.Expect(queued, "DBSIZE")
		c.Expect(wire.Array(wireOK, wire.Int(2), wire.Int(1), wireZero, wireOK, wireZero), "EXEC")
		c.Expect(wireOK, "SET", "s", "xy")

		// Blocking commands do not block inside.
		c.Expect(wireOK, "MULTI")
		c.Expect(queued, "BLPOP", "nol", "0")
		c.Expect(queued, "BRPOPLPUSH", "nol", "x", "0")
		c.Expect(queued, "RPUSH", "l", "a")
		c.Expect(queued, "BLPOP", "l", "0")
		c.Expect(wire.Array(null, nullBulk, wire.Int(1), wire.Bulks("l", "a")), "EXEC")

		// QUIT inside MULTI closes the connection.
		c.Expect(wireOK, "MULTI")
		c.Expect(queued, "SET", "s", "lost")
		c.Expect(wireOK, "QUIT")
		c.ExpectClosed()
		c = servertest.DialProto(t, s.Addr, proto)
		c.Expect(wire.Bulk("xy"), "GET", "s")
	})
}

// TestMultiPipelined sends whole transactions in one write: the session
// runs them from one buffered batch.
func TestMultiPipelined(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.Dial(t, s.Addr)
		var cmds [][]string
		var want strings.Builder
		for range 20 {
			cmds = append(cmds, []string{"MULTI"}, []string{"INCR", "n"}, []string{"INCRBY", "m", "2"}, []string{"GET", "n"}, []string{"EXEC"})
		}
		c.Write(string(pipeline(cmds...)))
		for i := range 20 {
			want.Reset()
			want.WriteString(wireOK + "+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n")
			n := int64(i + 1)
			want.WriteString(wire.Array(wire.Int(n), wire.Int(2*n), wire.Bulk(strconv.FormatInt(n, 10))))
			got := c.Read() + c.Read() + c.Read() + c.Read() + c.Read()
			if got != want.String() {
				t.Fatalf("transaction %d:\n got %q\nwant %q", i, got, want.String())
			}
		}
	})
}

// TestMultiAtomicUnderLoad runs transfer transactions (MULTI; DECRBY a;
// INCRBY b; EXEC, both directions) from several clients while others read
// a and b, in a transaction and with MGET: no reader ever sees the sum
// change, and no transfer is lost or doubled. Run it with -race.
func TestMultiAtomicUnderLoad(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		ctl := servertest.Dial(t, s.Addr)
		ctl.Expect(wireOK, "MSET", "a", "100000", "b", "100000")
		const writers, readers, rounds = 4, 2, 200
		var wg, rg sync.WaitGroup
		stop := make(chan struct{})
		errs := make(chan error, writers+readers)
		for w := range writers {
			c := servertest.Dial(t, s.Addr)
			wg.Go(func() {
				from, to := "a", "b"
				if w%2 == 1 {
					from, to = "b", "a"
				}
				tx := string(pipeline([]string{"MULTI"}, []string{"DECRBY", from, "7"}, []string{"INCRBY", to, "7"}, []string{"EXEC"}))
				for range rounds {
					got, err := roundTrip(c, tx, 4)
					if err != nil {
						errs <- err
						return
					}
					if !strings.HasPrefix(got[3], "*2\r\n:") {
						errs <- fmt.Errorf("EXEC replied %q", got[3])
						return
					}
				}
			})
		}
		for r := range readers {
			c := servertest.Dial(t, s.Addr)
			rg.Go(func() {
				tx := string(pipeline([]string{"MULTI"}, []string{"GET", "a"}, []string{"GET", "b"}, []string{"EXEC"}))
				mget := string(pipeline([]string{"MGET", "a", "b"}))
				for {
					select {
					case <-stop:
						return
					default:
					}
					var sum int64
					var err error
					if r%2 == 0 {
						sum, err = sumReply(c, tx, 4)
					} else {
						sum, err = sumReply(c, mget, 1)
					}
					if err == nil && sum != 200000 {
						err = fmt.Errorf("reader saw a+b = %d", sum)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(stop)
		rg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Writers 0 and 2 moved a to b, 1 and 3 back: every transfer
		// applied exactly once leaves both where they started.
		ctl.Expect(wire.Array(wire.Bulk("100000"), wire.Bulk("100000")), "MGET", "a", "b")
	})
}

// roundTrip writes raw and reads n replies.
func roundTrip(c *servertest.Conn, raw string, n int) ([]string, error) {
	c.Write(raw)
	out := make([]string, n)
	for i := range out {
		r, err := c.TryRead(10 * time.Second)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// sumReply sends raw (n replies, the last an array of two bulk integers)
// and returns the sum of the two.
func sumReply(c *servertest.Conn, raw string, n int) (int64, error) {
	got, err := roundTrip(c, raw, n)
	if err != nil {
		return 0, err
	}
	last := got[n-1]
	parts := strings.Split(last, "\r\n")
	// *2 $len a $len b
	if len(parts) < 5 || parts[0] != "*2" {
		return 0, fmt.Errorf("reply %q", last)
	}
	x, err1 := strconv.ParseInt(parts[2], 10, 64)
	y, err2 := strconv.ParseInt(parts[4], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("reply %q", last)
	}
	return x + y, nil
}

// TestGoRedisTxPipelined runs transactions through go-redis v9's
// TxPipelined in RESP2 and RESP3: replies in order, a runtime error in
// place while the rest runs, and a queue-time error aborting everything.
func TestGoRedisTxPipelined(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		ctx := context.Background()
		c := newClientProto(t, s.Addr, proto)
		var incr *redis.IntCmd
		var get *redis.StringCmd
		cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "m", "1", 0)
			incr = p.Incr(ctx, "m")
			get = p.Get(ctx, "m")
			return nil
		})
		if err != nil || len(cmds) != 3 || incr.Val() != 2 || get.Val() != "2" {
			t.Fatalf("TxPipelined: %v, %v, INCR %d, GET %q", cmds, err, incr.Val(), get.Val())
		}
		var push, appended *redis.IntCmd
		_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "s", "x", 0)
			push = p.LPush(ctx, "s", "1")
			appended = p.Append(ctx, "s", "y")
			return nil
		})
		wrongType := "WRONGTYPE Operation against a key holding the wrong kind of value"
		if err == nil || err.Error() != wrongType || push.Err() == nil || push.Err().Error() != wrongType || appended.Val() != 2 {
			t.Fatalf("runtime error: %v, LPUSH %v, APPEND %d", err, push.Err(), appended.Val())
		}
		if got := c.Get(ctx, "s").Val(); got != "xy" {
			t.Fatalf("after a runtime error GET s = %q, want xy (the rest ran)", got)
		}
		_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Incr(ctx, "m")
			p.Do(ctx, "NOSUCH")
			return nil
		})
		if err == nil || err.Error() != "EXECABORT Transaction discarded because of previous errors." {
			t.Fatalf("queue-time error: %v", err)
		}
		if got := c.Get(ctx, "m").Val(); got != "2" {
			t.Fatalf("after EXECABORT GET m = %q, want 2", got)
		}
	})
}

// TestWatchExpiry checks WATCH against expiry with a manual clock, on both
// backends, as Redis 7.0: a watched key that expires before EXEC (whether
// or not anything deleted it yet) breaks the transaction; a key already
// expired when watched does not, unless it is set again.
func TestWatchExpiry(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		clk := backend.NewManualClock(clockStart)
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithClock(clk))
		a, other := servertest.Dial(t, s.Addr), servertest.Dial(t, s.Addr)
		tx := func(want string) {
			t.Helper()
			a.Expect(wireOK, "MULTI")
			a.Expect(wire.Simple("QUEUED"), "PING")
			a.Expect(want, "EXEC")
		}
		ok, broken := wire.Array(wire.Simple("PONG")), "*-1\r\n"

		// Expires after WATCH, before EXEC.
		a.Expect(wireOK, "SET", "e", "1", "PX", "1000")
		a.Expect(wireOK, "WATCH", "e")
		clk.Advance(999 * time.Millisecond)
		tx(ok)
		a.Expect(wireOK, "WATCH", "e")
		clk.Advance(time.Millisecond)
		tx(broken)
		// Deleted by a read in between: the same.
		a.Expect(wireOK, "SET", "e", "1", "PX", "1000")
		a.Expect(wireOK, "WATCH", "e")
		clk.Advance(2 * time.Second)
		other.Expect(wireNull, "GET", "e")
		tx(broken)
		// Already expired when watched: its deletion is no change...
		a.Expect(wireOK, "SET", "e", "1", "PX", "1000")
		clk.Advance(2 * time.Second)
		a.Expect(wireOK, "WATCH", "e")
		other.Expect(wireNull, "GET", "e")
		tx(ok)
		// ...but setting it again is.
		a.Expect(wireOK, "SET", "e", "1", "PX", "1000")
		clk.Advance(2 * time.Second)
		a.Expect(wireOK, "WATCH", "e")
		other.Expect(wireOK, "SET", "e", "2")
		tx(broken)
		// A TTL extended by another client is a write.
		a.Expect(wireOK, "SET", "e", "1", "PX", "1000")
		a.Expect(wireOK, "WATCH", "e")
		other.Expect(wire.Int(1), "PEXPIRE", "e", "5000")
		tx(broken)
	})
}

// TestWatchUnderLoad runs WATCH-based optimistic increments (WATCH n; GET
// n; MULTI; SET n n+1; EXEC, retried on a null reply) from several clients
// at once, with transfers in between touching other keys: no increment is
// lost or doubled. Run it with -race.
func TestWatchUnderLoad(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		const clients, incrs = 4, 50
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		var retries atomic.Int64
		for range clients {
			c := servertest.Dial(t, s.Addr)
			wg.Go(func() {
				for range incrs {
					if err := optimisticIncr(c, &retries); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		servertest.Dial(t, s.Addr).Expect(wire.Bulk(strconv.Itoa(clients*incrs)), "GET", "n")
		t.Logf("%d increments, %d retries", clients*incrs, retries.Load())
	})
}

// optimisticIncr increments n with WATCH, retrying until EXEC succeeds.
func optimisticIncr(c *servertest.Conn, retries *atomic.Int64) error {
	for {
		got, err := roundTrip(c, string(pipeline([]string{"WATCH", "n"}, []string{"GET", "n"})), 2)
		if err != nil {
			return err
		}
		n := int64(0)
		if got[1] != wireNull {
			parts := strings.Split(got[1], "\r\n")
			if n, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
				return fmt.Errorf("GET n: %q", got[1])
			}
		}
		tx := pipeline([]string{"MULTI"}, []string{"SET", "n", strconv.FormatInt(n+1, 10)}, []string{"EXEC"})
		if got, err = roundTrip(c, string(tx), 3); err != nil {
			return err
		}
		switch got[2] {
		case "*1\r\n+OK\r\n":
			return nil
		case "*-1\r\n":
			retries.Add(1)
		default:
			return fmt.Errorf("EXEC: %q", got[2])
		}
	}
}

// TestGoRedisWatch runs go-redis v9's Watch: a transaction whose watched
// key another client changed fails with redis.TxFailedErr; one left alone
// succeeds.
func TestGoRedisWatch(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		ctx := context.Background()
		c, other := newClientProto(t, s.Addr, proto), newClientProto(t, s.Addr, proto)
		incr := func(meddle bool) error {
			return c.Watch(ctx, func(tx *redis.Tx) error {
				n, err := tx.Get(ctx, "w").Int()
				if err != nil && err != redis.Nil {
					return err
				}
				if meddle {
					other.Set(ctx, "w", "100", 0)
				}
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, "w", n+1, 0)
					return nil
				})
				return err
			}, "w")
		}
		if err := incr(false); err != nil {
			t.Fatalf("Watch: %v", err)
		}
		if err := incr(true); err != redis.TxFailedErr {
			t.Fatalf("Watch with a concurrent write: %v, want TxFailedErr", err)
		}
		if err := incr(false); err != nil {
			t.Fatalf("Watch: %v", err)
		}
		if got := c.Get(ctx, "w").Val(); got != "101" {
			t.Fatalf("GET w = %q, want 101", got)
		}
	})
}

// TestMultiAdminCommands runs server commands that reach the backend or the
// log on their own (BGSAVE, BGREWRITEAOF, INFO, CONFIG) inside EXEC, with
// an AOF or snapshots: none of them waits for the locks EXEC holds; BGSAVE
// and BGREWRITEAOF are scheduled for after it, as in Redis.
func TestMultiAdminCommands(t *testing.T) {
	for _, mode := range []config.PersistMode{config.ModeAOF, config.ModeSnapshot} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := aofConfig(t.TempDir(), config.FsyncEverySec)
			cfg.Persistence.Mode = mode
			s := servertest.StartConfig(t, cfg, server.Options{})
			c := servertest.Dial(t, s.Addr)
			c.Expect(wireOK, "MULTI")
			for _, cmd := range [][]string{{"SET", "a", "1"}, {"BGSAVE"}, {"BGREWRITEAOF"}, {"INFO", "keyspace"}, {"CONFIG", "GET", "maxclients"}, {"DBSIZE"}, {"LASTSAVE"}, {"FLUSHALL"}} {
				c.Expect(wire.Simple("QUEUED"), cmd...)
			}
			c.Send("EXEC")
			reply, err := c.TryRead(10 * time.Second)
			if err != nil {
				t.Fatalf("EXEC: %v", err)
			}
			if !strings.HasPrefix(reply, "*8\r\n+OK\r\n+Background saving scheduled\r\n+Background append only file rewriting scheduled\r\n") || !strings.HasSuffix(reply, "+OK\r\n") {
				t.Fatalf("EXEC replied %q", reply)
			}
			c.Expect(wireZero, "DBSIZE")
			// The scheduled jobs ran after the transaction.
			if mode == config.ModeAOF {
				waitInfo(t, c, "aof_rewrites", "1")
			} else {
				waitInfo(t, c, "rdb_changes_since_last_save", "0")
			}
		})
	}
}
