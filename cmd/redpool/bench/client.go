package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"time"

	"redpool/session/resp"
)

// conn is a minimal pipelined RESP2 client: requests are appended to out
// with resp.AppendCommand and sent with flush; replies are read one at a time
// with readReply. It allocates only while its buffers grow. Not safe for
// concurrent use.
type conn struct {
	nc      net.Conn
	br      *bufio.Reader
	out     []byte
	scratch []byte // holds the payload of the last bulk or error reply
}

// dial connects to addr.
func dial(addr string, timeout time.Duration) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true) // the default; pipelining batches writes itself
	}
	return &conn{nc: nc, br: newReader(nc), out: make([]byte, 0, 64<<10)}, nil
}

// newReader returns the reply reader of a connection.
func newReader(nc io.Reader) *bufio.Reader { return bufio.NewReaderSize(nc, 64<<10) }

// Close closes the connection.
func (c *conn) Close() error { return c.nc.Close() }

// queue appends one request to the output buffer.
func (c *conn) queue(args ...[]byte) { c.out = resp.AppendCommand(c.out, args...) }

// flush sends the queued requests.
func (c *conn) flush() error {
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	return err
}

// reply is one parsed top-level reply. Str aliases the conn's scratch buffer
// and is valid until the next readReply.
type reply struct {
	kind byte   // '+', '-', ':', '$' or '*'; '$' with null set for a null bulk
	null bool   // a null bulk string or null array
	n    int64  // an integer reply, or the length of an array
	str  []byte // a simple string, error text or bulk payload
}

// errProtocol reports a reply the client cannot parse.
var errProtocol = errors.New("bench: malformed reply")

// readReply reads one reply. Array elements are read and discarded.
func (c *conn) readReply() (reply, error) {
	line, err := c.line()
	if err != nil {
		return reply{}, err
	}
	r := reply{kind: line[0]}
	body := line[1:]
	switch r.kind {
	case '+', '-':
		c.scratch = append(c.scratch[:0], body...)
		r.str = c.scratch
	case ':':
		var ok bool
		if r.n, ok = parseInt(body); !ok {
			return reply{}, errProtocol
		}
	case '$', '*':
		n, err := parseLen(body)
		if err != nil {
			return reply{}, err
		}
		switch {
		case n < 0:
			r.null = true
		case r.kind == '*':
			r.n = n
			for range n {
				if err := c.skip(); err != nil {
					return reply{}, err
				}
			}
		default:
			if cap(c.scratch) < int(n)+2 {
				c.scratch = make([]byte, n+2)
			}
			buf := c.scratch[:n+2]
			if _, err := io.ReadFull(c.br, buf); err != nil {
				return reply{}, err
			}
			r.str = buf[:n]
		}
	default:
		return reply{}, errProtocol
	}
	return r, nil
}

// skip reads and discards one reply of any kind (array elements).
func (c *conn) skip() error {
	line, err := c.line()
	if err != nil {
		return err
	}
	switch line[0] {
	case '+', '-', ':':
		return nil
	case '$', '*':
		n, err := parseLen(line[1:])
		if err != nil {
			return err
		}
		if line[0] == '$' {
			if n >= 0 {
				_, err = c.br.Discard(int(n) + 2)
			}
			return err
		}
		for range n {
			if err := c.skip(); err != nil {
				return err
			}
		}
		return nil
	}
	return errProtocol
}

// line returns the next reply line without its CRLF, valid until the next
// read. Reply lines of a RESP server are short; one longer than the read
// buffer is a protocol error.
func (c *conn) line() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errProtocol
		}
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, errProtocol
	}
	return line[:len(line)-2], nil
}

// do sends one command and returns its reply; an error reply is an error.
func (c *conn) do(args ...string) (reply, error) {
	c.out = resp.AppendCommandStrings(c.out, args...)
	if err := c.flush(); err != nil {
		return reply{}, err
	}
	r, err := c.readReply()
	if err == nil && r.kind == '-' {
		err = fmt.Errorf("%s: %s", args[0], r.str)
	}
	return r, err
}

// parseLen parses the length of a bulk string or array: -1 for null, else
// at least 0.
func parseLen(b []byte) (int64, error) {
	n, ok := parseInt(b)
	if !ok || n < -1 {
		return 0, errProtocol
	}
	return n, nil
}

// parseInt parses a reply's decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := int64(ch - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}
