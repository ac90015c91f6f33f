package command

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// trackingClient is a RESP3 client of e.
func trackingClient(e *Engine) *Ctx {
	c := e.NewCtx(e.NewClient("a", "b"), nil)
	c.Client.SetProto(3)
	return c
}

func invalidation(keys ...string) string {
	s := ">2\r\n$10\r\ninvalidate\r\n*" + strconv.Itoa(len(keys)) + "\r\n"
	for _, k := range keys {
		s += "$" + strconv.Itoa(len(k)) + "\r\n" + k + "\r\n"
	}
	return s
}

// TestTrackingTableMaxKeys: beyond tracking-table-max-keys, remembered
// keys are invalidated until the table fits again; 0 is no limit.
func TestTrackingTableMaxKeys(t *testing.T) {
	e, _, _ := listTestEngine(t)
	a := trackingClient(e)
	for _, cmd := range []string{"CONFIG SET tracking-table-max-keys 2", "CLIENT TRACKING on", "GET k1", "GET k2"} {
		if got := execLine(e, a, cmd); got == "" || got[0] == '-' {
			t.Fatalf("%s: %q", cmd, got)
		}
	}
	if got := pushed(a); got != "" {
		t.Fatalf("pushes within the limit: %q", got)
	}
	execLine(e, a, "GET k3")
	got := pushed(a)
	if got != invalidation("k1") && got != invalidation("k2") && got != invalidation("k3") {
		t.Fatalf("over the limit: %q", got)
	}
	if n := len(e.tracking.keys); n != 2 {
		t.Fatalf("table holds %d keys, want 2", n)
	}
	execLine(e, a, "CONFIG SET tracking-table-max-keys 0")
	for i := range 10 {
		execLine(e, a, "GET x"+strconv.Itoa(i))
	}
	if got := pushed(a); got != "" || len(e.tracking.keys) != 12 {
		t.Fatalf("no limit: pushed %q, %d keys", got, len(e.tracking.keys))
	}
	info := execLine(e, a, "INFO")
	for _, want := range []string{"tracking_clients:1\r\n", "tracking_total_keys:12\r\n", "tracking_total_items:12\r\n", "tracking_total_prefixes:0\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q", want)
		}
	}
}

// TestTrackingRedirectGone: a redirection to a client that has gone is
// reported to the tracking client (RESP3) and shows in TRACKINGINFO; a
// client that disconnects stops tracking.
func TestTrackingRedirectGone(t *testing.T) {
	e, _, _ := listTestEngine(t)
	a, r, w := trackingClient(e), trackingClient(e), trackingClient(e)
	rid := strconv.FormatInt(r.Client.ID, 10)
	execLine(e, a, "CLIENT TRACKING on REDIRECT "+rid)
	execLine(e, a, "GET k")
	e.Unregister(r.Client)
	execLine(e, w, "SET k 1")
	if got, want := pushed(a), ">2\r\n$21\r\ntracking-redir-broken\r\n:"+rid+"\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	want := "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:" + rid + "\r\n$8\r\nprefixes\r\n*0\r\n"
	if got := execLine(e, a, "CLIENT TRACKINGINFO"); got != want {
		t.Fatalf("TRACKINGINFO: %q, want %q", got, want)
	}
	if info := execLine(e, a, "CLIENT INFO"); !strings.Contains(info, " flags=tR ") || !strings.Contains(info, " redir="+rid+" ") {
		t.Errorf("CLIENT INFO: %q", info)
	}
	execLine(e, a, "CLIENT TRACKING off")
	execLine(e, a, "CLIENT TRACKING on BCAST")
	if info := execLine(e, a, "CLIENT INFO"); !strings.Contains(info, " flags=tB ") || !strings.Contains(info, " redir=0 ") {
		t.Errorf("CLIENT INFO: %q", info)
	}
	e.Unregister(a.Client)
	if n := e.tracking.clients.Load(); n != 0 {
		t.Fatalf("%d tracking clients after the disconnection", n)
	}
}

// TestTrackingConcurrent: readers that track and writers run at once
// (run with -race); every push a reader gets is an invalidation of its
// key, and once the writers are done, a read followed by a write brings
// exactly one.
func TestTrackingConcurrent(t *testing.T) {
	e, _, _ := listTestEngine(t)
	const readers, rounds = 4, 200
	var wg sync.WaitGroup
	rs := make([]*Ctx, readers)
	for i := range rs {
		rs[i] = trackingClient(e)
		execLine(e, rs[i], "CLIENT TRACKING on")
		wg.Add(1)
		go func(r *Ctx, key string) {
			defer wg.Done()
			for range rounds {
				execLine(e, r, "GET "+key)
				got := pushed(r)
				if strings.ReplaceAll(got, invalidation(key), "") != "" {
					t.Errorf("pushed %q", got)
				}
			}
		}(rs[i], "k"+strconv.Itoa(i%2))
	}
	for i := range 2 {
		w := trackingClient(e)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range rounds {
				execLine(e, w, "SET k"+strconv.Itoa(i)+" "+strconv.Itoa(j))
			}
		}()
	}
	wg.Wait()
	w := trackingClient(e)
	for i, r := range rs {
		key := "k" + strconv.Itoa(i%2)
		pushed(r)
		execLine(e, r, "GET "+key)
		execLine(e, w, "SET "+key+" last")
		if got := pushed(r); got != invalidation(key) {
			t.Errorf("reader %d after the last write: %q", i, got)
		}
	}
}

// TestTrackingToggleRace: a client turning tracking on and off while
// others list clients, flush and write (run with -race).
func TestTrackingToggleRace(t *testing.T) {
	e, _, _ := listTestEngine(t)
	a, other := trackingClient(e), trackingClient(e)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 200 {
			execLine(e, a, "CLIENT TRACKING on BCAST")
			execLine(e, a, "CLIENT TRACKING off")
			execLine(e, a, "CLIENT TRACKING on")
			execLine(e, a, "GET k")
			execLine(e, a, "CLIENT TRACKING off")
			pushed(a)
		}
	}()
	for range 200 {
		execLine(e, other, "CLIENT LIST")
		execLine(e, other, "SET k 1")
		execLine(e, other, "FLUSHALL")
		execLine(e, other, "CLIENT TRACKING on REDIRECT "+strconv.FormatInt(a.Client.ID, 10))
		execLine(e, other, "CLIENT TRACKING off")
	}
	wg.Wait()
}
