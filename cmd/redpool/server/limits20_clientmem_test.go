package server_test

import (
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// TestLimits20ReplyPeak: CLIENT LIST's rbp is the most the client's
// reply buffer held over the last period, as Redis 7.0's buf_peak: a
// 50 KB reply shows in it, and 5 s later (Redis's
// reply-buffer-peak-reset-time) the peak starts again from what the
// buffer holds, nothing for an idle client.
func TestLimits20ReplyPeak(t *testing.T) {
	s := servertest.Start(t)
	admin := servertest.Dial(t, s.Addr)
	admin.Expect("+OK\r\n", "CLIENT", "SETNAME", "admin")
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "CLIENT", "SETNAME", "peaky")
	val := strings.Repeat("v", 50000)
	c.Expect("+OK\r\n", "SET", "k", val)
	c.Expect("$50000\r\n"+val+"\r\n", "GET", "k")
	if got := clientListField(t, admin, "peaky", "rbp"); got < 50000+len("$50000\r\n\r\n") {
		t.Fatalf("rbp = %d after a 50 KB reply", got)
	}
	start := time.Now()
	for clientListField(t, admin, "peaky", "rbp") != 0 {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("rbp still %d after 20 s", clientListField(t, admin, "peaky", "rbp"))
		}
		time.Sleep(100 * time.Millisecond) // polling a condition, not a synchronisation
	}
	if time.Since(start) < 4*time.Second {
		t.Errorf("rbp fell to 0 after %v, before the period", time.Since(start))
	}

}
