package server_test

import (
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the access clock (OBJECT IDLETIME/FREQ) and of
// maxmemory against a real Redis: the errors, the parameters, and the
// deterministic part of the LFU counter (lfu-log-factor 0 increments it on
// every access). bolt keeps no access clock (FREQ stays 5) and refuses a
// maxmemory, so those parts run on memory only.

func TestDiffAccessClock(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("FLUSHALL")
		d.Both("CONFIG", "RESETSTAT")
		defer d.Both("CONFIG", "SET", "maxmemory-policy", "noeviction", "lfu-log-factor", "10", "maxmemory", "0")
		for _, c := range [][]string{
			{"CONFIG", "GET", "lfu-log-factor"}, {"CONFIG", "GET", "lfu-decay-time"},
			{"CONFIG", "GET", "maxmemory-eviction-tenacity"}, {"CONFIG", "GET", "maxmemory-samples"},
			{"CONFIG", "GET", "maxmemory-policy"}, {"CONFIG", "GET", "maxmemory"},
			{"CONFIG", "SET", "maxmemory-policy", "bogus"}, {"CONFIG", "SET", "maxmemory-eviction-tenacity", "101"},
			{"CONFIG", "SET", "maxmemory-samples", "0"}, {"CONFIG", "SET", "lfu-log-factor", "-1"},
			{"CONFIG", "SET", "lfu-decay-time", "x"},
			{"SET", "k", "value"}, {"OBJECT", "IDLETIME", "k"}, {"OBJECT", "FREQ", "k"}, {"OBJECT", "IDLETIME", "nope"},
			{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}, {"CONFIG", "GET", "maxmemory-policy"},
			{"OBJECT", "IDLETIME", "k"}, {"OBJECT", "FREQ", "nope"},
			{"SET", "f", "value"}, {"OBJECT", "FREQ", "f"}, {"OBJECT", "FREQ", "f"},
			{"CONFIG", "SET", "maxmemory-policy", "VOLATILE-LFU"}, {"CONFIG", "GET", "maxmemory-policy"},
			{"OBJECT", "IDLETIME", "f"},
		} {
			d.Do(c...)
		}
		if b.Name != "memory" {
			return
		}
		// lfu-log-factor 0: every access counts one; TYPE, EXISTS, TTL and
		// OBJECT do not count.
		d.Both("CONFIG", "SET", "lfu-log-factor", "0", "maxmemory-policy", "allkeys-lfu")
		d.Both("SET", "g", "value")
		for _, c := range [][]string{
			{"OBJECT", "FREQ", "g"}, {"GET", "g"}, {"OBJECT", "FREQ", "g"}, {"TYPE", "g"}, {"EXISTS", "g"}, {"TTL", "g"},
			{"OBJECT", "ENCODING", "g"}, {"OBJECT", "FREQ", "g"}, {"GET", "g"}, {"STRLEN", "g"}, {"APPEND", "g", "x"},
			{"OBJECT", "FREQ", "g"}, {"TOUCH", "g"}, {"OBJECT", "FREQ", "g"}, {"SET", "g", "other"}, {"OBJECT", "FREQ", "g"},
			{"RENAME", "g", "h"}, {"OBJECT", "FREQ", "h"}, {"COPY", "h", "h2"}, {"OBJECT", "FREQ", "h2"},
			{"RPUSH", "l", "a"}, {"LRANGE", "l", "0", "-1"}, {"OBJECT", "FREQ", "l"},
		} {
			d.Do(c...)
		}
		// maxmemory below what any server uses: noeviction and a volatile
		// policy without volatile keys refuse writes; allkeys-lru evicts
		// everything, then refuses.
		for _, c := range [][]string{
			{"CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "noeviction"},
			{"SET", "x", "y"}, {"GET", "h"}, {"INCR", "n"}, {"DEL", "h2"}, {"EXPIRE", "h", "100"},
			{"MULTI"}, {"GET", "h"}, {"EXEC"},
			{"MULTI"}, {"SET", "x", "y"}, {"EXEC"},
			{"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}, {"RPUSH", "l", "b"}, {"DBSIZE"},
			{"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}, {"SET", "x", "y"}, {"DBSIZE"},
			{"CONFIG", "SET", "maxmemory", "0"}, {"SET", "x", "y"}, {"DBSIZE"},
		} {
			d.Do(c...)
		}
		rinfo, pinfo := d.Conns()
		if got, want := infoField(t, pinfo, "stats", "evicted_keys"), infoField(t, rinfo, "stats", "evicted_keys"); got == "0" || got != want {
			t.Errorf("evicted_keys: redpool %s, redis %s", got, want)
		}
	})
}

// TestBoltRefusesMaxmemory: bolt's data is on disk, so maxmemory is
// refused rather than accepted and ignored.
func TestBoltRefusesMaxmemory(t *testing.T) {
	s := servertest.Start(t, servertest.WithConfig(servertest.Backends()[1].Apply))
	c := servertest.Dial(t, s.Addr)
	c.Expect("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - maxmemory is not supported by this backend (its data is on disk)\r\n", "CONFIG", "SET", "maxmemory", "100mb")
	c.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory", "0")
	c.Expect("*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n", "CONFIG", "GET", "maxmemory")
}
