package server_test

import (
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of PFCOUNT's side effects on one HLL: the cached
// cardinality it stores and the encoding it leaves (Redis unshares the
// string first, so even a count read from the cache leaves it raw), alone
// and pipelined on one key (a run of commands under one lock).

// TestDiffHLLCountEncoding sets small HLLs (embstr strings), with the
// cache valid and invalid, and compares OBJECT ENCODING and the bytes
// after PFCOUNT.
func TestDiffHLLCountEncoding(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		values := map[string]string{
			"valid":   string(hllHeader(1, 3, true)) + "\x7f\xff",
			"invalid": string(hllHeader(1, 3, false)) + "\x83\x7f\xfb",
			"corrupt": string(hllHeader(1, 3, false)) + "\x83\x7f\xfe",
			"dense":   denseHLL(func(i int) byte { return byte(i % 5) }),
		}
		for _, key := range sortedKeysOf(values) {
			d.Both("SET", key, values[key])
			d.Do("OBJECT", "ENCODING", key)
			d.Do("PFCOUNT", key)
			d.Do("OBJECT", "ENCODING", key)
			d.Do("GET", key)
			d.Do("PFCOUNT", key)
			d.Do("GET", key)
		}
		d.Do("PFCOUNT", "valid", "invalid") // the union: no write
		d.Both("SET", "u", values["valid"])
		d.Do("PFCOUNT", "u", "nokey")
		d.Do("OBJECT", "ENCODING", "u")
		d.Do("PFCOUNT", "nokey")
		d.Do("EXISTS", "nokey")
		t.Logf("%d cases compared", d.Cases)
	})
}

// TestDiffHLLCountPipelined sends PFADD and PFCOUNT of one key pipelined,
// 16 at a time, and compares every reply and then the value: PFCOUNTs run
// together under one lock still store the cache.
func TestDiffHLLCountPipelined(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("SET", "small", string(hllHeader(1, 0, false))+"\x7f\xff")
		batches := [][][]string{
			hllCountRepeat([]string{"PFCOUNT", "small"}, 16),
			append([][]string{{"PFADD", "h", "a", "b", "c"}}, hllCountRepeat([]string{"PFCOUNT", "h"}, 15)...),
			append(hllCountRepeat([]string{"PFCOUNT", "h"}, 8), append([][]string{{"PFADD", "h", "d"}}, hllCountRepeat([]string{"PFCOUNT", "h"}, 7)...)...),
		}
		rc, pc := d.Conns()
		for _, batch := range batches {
			rc.Write(string(pipeline(batch...)))
			pc.Write(string(pipeline(batch...)))
			for _, cmd := range batch {
				if want, got := rc.Read(), pc.Read(); got != want {
					t.Errorf("%s\n got: %q\nwant: %q", servertest.Quote(cmd), got, want)
				}
			}
		}
		for _, key := range []string{"small", "h"} {
			d.Do("GET", key)
			d.Do("OBJECT", "ENCODING", key)
		}
	})
}

// hllCountRepeat returns n copies of cmd.
func hllCountRepeat(cmd []string, n int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = cmd
	}
	return out
}
