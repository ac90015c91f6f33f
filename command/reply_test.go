package command

import (
	"math"
	"testing"
)

// replyCtx returns a context of a fresh client speaking proto.
func replyCtx(t *testing.T, proto int) *Ctx {
	t.Helper()
	_, c := newMemoryCtx(t)
	c.Client.SetProto(proto)
	return c
}

// TestReplyEncodings checks every reply method in both protocols, byte for
// byte: the RESP2 forms are Redis 7.0's for a RESP2 client.
func TestReplyEncodings(t *testing.T) {
	tests := []struct {
		name         string
		write        func(c *Ctx)
		resp2, resp3 string
	}{
		{"null", func(c *Ctx) { c.Null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(c *Ctx) { c.NullArray() }, "*-1\r\n", "_\r\n"},
		{"map", func(c *Ctx) { c.Map(1); c.BulkString("k"); c.Int(1) }, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
		{"set", func(c *Ctx) { c.Set(2); c.Simple("a"); c.Simple("b") }, "*2\r\n+a\r\n+b\r\n", "~2\r\n+a\r\n+b\r\n"},
		{"push", func(c *Ctx) { c.Push(2); c.BulkString("message"); c.BulkString("x") },
			"*2\r\n$7\r\nmessage\r\n$1\r\nx\r\n", ">2\r\n$7\r\nmessage\r\n$1\r\nx\r\n"},
		{"double", func(c *Ctx) { c.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double 0.1", func(c *Ctx) { c.Double(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"double inf", func(c *Ctx) { c.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"double -inf", func(c *Ctx) { c.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"boolean", func(c *Ctx) { c.Boolean(true); c.Boolean(false) }, ":1\r\n:0\r\n", "#t\r\n#f\r\n"},
		{"bool stays an integer", func(c *Ctx) { c.Bool(true); c.Bool(false) }, ":1\r\n:0\r\n", ":1\r\n:0\r\n"},
		{"verbatim", func(c *Ctx) { c.Verbatim([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "=8\r\ntxt:a\r\nb\r\n"},
		{"big number", func(c *Ctx) { c.BigNumber("1234567999999999999999999999") },
			"$28\r\n1234567999999999999999999999\r\n", "(1234567999999999999999999999\r\n"},
		{"bulk float stays a bulk string", func(c *Ctx) { c.BulkFloat(10.5) }, "$4\r\n10.5\r\n", "$4\r\n10.5\r\n"},
		{"array mark", func(c *Ctx) { c.Simple("x"); m := c.ArrayMark(); c.Int(1); c.Int(2); c.ArrayEnd(m, 2) },
			"+x\r\n*2\r\n:1\r\n:2\r\n", "+x\r\n*2\r\n:1\r\n:2\r\n"},
		{"map mark", func(c *Ctx) { m := c.ArrayMark(); c.BulkString("k"); c.Null(); c.MapEnd(m, 1) },
			"*2\r\n$1\r\nk\r\n$-1\r\n", "%1\r\n$1\r\nk\r\n_\r\n"},
		{"set mark", func(c *Ctx) { m := c.ArrayMark(); c.SetEnd(m, 0) }, "*0\r\n", "~0\r\n"},
		{"scan", func(c *Ctx) { m := c.ArrayMark(); c.BulkString("a"); c.ScanEnd(m, 17, 1) },
			"*2\r\n$2\r\n17\r\n*1\r\n$1\r\na\r\n", "*2\r\n$2\r\n17\r\n*1\r\n$1\r\na\r\n"},
		{"error", func(c *Ctx) { c.Error(ErrSyntax) }, "-ERR syntax error\r\n", "-ERR syntax error\r\n"},
	}
	for _, tt := range tests {
		for _, p := range []struct {
			proto int
			want  string
		}{{2, tt.resp2}, {3, tt.resp3}} {
			c := replyCtx(t, p.proto)
			tt.write(c)
			if got := string(c.Out()); got != p.want {
				t.Errorf("%s, RESP%d: got %q, want %q", tt.name, p.proto, got, p.want)
			}
		}
	}
}

// TestReplyNoAllocs: the protocol-aware replies allocate nothing.
func TestReplyNoAllocs(t *testing.T) {
	for _, proto := range []int{2, 3} {
		c := replyCtx(t, proto)
		allocs := testing.AllocsPerRun(100, func() {
			c.Reset()
			c.Null()
			c.NullArray()
			m := c.ArrayMark()
			c.Map(1)
			c.Set(1)
			c.Push(1)
			c.Double(0.1)
			c.Boolean(true)
			c.Verbatim([]byte("x"))
			c.MapEnd(m, 1)
			c.SetEnd(m, 1)
			c.ScanEnd(m, 5, 1)
		})
		if allocs != 0 {
			t.Errorf("RESP%d: %v allocs, want 0", proto, allocs)
		}
	}
}
