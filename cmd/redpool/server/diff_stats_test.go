package server_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

var (
	// A SLOWLOG entry's id, time, duration and client address.
	slowEntryVaries = regexp.MustCompile(`\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n`)
	clientAddr      = regexp.MustCompile(`\$\d+\r\n127\.0\.0\.1:\d+\r\n`)
	// The time a command took, in INFO commandstats.
	statTimes = regexp.MustCompile(`usec=\d+,usec_per_call=[0-9.]+`)
)

func maskSlowlog(raw string) string {
	raw = slowEntryVaries.ReplaceAllString(raw, "*6\r\n:ID\r\n:TIME\r\n:DURATION\r\n")
	return clientAddr.ReplaceAllString(raw, "$ADDR\r\n")
}

// maskStats masks the times in INFO commandstats and the length of the
// verbatim/bulk reply that holds them, and sorts its lines (Redis lists
// commands in hash order).
func maskStats(raw string) string {
	raw = statTimes.ReplaceAllString(raw, "usec=T")
	raw = regexp.MustCompile(`^[=$]\d+\r\n`).ReplaceAllString(raw, "$$LEN\r\n")
	lines := strings.Split(raw, "\r\n")
	slices.Sort(lines)
	return strings.Join(lines, "\r\n")
}

// TestDiffSlowlog compares SLOWLOG with a real Redis: what is logged with
// a threshold of 0 (every command, arguments trimmed as Redis trims them,
// EXEC's commands but not EXEC), the length limit, RESET, HELP and the
// errors. Ids, times, durations and addresses are masked.
func TestDiffSlowlog(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r := servertest.StartRedis(t) // its own: the test changes settings
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		long := make([]byte, 300)
		for i := range long {
			long[i] = 'a' + byte(i%26)
		}
		many := []string{"RPUSH", "l"}
		for i := range 40 {
			many = append(many, string(rune('a'+i%26)))
		}
		for _, c := range [][]string{
			{"SLOWLOG"}, {"SLOWLOG", "BOGUS"}, {"SLOWLOG", "HELP"}, {"SLOWLOG", "HELP", "x"},
			{"SLOWLOG", "GET", "x"}, {"SLOWLOG", "GET", "-2"}, {"SLOWLOG", "GET", "1", "2"}, {"SLOWLOG", "LEN", "x"},
			{"SLOWLOG", "RESET", "x"}, {"CONFIG", "SET", "slowlog-log-slower-than", "-2"},
			{"CONFIG", "SET", "slowlog-max-len", "-1"},
			{"CONFIG", "SET", "slowlog-log-slower-than", "0"},
			{"SLOWLOG", "RESET"}, {"SLOWLOG", "LEN"},
			{"SET", "k", string(long)}, many, {"CLIENT", "SETNAME", "me"}, {"GET", "k"},
			{"MULTI"}, {"INCR", "n"}, {"LPUSH", "k", "x"}, {"EXEC"},
			{"SLOWLOG", "LEN"}, {"SLOWLOG", "GET"}, {"SLOWLOG", "GET", "2"}, {"SLOWLOG", "GET", "-1"}, {"SLOWLOG", "GET", "0"},
			{"CONFIG", "SET", "slowlog-max-len", "3"}, {"SLOWLOG", "LEN"}, {"SLOWLOG", "GET", "-1"},
			{"CONFIG", "SET", "slowlog-log-slower-than", "-1"}, {"SLOWLOG", "RESET"}, {"GET", "k"}, {"SLOWLOG", "LEN"},
			{"CONFIG", "SET", "slowlog-log-slower-than", "10000000"}, {"GET", "k"}, {"SLOWLOG", "GET"},
			// The time a blocking command waits is not its own.
			{"CONFIG", "SET", "slowlog-log-slower-than", "50000"}, {"SLOWLOG", "RESET"},
			{"BLPOP", "nolist", "0.2"}, {"SLOWLOG", "LEN"},
		} {
			d.DoMasked(maskSlowlog, c...)
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffCommandStats compares INFO commandstats and errorstats with a
// real Redis after CONFIG RESETSTAT: calls, rejected and failed calls per
// command and subcommand (inside EXEC too), and error replies by code.
// Times are masked.
func TestDiffCommandStats(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r := servertest.StartRedis(t)
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("CONFIG", "RESETSTAT")
		for _, c := range [][]string{
			{"SET", "a", "1"}, {"GET", "a"}, {"GET", "a"}, {"LPUSH", "a", "x"}, {"GET"}, {"NOSUCH"},
			{"INCR", "a"}, {"HSET", "a", "f"}, {"CONFIG", "GET", "maxmemory"}, {"CONFIG", "GET"},
			{"MULTI"}, {"INCR", "a"}, {"LPUSH", "a", "y"}, {"EXEC"},
			{"MULTI"}, {"GET"}, {"EXEC"}, {"EXEC"}, {"CONFIG", "BOGUS"}, {"SLOWLOG", "GET", "1", "2"},
			{"BLPOP", "nolist", "0.01"},
		} {
			d.Do(c...)
		}
		d.DoMasked(maskStats, "INFO", "commandstats")
		d.DoMasked(maskStats, "INFO", "errorstats")
		d.Both("CONFIG", "RESETSTAT")
		d.DoMasked(maskStats, "INFO", "errorstats")
		d.DoMasked(maskStats, "INFO", "commandstats")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}
