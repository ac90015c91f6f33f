package session_test

import (
	"bufio"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The statistics of commands a session reads together are published with
// the batch (command.Ctx.BeginBatch): a command of the batch that reads
// them, and any client once it has the batch's replies, sees every
// command before counted.

// multiStatsSend writes cmds in one write and returns the replies, read
// as n RESP values.
func multiStatsSend(t *testing.T, c net.Conn, br *bufio.Reader, n int, cmds ...[]string) []string {
	t.Helper()
	multiWrite(t, c, cmds...)
	out := make([]string, n)
	for i := range out {
		out[i] = multiStatsValue(t, br)
	}
	return out
}

// multiStatsValue reads one RESP2 value and returns it as its text: a
// bulk string's contents, a simple value's line, an array's elements
// joined by spaces.
func multiStatsValue(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '$':
		if line == "$-1" {
			return "(nil)"
		}
		n := 0
		for _, d := range line[1:] {
			n = n*10 + int(d-'0')
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	case '*':
		n := 0
		for _, d := range line[1:] {
			n = n*10 + int(d-'0')
		}
		parts := make([]string, n)
		for i := range parts {
			parts[i] = multiStatsValue(t, br)
		}
		return strings.Join(parts, " ")
	}
	return line
}

// multiStatsField returns the value of name in an INFO or CLIENT LIST
// text (name=value or name:value).
func multiStatsField(t *testing.T, text, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)(?:^|[ ,])` + regexp.QuoteMeta(name) + `[=:]([^ ,\r\n]*)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %s in %q", name, text)
	}
	return m[1]
}

func TestMultiStatsBatchPublished(t *testing.T) {
	c, br, addr := serveAddr(t)
	other, obr := multiDial(t, addr)

	// A command of the batch sees the commands before it counted.
	got := multiStatsSend(t, c, br, 5,
		[]string{"MULTI"}, []string{"SET", "k", "v"}, []string{"INCR", "n"}, []string{"EXEC"},
		[]string{"INFO", "commandstats"})
	if want := []string{"+OK", "+QUEUED", "+QUEUED", "+OK :1"}; strings.Join(got[:4], "|") != strings.Join(want, "|") {
		t.Fatalf("replies %q, want %q", got[:4], want)
	}
	for _, name := range []string{"cmdstat_multi", "cmdstat_set", "cmdstat_incr", "cmdstat_exec"} {
		if !strings.Contains(got[4], name+":calls=1,") {
			t.Errorf("INFO commandstats %q, want %s with 1 call", got[4], name)
		}
	}

	// Another client, once the replies came, sees them all, and the
	// commands counted as processed (the batch's 3, and one INFO stats
	// of its own in between, whether an INFO counts itself or not).
	before := multiStatsSend(t, other, obr, 1, []string{"INFO", "stats"})[0]
	got = multiStatsSend(t, c, br, 3, []string{"SET", "k", "v"}, []string{"SET", "k", "w"}, []string{"MULTI"})
	if strings.Join(got, "|") != "+OK|+OK|+OK" {
		t.Fatalf("replies %q", got)
	}
	stats := multiStatsSend(t, other, obr, 1, []string{"INFO", "stats"})[0]
	n0, _ := strconv.Atoi(multiStatsField(t, before, "total_commands_processed"))
	n1, _ := strconv.Atoi(multiStatsField(t, stats, "total_commands_processed"))
	if n1-n0 != 4 {
		t.Errorf("total_commands_processed went from %d to %d, want 4 more", n0, n1)
	}
	info := multiStatsSend(t, other, obr, 1, []string{"INFO", "commandstats"})[0]
	if !strings.Contains(info, "cmdstat_set:calls=3,") || !strings.Contains(info, "cmdstat_multi:calls=2,") {
		t.Errorf("other client's INFO commandstats %q, want set 3 and multi 2 calls", info)
	}

	// The open transaction shows in CLIENT LIST, as Redis's multi= (the
	// commands queued) and flag x.
	got = multiStatsSend(t, c, br, 2, []string{"SET", "a", "b"}, []string{"INCR", "n"})
	if strings.Join(got, "|") != "+QUEUED|+QUEUED" {
		t.Fatalf("replies %q", got)
	}
	list := multiStatsSend(t, other, obr, 1, []string{"CLIENT", "LIST"})[0]
	line := ""
	for _, l := range strings.Split(list, "\n") {
		if l != "" && !strings.Contains(l, "cmd=client|list") {
			line = l
		}
	}
	if multiStatsField(t, line, "multi") != "2" || multiStatsField(t, line, "flags") != "x" {
		t.Errorf("CLIENT LIST line %q, want multi=2 flags=x", line)
	}
	// During EXEC, a queued CLIENT INFO sees the whole transaction.
	got = multiStatsSend(t, c, br, 2, []string{"CLIENT", "INFO"}, []string{"EXEC"})
	if got[0] != "+QUEUED" || !strings.Contains(got[1], " multi=3 ") {
		t.Errorf("replies %q, want CLIENT INFO in EXEC with multi=3", got)
	}
	list = multiStatsSend(t, other, obr, 1, []string{"CLIENT", "LIST"})[0]
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, "cmd=exec") && (multiStatsField(t, l, "multi") != "-1" || multiStatsField(t, l, "flags") != "N") {
			t.Errorf("CLIENT LIST line %q after EXEC, want multi=-1 flags=N", l)
		}
	}
}

