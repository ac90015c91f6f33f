package command

import (
	"strconv"

	"redpool/session/resp"
)

// --- replies ---
//
// Every reply goes through these methods: they choose the encoding from the
// protocol the client speaks (HELLO), so that a handler states what it
// replies (a map, a null, a double) and never how. In RESP2 a map is an
// array of 2n elements, a set or a push an array, a double a bulk string,
// a boolean :1 or :0, a verbatim string or a big number a bulk string, and
// the two nulls are $-1 and *-1; RESP3 has a type for each.

// resp3 reports whether the client speaks RESP3. It is one atomic load.
func (c *Ctx) resp3() bool { return c.Client.Proto() == 3 }

// OK writes +OK.
func (c *Ctx) OK() { c.out = append(c.out, "+OK\r\n"...) }

// Simple writes a simple string reply.
func (c *Ctx) Simple(s string) { c.out = resp.AppendSimple(c.out, s) }

// Error writes an error reply for err.
func (c *Ctx) Error(err error) {
	msg := replyError(err)
	c.errReplies++
	c.e.errors.count(msg)
	c.out = resp.AppendError(c.out, msg)
}

// Int writes an integer reply.
func (c *Ctx) Int(n int64) { c.out = resp.AppendInt(c.out, n) }

// Bool writes the integer :1 or :0, as Redis answers EXISTS, SETNX,
// EXPIRE and the like in both protocols. Boolean is RESP3's boolean type.
func (c *Ctx) Bool(b bool) {
	if b {
		c.out = append(c.out, ":1\r\n"...)
	} else {
		c.out = append(c.out, ":0\r\n"...)
	}
}

// Boolean writes a boolean: #t or #f in RESP3, :1 or :0 in RESP2 (Redis's
// addReplyBool).
func (c *Ctx) Boolean(b bool) {
	if c.resp3() {
		c.out = resp.AppendBool(c.out, b)
		return
	}
	c.Bool(b)
}

// Bulk writes a bulk string reply.
func (c *Ctx) Bulk(b []byte) { c.out = resp.AppendBulk(c.out, b) }

// BulkString writes a bulk string reply.
func (c *Ctx) BulkString(s string) { c.out = resp.AppendBulkString(c.out, s) }

// BulkInt writes n as a bulk string.
func (c *Ctx) BulkInt(n int64) { c.out = resp.AppendBulkInt(c.out, n) }

// BulkFloat writes f as a bulk string in both protocols, formatted as Redis
// formats the results of INCRBYFLOAT and HINCRBYFLOAT (which stay bulk
// strings in RESP3). Double is the reply for scores.
func (c *Ctx) BulkFloat(f float64) {
	var buf [32]byte
	c.out = resp.AppendBulk(c.out, FormatFloat(buf[:0], f))
}

// Double writes a double as Redis 7.0's addReplyDouble: ",f" in RESP3, a
// bulk string in RESP2, both "%.17g" (ZSCORE, ZINCRBY and the like).
func (c *Ctx) Double(f float64) {
	if c.resp3() {
		c.out = resp.AppendDouble(c.out, f)
		return
	}
	var buf [32]byte
	c.out = resp.AppendBulk(c.out, resp.AppendFloat17(buf[:0], f))
}

// Verbatim writes text (INFO, CLIENT INFO, CLIENT LIST ...): a verbatim
// string of format "txt" in RESP3, a bulk string in RESP2.
func (c *Ctx) Verbatim(text []byte) {
	if c.resp3() {
		c.out = resp.AppendVerbatim(c.out, "txt", text)
		return
	}
	c.Bulk(text)
}

// BigNumber writes the decimal digits s: a big number in RESP3, a bulk
// string in RESP2.
func (c *Ctx) BigNumber(s string) {
	if c.resp3() {
		c.out = resp.AppendBigNumber(c.out, s)
		return
	}
	c.BulkString(s)
}

// Null writes the null bulk string: $-1 in RESP2, _ in RESP3.
func (c *Ctx) Null() {
	if c.resp3() {
		c.out = resp.AppendNil(c.out)
		return
	}
	c.out = resp.AppendNull(c.out)
}

// NullArray writes the null array: *-1 in RESP2, _ in RESP3.
func (c *Ctx) NullArray() {
	if c.resp3() {
		c.out = resp.AppendNil(c.out)
		return
	}
	c.out = resp.AppendNullArray(c.out)
}

// Array writes an array header of n elements; the elements follow.
func (c *Ctx) Array(n int) { c.out = resp.AppendArrayLen(c.out, n) }

// Map writes a map header of n pairs (an array of 2n elements in RESP2);
// each key and then its value follow.
func (c *Ctx) Map(n int) { c.out = c.appendMapLen(c.out, n) }

// Set writes a set header of n members (an array in RESP2); the members
// follow.
func (c *Ctx) Set(n int) { c.out = c.appendSetLen(c.out, n) }

// Push writes the header of an out-of-band push message of n elements (an
// array in RESP2); the elements follow.
func (c *Ctx) Push(n int) {
	if c.resp3() {
		c.out = resp.AppendPushLen(c.out, n)
		return
	}
	c.Array(n)
}

func (c *Ctx) appendMapLen(dst []byte, n int) []byte {
	if c.resp3() {
		return resp.AppendMapLen(dst, n)
	}
	return resp.AppendArrayLen(dst, 2*n)
}

func (c *Ctx) appendSetLen(dst []byte, n int) []byte {
	if c.resp3() {
		return resp.AppendSetLen(dst, n)
	}
	return resp.AppendArrayLen(dst, n)
}

// ArrayMark starts an aggregate (array, map or set) whose length is not
// known yet: write its elements, then pass the mark to ArrayEnd, MapEnd or
// SetEnd with the final count.
func (c *Ctx) ArrayMark() int { return len(c.out) }

// ArrayEnd inserts the header of an array of n elements at mark.
func (c *Ctx) ArrayEnd(mark, n int) {
	var hdr [24]byte
	c.insert(mark, resp.AppendArrayLen(hdr[:0], n))
}

// MapEnd inserts the header of a map of n pairs at mark.
func (c *Ctx) MapEnd(mark, n int) {
	var hdr [24]byte
	c.insert(mark, c.appendMapLen(hdr[:0], n))
}

// SetEnd inserts the header of a set of n members at mark.
func (c *Ctx) SetEnd(mark, n int) {
	var hdr [24]byte
	c.insert(mark, c.appendSetLen(hdr[:0], n))
}

// ScanEnd completes a SCAN-family reply begun with ArrayMark and n
// elements: it inserts the two-element array of the cursor (a bulk string)
// and the array of the n elements, for the cursor comes first but is known
// last.
func (c *Ctx) ScanEnd(mark int, cursor uint64, n int) {
	var hdr [64]byte
	h := resp.AppendArrayLen(hdr[:0], 2)
	var num [20]byte
	h = resp.AppendBulk(h, strconv.AppendUint(num[:0], cursor, 10))
	h = resp.AppendArrayLen(h, n)
	c.insert(mark, h)
}

// insert inserts h into the reply at mark.
func (c *Ctx) insert(mark int, h []byte) {
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
