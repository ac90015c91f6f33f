package command

import (
	"strconv"

	"redpool/session/resp"
)

// --- replies ---

// OK writes +OK.
func (c *Ctx) OK() { c.out = append(c.out, "+OK\r\n"...) }

// Simple writes a simple string reply.
func (c *Ctx) Simple(s string) { c.out = resp.AppendSimple(c.out, s) }

// Error writes an error reply for err.
func (c *Ctx) Error(err error) { c.out = resp.AppendError(c.out, replyError(err)) }

// Int writes an integer reply.
func (c *Ctx) Int(n int64) { c.out = resp.AppendInt(c.out, n) }

// Bool writes :1 or :0.
func (c *Ctx) Bool(b bool) {
	if b {
		c.out = append(c.out, ":1\r\n"...)
	} else {
		c.out = append(c.out, ":0\r\n"...)
	}
}

// Bulk writes a bulk string reply.
func (c *Ctx) Bulk(b []byte) { c.out = resp.AppendBulk(c.out, b) }

// BulkString writes a bulk string reply.
func (c *Ctx) BulkString(s string) { c.out = resp.AppendBulkString(c.out, s) }

// BulkInt writes n as a bulk string.
func (c *Ctx) BulkInt(n int64) { c.out = resp.AppendBulkInt(c.out, n) }

// BulkFloat writes f formatted as Redis formats doubles in replies.
func (c *Ctx) BulkFloat(f float64) {
	var buf [32]byte
	c.out = resp.AppendBulk(c.out, FormatFloat(buf[:0], f))
}

// Null writes the null bulk string.
func (c *Ctx) Null() { c.out = resp.AppendNull(c.out) }

// NullArray writes the null array.
func (c *Ctx) NullArray() { c.out = resp.AppendNullArray(c.out) }

// Array writes an array header of n elements; the elements follow.
func (c *Ctx) Array(n int) { c.out = resp.AppendArrayLen(c.out, n) }

// Map writes a map header of n pairs (an array of 2n elements in RESP2).
func (c *Ctx) Map(n int) { c.out = resp.AppendArrayLen(c.out, 2*n) }

// ArrayMark starts an array whose length is not known yet; pass the mark to
// ArrayEnd with the final count.
func (c *Ctx) ArrayMark() int {
	m := len(c.out)
	return m
}

// ArrayEnd inserts the header of an array of n elements at mark.
func (c *Ctx) ArrayEnd(mark, n int) {
	var hdr [24]byte
	h := resp.AppendArrayLen(hdr[:0], n)
	c.out = append(c.out, h...)
	copy(c.out[mark+len(h):], c.out[mark:len(c.out)-len(h)])
	copy(c.out[mark:], h)
}

// FormatFloat appends f as Redis prints doubles (INCRBYFLOAT, HINCRBYFLOAT):
// up to 17 significant digits, no exponent, no trailing zeros.
func FormatFloat(dst []byte, f float64) []byte {
	out := strconv.AppendFloat(dst, f, 'f', -1, 64)
	// Redis uses "%.17Lg" with long double; shortest repr matches its output
	// for the values clients see ("10.6", "5000", "3.0e3" -> "3000").
	return out
}
