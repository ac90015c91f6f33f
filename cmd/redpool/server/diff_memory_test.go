package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffMemory compares MEMORY's errors, HELP and the shape of its
// replies with Redis: USAGE is an integer for every type (nil for a
// missing key), STATS has Redis's fields in Redis's order with an integer
// or a double as in Redis. Figures differ by nature (allocators) and are
// masked.
func TestDiffMemory(t *testing.T) {
	r := servertest.StartRedis(t)
	numbers := regexp.MustCompile(`(:|,)[-0-9.e+]+\r\n|\$\d+\r\n[-0-9.e+]+\r\n`)
	mask := func(raw string) string {
		raw = numbers.ReplaceAllStringFunc(raw, func(m string) string {
			if strings.HasPrefix(m, "$") {
				return "$N\r\nD\r\n" // a double, as a bulk string in RESP2
			}
			return m[:1] + "N\r\n"
		})
		return raw
	}
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("SET", "s", "v")
		d.Both("RPUSH", "l", "a", "b", "c")
		d.Both("HSET", "h", "f", "v")
		d.Both("SADD", "set", "m")
		d.Both("ZADD", "z", "1", "m")
		for _, c := range [][]string{
			{"MEMORY"}, {"MEMORY", "HELP"}, {"MEMORY", "BOGUS"}, {"MEMORY", "USAGE"}, {"MEMORY", "USAGE", "nokey"},
			{"MEMORY", "USAGE", "s", "SAMPLES"}, {"MEMORY", "USAGE", "s", "SAMPLES", "x"}, {"MEMORY", "USAGE", "s", "SAMPLES", "-1"},
			{"MEMORY", "USAGE", "s", "BOGUS", "1"}, {"MEMORY", "PURGE"}, {"MEMORY", "PURGE", "x"}, {"MEMORY", "STATS", "x"},
			{"MEMORY", "DOCTOR", "x"}, {"MEMORY", "MALLOC-STATS", "x"},
		} {
			d.Do(c...)
		}
		for _, k := range []string{"s", "l", "h", "set", "z"} {
			d.DoMasked(mask, "MEMORY", "USAGE", k)
			d.DoMasked(mask, "MEMORY", "USAGE", k, "SAMPLES", "0")
		}
		d.DoMasked(mask, "MEMORY", "STATS")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestMemoryUsage checks that MEMORY USAGE grows with what a key holds,
// on both backends, and that SAMPLES 0 (every element) and the default
// (5 sampled) agree for a collection of equal elements.
func TestMemoryUsage(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		c := servertest.Dial(t, servertest.Start(t, servertest.WithConfig(b.Apply)).Addr)
		usage := func(args ...string) int64 {
			t.Helper()
			raw := c.Do(append([]string{"MEMORY", "USAGE"}, args...)...)
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(raw, ":"), "\r\n"), 10, 64)
			if err != nil {
				t.Fatalf("MEMORY USAGE %v: %q", args, raw)
			}
			return n
		}
		c.Do("SET", "small", "x")
		c.Do("SET", "big", strings.Repeat("x", 10000))
		if s, bg := usage("small"), usage("big"); bg < s+9990 {
			t.Errorf("MEMORY USAGE: small %d, big (9999 bytes more) %d", s, bg)
		}
		args := []string{"RPUSH", "list"}
		for i := range 1000 {
			args = append(args, "element-"+strconv.Itoa(1000+i))
		}
		c.Do(args...)
		zargs := []string{"ZADD", "zset"}
		for i := range 1000 {
			zargs = append(zargs, strconv.Itoa(i), "member-"+strconv.Itoa(1000+i))
		}
		c.Do(zargs...)
		for _, k := range []string{"list", "zset"} {
			all, sampled := usage(k, "SAMPLES", "0"), usage(k)
			if all < 1000*12 || sampled < all*85/100 || sampled > all*115/100 {
				t.Errorf("MEMORY USAGE of a %s of 1000 elements: all %d, sampled %d", k, all, sampled)
			}
		}
	})
}
