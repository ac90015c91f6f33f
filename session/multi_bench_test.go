package session_test

import (
	"bufio"
	"net"
	"testing"

	"redpool/command"
	"redpool/session/resp"
)

// Pipelined transactions through a whole session (bench/compare.sh's
// multi case on one connection): 16 MULTI; SET; INCR; EXEC per write,
// against the same commands without MULTI and EXEC. cpu-ns/op is the
// process's CPU per transaction (client included, the same for both),
// the figure to compare on a shared machine.

func BenchmarkSessionMultiPipeline(b *testing.B) {
	c, br := serve(b)
	multiRoundTrips(b, c, br, 16, 6, [][]string{{"MULTI"}, {"SET", "k", "v"}, {"INCR", "n"}, {"EXEC"}})
}

func BenchmarkSessionSetIncrPipeline(b *testing.B) {
	c, br := serve(b)
	multiRoundTrips(b, c, br, 16, 2, [][]string{{"SET", "k", "v"}, {"INCR", "n"}})
}

// multiRoundTrips sends cmds depth times per write until b.N requests
// (each all of cmds) have gone, reading lines reply lines per request.
func multiRoundTrips(b *testing.B, c net.Conn, br *bufio.Reader, depth, lines int, cmds [][]string) {
	var req []byte
	for range depth {
		for _, args := range cmds {
			req = resp.AppendCommandStrings(req, args...)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := command.ProcessCPUTime()
	for i := 0; i < b.N; i += depth {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		for range depth * lines {
			if _, err := br.ReadSlice('\n'); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(command.ProcessCPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
}