// TestMultiStatsBatchArgvMem: within a batch, a CLIENT command shows its
// own arguments in argv-mem, as Redis does, whatever ran before it.
func TestMultiStatsBatchArgvMem(t *testing.T) {
	c, br, _ := serveAddr(t)
	got := multiStatsSend(t, c, br, 3, []string{"SET", "k", "some value"}, []string{"PING"}, []string{"CLIENT", "INFO"})
	if got[0] != "+OK" || got[1] != "+PONG" {
		t.Fatalf("replies %q", got)
	}
	if v := multiStatsField(t, got[2], "argv-mem"); v != "10" {
		t.Errorf("CLIENT INFO %q: argv-mem %s, want 10", got[2], v)
	}
}

// TestMultiBorrowedArgsKept: the commands a batch queues in MULTI use its
// arguments where they lie; a transaction the batch leaves open copies
// them before the next request overwrites the buffer, keys included.
func TestMultiBorrowedArgsKept(t *testing.T) {
	c, br, _ := serveAddr(t)
	got := multiStatsSend(t, c, br, 4,
		[]string{"MULTI"}, []string{"SET", "key:aaaa", "value:aaaa"}, []string{"APPEND", "key:aaaa", "-more"},
		[]string{"INCR", "cnt:aaaa"})
	if strings.Join(got, "|") != "+OK|+QUEUED|+QUEUED|+QUEUED" {
		t.Fatalf("replies %q", got)
	}
	// The same sizes, so that the bytes land where the first batch's lay.
	got = multiStatsSend(t, c, br, 4,
		[]string{"MULTI"}, []string{"SET", "key:bbbb", "value:bbbb"}, []string{"APPEND", "key:bbbb", "-BBBB"},
		[]string{"EXEC"})
	want := "-ERR MULTI calls can not be nested|+QUEUED|+QUEUED|+OK :15 :1 +OK :15"
	if strings.Join(got, "|") != want {
		t.Fatalf("replies %q, want %q", strings.Join(got, "|"), want)
	}
	got = multiStatsSend(t, c, br, 4, []string{"GET", "key:aaaa"}, []string{"GET", "key:bbbb"}, []string{"GET", "cnt:aaaa"}, []string{"EXISTS", "cnt:bbbb"})
	if want := "value:aaaa-more|value:bbbb-BBBB|1|:0"; strings.Join(got, "|") != want {
		t.Errorf("values %q, want %q", strings.Join(got, "|"), want)
	}
}

// TestMultiStatsBatchResetStat: CONFIG RESETSTAT in a batch zeroes the
// counts of the commands before it, batched or not, as Redis does.
func TestMultiStatsBatchResetStat(t *testing.T) {
	c, br, _ := serveAddr(t)
	got := multiStatsSend(t, c, br, 4, []string{"SET", "k", "v"}, []string{"INCR", "n"}, []string{"CONFIG", "RESETSTAT"},
		[]string{"INFO", "commandstats"})
	if strings.Join(got[:3], "|") != "+OK|:1|+OK" {
		t.Fatalf("replies %q", got[:3])
	}
	if want := "# Commandstats\r\ncmdstat_config|resetstat:calls=1,"; !strings.HasPrefix(got[3], want) || strings.Contains(got[3], "cmdstat_set") {
		t.Errorf("INFO commandstats %q, want only config|resetstat", got[3])
	}
	stats := multiStatsSend(t, c, br, 1, []string{"INFO", "stats"})[0]
	if v := multiStatsField(t, stats, "total_commands_processed"); v != "2" { // the two INFOs, as Redis counts
		t.Errorf("total_commands_processed %s, want 2", v)
	}
}
