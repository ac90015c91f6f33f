package command

import (
	"errors"
	"strconv"
	"testing"
)

// configErr is CONFIG SET's reply refusing value for name.
func configErr(name, why string) string {
	return "-ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why + "\r\n"
}

// getReply is CONFIG GET's reply for one parameter.
func getReply(name, value string) string {
	return "*2\r\n$" + strconv.Itoa(len(name)) + "\r\n" + name + "\r\n$" + strconv.Itoa(len(value)) + "\r\n" + value + "\r\n"
}

// TestConfigSetValidates: CONFIG SET checks every value as Redis 7.0 does
// (the texts are checked against a real redis-server by TestDiffConfigSet)
// and a refused value changes nothing.
func TestConfigSetValidates(t *testing.T) {
	e, c, _ := listTestEngine(t)
	for _, tc := range []struct{ cmd, want string }{
		{"CONFIG SET maxmemory-policy bogus", configErr("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")},
		{"CONFIG GET maxmemory-policy", getReply("maxmemory-policy", "noeviction")},
		{"CONFIG SET maxmemory-policy ALLKEYS-lru", "+OK\r\n"},
		{"CONFIG GET maxmemory-policy", getReply("maxmemory-policy", "allkeys-lru")},
		{"CONFIG SET loglevel bogus", configErr("loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning")},
		{"CONFIG SET LogLevel nothing", configErr("loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning")},
		{"CONFIG GET loglevel", getReply("loglevel", "notice")},
		{"CONFIG SET list-max-listpack-size notanumber", configErr("list-max-listpack-size", "argument couldn't be parsed into an integer")},
		{"CONFIG SET list-max-ziplist-size 2147483648", configErr("list-max-ziplist-size", "argument must be between -2147483648 and 2147483647 inclusive")},
		{"CONFIG SET list-max-ziplist-size -5", "+OK\r\n"},
		{"CONFIG GET list-max-listpack-size", getReply("list-max-listpack-size", "-5")},
		{"CONFIG SET maxmemory 1gb", "+OK\r\n"},
		{"CONFIG GET maxmemory", getReply("maxmemory", "1073741824")},
		{"CONFIG SET maxmemory 1.5gb", configErr("maxmemory", "argument must be a memory value")},
		{"CONFIG SET maxmemory -1", configErr("maxmemory", "argument must be a memory value")},
		{"CONFIG SET hash-max-listpack-value 9223372036854775808", configErr("hash-max-listpack-value", "argument must be between 0 and 9223372036854775807 inclusive")},
		{"CONFIG SET activerehashing maybe", configErr("activerehashing", "argument must be 'yes' or 'no'")},
		{"CONFIG SET activerehashing NO", "+OK\r\n"},
		{"CONFIG GET activerehashing", getReply("activerehashing", "no")},
		{"CONFIG SET maxmemory-samples 0", configErr("maxmemory-samples", "argument must be between 1 and 2147483647 inclusive")},
		{"CONFIG SET slowlog-log-slower-than -2", configErr("slowlog-log-slower-than", "argument must be between -1 and 9223372036854775807 inclusive")},
		{"CONFIG SET hz 1000", "+OK\r\n"},
		{"CONFIG GET hz", getReply("hz", "500")},
		{"CONFIG SET hz 0", "+OK\r\n"},
		{"CONFIG GET hz", getReply("hz", "1")},
		{"CONFIG SET notify-keyspace-events Q", configErr("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
		{"CONFIG SET notify-keyspace-events KEnd", "+OK\r\n"},
		{"CONFIG GET notify-keyspace-events", getReply("notify-keyspace-events", "dnKE")},
		{"CONFIG SET notify-keyspace-events g$lshzxetdnKEm", "+OK\r\n"},
		{"CONFIG GET notify-keyspace-events", getReply("notify-keyspace-events", "AKEm")},
		{"CONFIG SET client-output-buffer-limit normal", configErr("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")},
		{"CONFIG SET lua-time-limit 10", "+OK\r\n"},
		{"CONFIG GET busy-reply-threshold", getReply("busy-reply-threshold", "10")},
		{"CONFIG SET daemonize yes", configErr("daemonize", "can't set immutable config")},
		{"CONFIG SET nosuch 1", "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"},
		{"CONFIG SET hz 1 2", "-ERR syntax error\r\n"},
	} {
		if got := execLine(e, c, tc.cmd); got != tc.want {
			t.Errorf("%s\n got: %q\nwant: %q", tc.cmd, got, tc.want)
		}
	}
}

// TestConfigSetAllOrNothing: in one CONFIG SET of several parameters, a
// bad name, a parameter given twice or a refused value changes none.
func TestConfigSetAllOrNothing(t *testing.T) {
	e, c, _ := listTestEngine(t)
	refuse := errors.New("refused by the test")
	var applied []string
	e.Params().Register(IntParam("test-last", 0, 100, func() int64 { return 0 }, func(n int64) error {
		if n == 13 {
			return refuse
		}
		applied = append(applied, strconv.FormatInt(n, 10))
		return nil
	}))
	for _, tc := range []struct{ cmd, want string }{
		{"CONFIG SET hz 20 maxmemory bogus", configErr("maxmemory", "argument must be a memory value")},
		{"CONFIG SET hz 20 nosuch 1", "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"},
		{"CONFIG SET hz 20 HZ 30", configErr("HZ", "duplicate parameter")},
		{"CONFIG SET hz 20 daemonize no", configErr("daemonize", "can't set immutable config")},
		{"CONFIG SET daemonize no nosuch 1", configErr("daemonize", "can't set immutable config")},
		{"CONFIG SET hz 20 maxmemory 5mb TEST-LAST 13", configErr("test-last", "refused by the test")},
		{"CONFIG GET hz", getReply("hz", "10")},
		{"CONFIG GET maxmemory", getReply("maxmemory", "0")},
		{"CONFIG SET hz 20 maxmemory 5mb test-last 14", "+OK\r\n"},
		{"CONFIG GET hz", getReply("hz", "20")},
		{"CONFIG GET maxmemory", getReply("maxmemory", "5242880")},
		// An alias is another parameter to CONFIG SET, as in Redis.
		{"CONFIG SET list-max-ziplist-size 1 list-max-listpack-size 2", "+OK\r\n"},
		{"CONFIG GET list-max-ziplist-size", getReply("list-max-ziplist-size", "2")},
	} {
		if got := execLine(e, c, tc.cmd); got != tc.want {
			t.Errorf("%s\n got: %q\nwant: %q", tc.cmd, got, tc.want)
		}
	}
	if len(applied) != 1 || applied[0] != "14" {
		t.Errorf("test-last applied %q, want only 14", applied)
	}
}

// TestParamsRestore: every parameter's Set accepts what its Get returns
// and keeps it, which is how CONFIG SET puts old values back.
func TestParamsRestore(t *testing.T) {
	p := NewParams()
	for _, prm := range p.Match([][]byte{[]byte("*")}) {
		if prm.Set == nil {
			continue
		}
		v := prm.Get()
		if err := prm.Set(v); err != nil || prm.Get() != v {
			t.Errorf("%s: Set(%q) = %v, then Get() = %q", prm.Name, v, err, prm.Get())
		}
	}
}

func TestParseMemory(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"100", 100, true}, {"", 0, true}, {"kb", 0, true},
		{"1b", 1, true}, {"1k", 1000, true}, {"1KB", 1024, true}, {"2m", 2000000, true}, {"2Mb", 2 << 20, true},
		{"3g", 3000000000, true}, {"3gB", 3 << 30, true},
		{"18446744073709551615", 1<<64 - 1, true}, {"99999999999999999999", 1<<64 - 1, true},
		{"-1", 0, false}, {"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1.5gb", 0, false}, {"1tb", 0, false},
	} {
		got, ok := ParseMemory(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
