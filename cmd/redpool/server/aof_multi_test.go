package server_test

import (
	"bufio"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestAOFKill9Transactions kills redpool with SIGKILL in the middle of a
// burst of transactions (MULTI; INCR a; INCR b; SET last i; EXEC from
// several clients), restarts it on the same log, and checks that every
// transaction is wholly present or wholly absent (a = b = last for every
// client) and that none that was acknowledged is lost.
func TestAOFKill9Transactions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	kill9Bursts(t, t.TempDir(), txBurst)
}

// kill9Bursts runs burst from 4 clients against a redpool with an AOF in
// dir, kills it with SIGKILL after half a second, three times, and checks
// after each restart (checkTransfers) that what every burst
// acknowledged is wholly there. burst returns the last of its numbered
// transactions that was acknowledged, counting from after.
func kill9Bursts(t *testing.T, dir string, burst func(addr string, id, after int) int) {
	t.Helper()
	bin := servertest.BuildBinary(t)
	cfg := aofConfig(dir, config.FsyncEverySec)
	cfg.LogLevel = config.LogWarn
	path := servertest.WriteConfig(t, t.TempDir(), cfg)
	const clients = 4
	acked := make([]int, clients)
	for round := range 3 {
		p := servertest.StartProcess(t, bin, path)
		checkTransfers(t, p.Addr, acked)
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(500 * time.Millisecond)
			p.Kill9()
		}()
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() { acked[i] = burst(p.Addr, i, acked[i]) })
		}
		wg.Wait()
		<-done
		t.Logf("round %d: acknowledged %v", round, acked)
	}
	p := servertest.StartProcess(t, bin, path)
	checkTransfers(t, p.Addr, acked)
}

// txBurst runs transactions for client id, numbered from after, until the
// connection fails, and returns the last one acknowledged.
func txBurst(addr string, id, after int) int {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return after
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	s := strconv.Itoa(id)
	for i := after + 1; ; i++ {
		tx := pipeline([]string{"MULTI"}, []string{"INCR", "a:" + s}, []string{"INCR", "b:" + s},
			[]string{"SET", "last:" + s, strconv.Itoa(i)}, []string{"EXEC"})
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(tx); err != nil {
			return i - 1
		}
		var reply string
		for range 5 {
			if reply, err = servertest.ReadRaw(br); err != nil {
				return i - 1
			}
		}
		want := wire.Array(wire.Int(int64(i)), wire.Int(int64(i)), wireOK)
		if reply != want {
			return i - 1 // reported by checkTransfers as a mismatch
		}
	}
}

// checkTransfers checks that for every client a, b and last agree and
// cover every acknowledged transaction.
func checkTransfers(t *testing.T, addr string, acked []int) {
	t.Helper()
	c := servertest.Dial(t, addr)
	for id, n := range acked {
		s := strconv.Itoa(id)
		raw := c.Do("MGET", "a:"+s, "b:"+s, "last:"+s)
		if n == 0 && raw == "*3\r\n$-1\r\n$-1\r\n$-1\r\n" {
			continue
		}
		elems := arrayElems(t, raw)
		if len(elems) != 3 || elems[0] != elems[1] || elems[1] != elems[2] {
			t.Fatalf("client %d: a, b, last = %q: a transaction is partly applied", id, elems)
		}
		if got, _ := strconv.Atoi(elems[0]); got < n {
			t.Fatalf("client %d: %d transactions applied, %d acknowledged", id, got, n)
		}
		acked[id] = max(n, mustAtoi(t, elems[0]))
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
