package server_test

import (
	"regexp"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffLatency compares LATENCY and INFO latencystats with a real
// Redis: errors, HELP, DOCTOR with monitoring off and on, an event
// recorded by a slow command (DEBUG SLEEP is not there yet, so a
// threshold of 1 ms and a BLPOP that is not counted either way), reset,
// and the shape of HISTOGRAM and latencystats with the times masked.
func TestDiffLatency(t *testing.T) {
	times := regexp.MustCompile(`p(\d+(\.\d+)?)=\d+\.\d{3}`)
	maskInfo := func(raw string) string {
		raw = times.ReplaceAllString(raw, "p$1=T")
		raw = regexp.MustCompile(`^[=$]\d+\r\n`).ReplaceAllString(raw, "$$LEN\r\n")
		lines := strings.Split(raw, "\r\n")
		return strings.Join(sortedCopy(lines), "\r\n")
	}
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r := servertest.StartRedis(t)
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range [][]string{
			{"LATENCY"}, {"LATENCY", "HELP"}, {"LATENCY", "BOGUS"}, {"LATENCY", "LATEST"}, {"LATENCY", "HISTORY"},
			{"LATENCY", "HISTORY", "command"}, {"LATENCY", "RESET"}, {"LATENCY", "RESET", "x", "y"},
			{"LATENCY", "GRAPH"}, {"LATENCY", "GRAPH", "command"}, {"LATENCY", "DOCTOR"}, {"LATENCY", "DOCTOR", "x"},
			{"LATENCY", "HISTOGRAM", "nosuchcommand"},
			{"CONFIG", "SET", "latency-tracking-info-percentiles", "50 abc"},
			{"CONFIG", "SET", "latency-tracking-info-percentiles", "101"},
			{"CONFIG", "SET", "latency-tracking-info-percentiles", "-1"},
			{"CONFIG", "SET", "latency-tracking-info-percentiles", " 50"},
			{"CONFIG", "SET", "latency-tracking-info-percentiles", "1e2 0.5"},
			{"CONFIG", "GET", "latency-tracking-info-percentiles"},
			{"CONFIG", "SET", "latency-tracking-info-percentiles", ""},
			{"CONFIG", "GET", "latency-tracking-info-percentiles"},
			{"CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"},
			{"CONFIG", "SET", "latency-tracking", "maybe"}, {"CONFIG", "GET", "latency-tracking"},
			{"CONFIG", "SET", "latency-monitor-threshold", "1000000"},
			{"LATENCY", "DOCTOR"},
		} {
			d.Do(c...)
		}
		d.Both("CONFIG", "RESETSTAT")
		d.Both("SET", "a", "1")
		d.Both("GET", "a")
		d.Both("GET", "a")
		d.Both("CONFIG", "GET", "maxmemory")
		d.DoMasked(maskInfo, "INFO", "latencystats")
		d.Both("CONFIG", "SET", "latency-tracking-info-percentiles", "0.5 99.99 100")
		d.DoMasked(maskInfo, "INFO", "latencystats")
		d.Both("CONFIG", "SET", "latency-tracking", "no")
		d.Both("CONFIG", "RESETSTAT")
		d.Both("GET", "a")
		d.DoMasked(maskInfo, "INFO", "latencystats")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
