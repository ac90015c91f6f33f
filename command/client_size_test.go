package command

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// TestClientSize: every connection holds a Client for its life, so its
// size is what 10,000 idle clients cost beyond their buffers (issue 20:
// no more than Redis per client). The parts most clients never use
// (MULTI, WATCH, Pub/Sub, pushed frames, tracking) are pointers made at
// their first use; what remains must fit the Go size class below. Grow
// it only for state every client needs, and then by moving something
// else out.
func TestClientSize(t *testing.T) {
	const sizeClass = 320 // a Go allocation size class
	if n := unsafe.Sizeof(Client{}); n > sizeClass {
		t.Errorf("Client is %d bytes, more than the %d-byte size class", n, sizeClass)
	}
}

// TestClientPartsOnFirstUse: a client that only reads and writes keys
// makes none of the parts it does not use; each is made by its first use
// and kept, so a transaction after the first allocates no new one.
func TestClientPartsOnFirstUse(t *testing.T) {
	e, _ := pubsubEngine(t)
	c, _ := pubsubClient(e)
	cl := c.Client
	execAll(c, "PING", "SET k v", "GET k", "CLIENT LIST", "CLIENT TRACKINGINFO", "UNSUBSCRIBE")
	if cl.multi != nil || cl.subs.Load() != nil || cl.outbox.Load() != nil || cl.tracking.Load() != nil || cl.acl.keys != nil {
		t.Fatalf("a plain client made a part: multi %v subs %v outbox %v tracking %v acl keys %v",
			cl.multi != nil, cl.subs.Load() != nil, cl.outbox.Load() != nil, cl.tracking.Load() != nil, cl.acl.keys != nil)
	}
	execAll(c, "MULTI", "SET k w", "EXEC")
	m := cl.multi
	if got := execAll(c, "MULTI", "GET k", "EXEC"); got != "+OK\r\n+QUEUED\r\n*1\r\n$1\r\nw\r\n" || cl.multi != m || m == nil {
		t.Fatalf("second transaction: %q, same multiState %v", got, cl.multi == m)
	}
	if got := execAll(c, "SUBSCRIBE ch", "UNSUBSCRIBE ch"); !strings.HasSuffix(got, ":0\r\n") || cl.subs.Load() == nil || cl.Subscribed() {
		t.Fatalf("after SUBSCRIBE and UNSUBSCRIBE: %q, subscribed %v", got, cl.Subscribed())
	}
	execAll(c, "CLIENT TRACKING ON", "CLIENT TRACKING OFF")
	if cl.tracking.Load() == nil || cl.tracks() != nil {
		t.Fatalf("after TRACKING ON and OFF: state %v, on %v", cl.tracking.Load() != nil, cl.tracks() != nil)
	}
}

// TestClientPartsConcurrent (run with -race): clients make their parts
// while others read them (CLIENT LIST, INFO) and push to them (PUBLISH,
// tracking invalidations, MONITOR), each part made by its first use on
// one goroutine and read on another.
func TestClientPartsConcurrent(t *testing.T) {
	e, _ := pubsubEngine(t)
	const rounds = 50
	ids := make(chan int64, rounds)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { // each round a new client makes its parts
		defer wg.Done()
		defer close(ids)
		for range rounds {
			c, _ := pubsubClient(e)
			ids <- c.Client.ID
			execAll(c, "MULTI", "PING", "PING", "PING", "EXEC", "CLIENT TRACKING ON", "GET k", "WATCH k", "UNWATCH",
				"SUBSCRIBE ch", "UNSUBSCRIBE", "CLIENT TRACKING OFF")
			pushed(c)
			e.Unregister(c.Client)
		}
	}()
	go func() { // another writes, publishes and redirects to them
		defer wg.Done()
		defer close(done)
		c, _ := pubsubClient(e)
		defer e.Unregister(c.Client)
		for id := range ids {
			execAll(c, "CLIENT TRACKING ON BCAST REDIRECT "+strconv.FormatInt(id, 10), "SET k v", "PUBLISH ch m",
				"CLIENT TRACKING OFF")
		}
	}()
	go func() { // another lists them all the while
		defer wg.Done()
		c, _ := pubsubClient(e)
		defer e.Unregister(c.Client)
		for {
			select {
			case <-done:
				return
			default:
				execAll(c, "CLIENT LIST", "CLIENT KILL MAXAGE 1000", "INFO clients")
			}
		}
	}()
	go func() { // a monitor gets every command pushed
		defer wg.Done()
		c, _ := pubsubClient(e)
		defer e.Unregister(c.Client)
		execAll(c, "MONITOR")
		for range rounds {
			pushed(c)
		}
	}()
	wg.Wait()
}
