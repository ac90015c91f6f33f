package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// strencodingDebugObject keeps only the encoding of a DEBUG OBJECT reply
// (addresses, LRU and serialized lengths differ between the servers).
var strencodingDebugObject = regexp.MustCompile(`encoding:\S+`)

// strencodingCheck compares OBJECT ENCODING and DEBUG OBJECT's encoding of
// key, and its value.
func strencodingCheck(d *servertest.Diff, key string) {
	d.Do("GET", key)
	d.Do("OBJECT", "ENCODING", key)
	d.DoMasked(func(s string) string {
		return strings.Join(strencodingDebugObject.FindAllString(s, -1), " ")
	}, "DEBUG", "OBJECT", key)
}

// strencodingCases are sequences of string writes; each starts on an empty
// key k (and k2) and ends with the encodings of k (and k2) compared.
var strencodingCases = [][][]string{
	{{"SET", "k", "10"}, {"APPEND", "k", "1"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", "d"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", ""}},
	{{"APPEND", "k", "12"}},
	{{"APPEND", "k", "abc"}},
	{{"APPEND", "k", "12"}, {"APPEND", "k", "3"}},
	{{"SET", "k", "1"}, {"SETRANGE", "k", "0", "2"}},
	{{"SET", "k", "abc"}, {"SETRANGE", "k", "1", ""}},
	{{"SETRANGE", "k", "0", "12"}},
	{{"SETRANGE", "k", "3", "ab"}},
	{{"SETRANGE", "k", "0", ""}},
	{{"SETBIT", "k", "7", "1"}},
	{{"SET", "k", "abc"}, {"SETBIT", "k", "0", "0"}},
	{{"SET", "k", "12"}, {"SETBIT", "k", "2", "1"}},
	{{"BITFIELD", "k", "SET", "u8", "0", "49"}},
	{{"SET", "k", "5"}, {"BITFIELD", "k", "GET", "u8", "0"}},
	{{"SET", "k", "5"}, {"BITFIELD", "k", "SET", "u8", "0", "53"}},
	{{"SET", "k", "5"}, {"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"}},
	{{"SET", "a", "1"}, {"SET", "b", "2"}, {"BITOP", "OR", "k", "a", "b"}},
	{{"SET", "a", "1"}, {"BITOP", "NOT", "k", "a"}, {"SET", "k2", "x"}, {"COPY", "k", "k2", "REPLACE"}},
	{{"SET", "k", "10"}, {"INCRBYFLOAT", "k", "1"}},
	{{"INCRBYFLOAT", "k", "1.5"}},
	{{"INCRBYFLOAT", "k", "1e40"}},
	{{"SET", "k", "10"}, {"INCRBYFLOAT", "k", "1"}, {"INCR", "k"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", "d"}, {"SET", "k", "abcd"}},
	{{"SET", "k", "1"}, {"APPEND", "k", "2"}, {"INCR", "k"}},
	{{"SET", "k", "1"}, {"GETSET", "k", "2"}},
	{{"INCR", "k"}},
	{{"INCRBY", "k", "12345678901234"}},
	{{"DECRBY", "k", "9223372036854775807"}, {"DECR", "k"}},
	{{"SET", "k", "-9223372036854775808"}},
	{{"SET", "k", "9223372036854775808"}},
	{{"SET", "k", "0123"}},
	{{"SETNX", "k", "7"}, {"SETEX", "k2", "100", "x"}},
	{{"MSET", "k", "1", "k2", "abc"}, {"MSETNX", "x", "1"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", "d"}, {"GETEX", "k", "EX", "100"}, {"GETDEL", "k2"}},
	{{"SET", "k", strings.Repeat("a", 44)}, {"SET", "k2", strings.Repeat("a", 45)}},
	{{"SET", "k", strings.Repeat("a", 40)}, {"APPEND", "k", "bbbbb"}, {"SET", "k2", strings.Repeat("a", 45)}, {"INCRBYFLOAT", "k2", "0"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", "d"}, {"RENAME", "k", "k2"}, {"SET", "k", "1"}},
	{{"SET", "k2", "abc"}, {"APPEND", "k2", "d"}, {"COPY", "k2", "k"}},
	{{"SET", "k2", "10"}, {"INCRBYFLOAT", "k2", "1"}, {"COPY", "k2", "k"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", "d"}, {"MOVE", "k", "1"}, {"SELECT", "1"}, {"OBJECT", "ENCODING", "k"}, {"DEL", "k"}, {"SELECT", "0"}},
	{{"PFADD", "k", "a"}},
	{{"PFADD", "k", "a"}, {"PFCOUNT", "k"}, {"PFADD", "k", "a"}},
	{{"PFADD", "a", "x"}, {"PFMERGE", "k", "a"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", "d"}, {"DEBUG", "RELOAD"}},
	{{"SET", "k", "12"}, {"SETRANGE", "k", "0", "3"}, {"SET", "k2", "10"}, {"INCRBYFLOAT", "k2", "1"}, {"DEBUG", "RELOAD"}},
	{{"SET", "k", "abc"}, {"APPEND", "k", "d"}, {"MULTI"}, {"APPEND", "k", "e"}, {"SET", "k2", "1"}, {"EXEC"}},
	{{"EVAL", "redis.call('set', KEYS[1], '5'); return redis.call('append', KEYS[1], '6')", "1", "k"}},
}

// TestDiffStrEncoding compares the encoding Redis gives a string after
// each kind of write (it depends on the write, not only on the bytes), on
// both backends, with OBJECT ENCODING and DEBUG OBJECT.
func TestDiffStrEncoding(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		r := servertest.StartRedis(t, "--enable-debug-command", "yes")
		s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
			c.Persistence.Mode = config.ModeSnapshot
			b.Apply(c)
			c.DebugCommand = config.AllowYes
		}))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, seq := range strencodingCases {
			d.Do("FLUSHALL")
			for _, c := range seq {
				d.Do(c...)
			}
			strencodingCheck(d, "k")
			strencodingCheck(d, "k2")
		}
		// RESTORE loads as DEBUG RELOAD does: the encoding the bytes give,
		// whatever the dumped value's was.
		rc, _ := d.Conns()
		for _, seq := range [][][]string{
			{{"SET", "k", "12"}, {"APPEND", "k", "3"}},
			{{"SET", "k", "abc"}, {"SETRANGE", "k", "0", "x"}},
			{{"SET", "k", "1"}, {"INCRBYFLOAT", "k", "1"}},
			{{"SETRANGE", "k", "60", "x"}},
		} {
			d.Do("FLUSHALL")
			for _, c := range seq {
				d.Do(c...)
			}
			payload := strencodingBulk(t, rc.Do("DUMP", "k"))
			d.Do("RESTORE", "k2", "0", payload)
			d.Do("RESTORE", "k", "0", payload, "REPLACE")
			strencodingCheck(d, "k")
			strencodingCheck(d, "k2")
		}
	})
}

// strencodingBulk returns the payload of a RESP bulk string reply.
func strencodingBulk(t *testing.T, raw string) string {
	t.Helper()
	head, rest, ok := strings.Cut(raw, "\r\n")
	n, err := strconv.Atoi(strings.TrimPrefix(head, "$"))
	if !ok || err != nil || !strings.HasPrefix(head, "$") || len(rest) != n+2 {
		t.Fatalf("not a bulk string: %q", raw)
	}
	return rest[:n]
}

// TestDiffStrEncodingAOF compares the encodings after DEBUG LOADAOF: the
// replayed writes leave what those writes leave (INCRBYFLOAT is logged as
// SET). The memory backend has the AOF.
func TestDiffStrEncodingAOF(t *testing.T) {
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		if b.Name != "memory" {
			t.Skip("the AOF is the memory backend's")
		}
		r := servertest.StartRedis(t, "--enable-debug-command", "yes", "--appendonly", "yes")
		s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
			c.Persistence.Mode = config.ModeAOF
			b.Apply(c)
			c.DebugCommand = config.AllowYes
		}))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, c := range [][]string{
			{"SET", "a", "10"}, {"APPEND", "a", "1"},
			{"SETRANGE", "b", "0", "12"}, {"SET", "c", "10"}, {"INCRBYFLOAT", "c", "1"},
			{"SETBIT", "d", "3", "1"}, {"PFADD", "e", "x"}, {"APPEND", "f", "12"},
			{"SET", "g", "1"}, {"INCR", "g"}, {"BITOP", "NOT", "h", "g"},
		} {
			d.Do(c...)
		}
		d.Do("DEBUG", "LOADAOF")
		for _, key := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			strencodingCheck(d, key)
		}
	})
}
