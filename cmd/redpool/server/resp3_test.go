package server_test

import (
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestRESP3Transcript sends commands after HELLO 3 and compares the exact
// RESP3 bytes (Redis 7.0's) on both backends: nulls, maps, arrays of pairs,
// sets, verbatim strings, and the replies that stay as in RESP2.
func TestRESP3Transcript(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		c := servertest.DialProto(t, s.Addr, 3)
		for _, step := range []struct {
			want string
			args string
		}{
			{"+OK\r\n", "SET k v"},
			{"_\r\n", "GET nokey"},
			{"*2\r\n$1\r\nv\r\n_\r\n", "MGET k nokey"},
			{":1\r\n", "HSET h f v"},
			{"%1\r\n$1\r\nf\r\n$1\r\nv\r\n", "HGETALL h"},
			{"%0\r\n", "HGETALL nokey"},
			{"*1\r\n$1\r\nf\r\n", "HKEYS h"},
			{"*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "HRANDFIELD h 1 WITHVALUES"},
			{"*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "HRANDFIELD h -2 WITHVALUES"},
			{"*1\r\n$1\r\nf\r\n", "HRANDFIELD h 1"},
			{"_\r\n", "HRANDFIELD nokey"},
			{"*2\r\n$1\r\nv\r\n_\r\n", "HMGET h f nofield"},
			{"%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n", "CONFIG GET maxclients"},
			{"_\r\n", "LPOP nokey 2"},
			{"_\r\n", "BLPOP nokey 0.01"},
			{"_\r\n", "BLMPOP 0.01 1 nokey LEFT"},
			{"_\r\n", "BRPOPLPUSH nokey x 0.01"},
			{"_\r\n", "LMPOP 1 nokey LEFT"},
			{":1\r\n", "RPUSH l a"},
			{"_\r\n", "LPOS l z"},
			{"*0\r\n", "LPOS l z COUNT 0"},
			{"_\r\n", "CLIENT GETNAME"},
			{"_\r\n", "OBJECT ENCODING nokey"},
			{"+OK\r\n", "MSET a ohmytext b mynewtext"},
			{"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n", "LCS a b IDX MINMATCHLEN 4"},
			{"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", "SCAN 0 MATCH k"},
			{"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "HSCAN h 0"},
			{"*1\r\n_\r\n", "COMMAND INFO nosuch"},
			{"%0\r\n", "COMMAND DOCS nosuch"},
			{"$3\r\n1.5\r\n", "INCRBYFLOAT fl 1.5"},
			{"$3\r\n2.5\r\n", "HINCRBYFLOAT h x 2.5"},
			{":1\r\n", "EXISTS k"},
			{":0\r\n", "SETNX k x"},
			{"$1\r\nv\r\n", "SET k v NX GET"},
			{"_\r\n", "SET k2 v XX GET"},
			{"_\r\n", "GETDEL nokey"},
			{"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "GET h"},
			{"+OK\r\n", "FLUSHALL"},
			{"_\r\n", "RANDOMKEY"},
		} {
			c.Expect(step.want, strings.Fields(step.args)...)
		}
		// COMMAND INFO: flags, ACL categories and tips are sets.
		c.Expect("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n*0\r\n*0\r\n", "COMMAND", "INFO", "get")
		// Text replies are verbatim strings.
		id := strings.TrimSuffix(strings.TrimPrefix(c.Do("CLIENT", "ID"), ":"), "\r\n")
		for _, args := range [][]string{{"CLIENT", "INFO"}, {"CLIENT", "LIST"}, {"INFO", "server"}} {
			got := c.Do(args...)
			head, body, ok := strings.Cut(got, "\r\ntxt:")
			if !ok || !strings.HasPrefix(head, "=") || !strings.HasSuffix(body, "\r\n") ||
				head[1:] != strconv.Itoa(len(body)-2+4) {
				t.Errorf("%v: not a verbatim string: %q", args, got)
			}
			if args[0] == "CLIENT" && (!strings.Contains(body, "id="+id+" ") || !strings.Contains(body, " resp=3 ")) {
				t.Errorf("%v: %q lacks id=%s or resp=3", args, got, id)
			}
		}
		// HELLO without a version keeps RESP3; HELLO 2 goes back.
		if got := c.Do("HELLO"); !strings.HasPrefix(got, "%7\r\n") {
			t.Errorf("HELLO = %q", got)
		}
		if got := c.Do("HELLO", "2"); !strings.HasPrefix(got, "*14\r\n") {
			t.Errorf("HELLO 2 = %q", got)
		}
		c.Expect("$-1\r\n", "GET", "nokey")
		if got := c.Do("CLIENT", "INFO"); !strings.HasPrefix(got, "$") || !strings.Contains(got, " resp=2 ") {
			t.Errorf("CLIENT INFO in RESP2 = %q", got)
		}
	})
}
