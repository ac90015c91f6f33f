package resp

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Kind is the type of a reply value.
type Kind uint8

// Reply kinds. The zero Kind is invalid.
const (
	SimpleString Kind = iota + 1 // +OK
	Error                        // -ERR ...
	Integer                      // :1
	BulkString                   // $3\r\nfoo
	Array                        // *2\r\n...
	Null                         // $-1
	NullArray                    // *-1
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case SimpleString:
		return "SimpleString"
	case Error:
		return "Error"
	case Integer:
		return "Integer"
	case BulkString:
		return "BulkString"
	case Array:
		return "Array"
	case Null:
		return "Null"
	case NullArray:
		return "NullArray"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a parsed reply. Str holds a SimpleString's or Error's text
// (without the leading '+' or '-') or a BulkString's payload; Int holds
// an Integer; Array holds an Array's elements.
type Value struct {
	Kind  Kind
	Str   []byte
	Int   int64
	Array []Value
}

// String returns a human readable form for test diffs: +OK, -ERR msg,
// :1, "bulk" (Go-quoted), (nil), (nil array) and [a, b] for arrays.
func (v Value) String() string {
	var sb strings.Builder
	v.format(&sb)
	return sb.String()
}

func (v Value) format(sb *strings.Builder) {
	switch v.Kind {
	case SimpleString:
		sb.WriteByte('+')
		sb.Write(v.Str)
	case Error:
		sb.WriteByte('-')
		sb.Write(v.Str)
	case Integer:
		sb.WriteByte(':')
		sb.WriteString(strconv.FormatInt(v.Int, 10))
	case BulkString:
		sb.WriteString(strconv.Quote(string(v.Str)))
	case Null:
		sb.WriteString("(nil)")
	case NullArray:
		sb.WriteString("(nil array)")
	case Array:
		sb.WriteByte('[')
		for i, e := range v.Array {
			if i > 0 {
				sb.WriteString(", ")
			}
			e.format(sb)
		}
		sb.WriteByte(']')
	default:
		sb.WriteString("(" + v.Kind.String() + ")")
	}
}

// maxReplyDepth bounds the nesting of arrays accepted by ReadReply.
const maxReplyDepth = 512

// ReadReply reads one RESP2 reply from br. The returned Value owns its
// memory. Lengths are bounded by DefaultLimits, and memory for a bulk
// string or array grows only as its data arrives. An error reply is
// returned as a Value of Kind Error, not as an error; malformed input
// returns a *ProtocolError and a truncated reply io.ErrUnexpectedEOF.
func ReadReply(br *bufio.Reader) (Value, error) {
	return readReply(br, DefaultLimits(), 0)
}

func readReply(br *bufio.Reader, lim Limits, depth int) (Value, error) {
	line, err := readReplyLine(br, lim.MaxBulkLen, depth > 0)
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, protoErr("Protocol error: empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return Value{Kind: SimpleString, Str: body}, nil
	case '-':
		return Value{Kind: Error, Str: body}, nil
	case ':':
		n, ok := ParseInt(body)
		if !ok {
			return Value{}, protoErr("Protocol error: invalid integer reply")
		}
		return Value{Kind: Integer, Int: n}, nil
	case '$':
		n, ok := ParseInt(body)
		if n == -1 && ok {
			return Value{Kind: Null}, nil
		}
		if !ok || n < 0 || n > lim.MaxBulkLen {
			return Value{}, protoErr(msgInvalidBulkLen)
		}
		b, err := readBulk(br, int(n))
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: BulkString, Str: b}, nil
	case '*':
		n, ok := ParseInt(body)
		if n == -1 && ok {
			return Value{Kind: NullArray}, nil
		}
		if !ok || n < 0 || n > lim.MaxMultibulkLen {
			return Value{}, protoErr(msgInvalidMultibulkLen)
		}
		if depth >= maxReplyDepth {
			return Value{}, protoErr("Protocol error: reply nested too deeply")
		}
		arr := make([]Value, 0, min(n, 16)) // grows as elements arrive
		for range n {
			e, err := readReply(br, lim, depth+1)
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return Value{}, err
			}
			arr = append(arr, e)
		}
		return Value{Kind: Array, Array: arr}, nil
	}
	return Value{}, protoErr("Protocol error: invalid reply type " + strconv.Quote(string(line[:1])))
}

// readReplyLine reads a line ending in "\r\n" and returns a copy of it
// without the terminator. io.EOF before any byte is returned as is
// unless inside reports that a reply has already started.
func readReplyLine(br *bufio.Reader, max int64, inside bool) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	var long []byte
	for err == bufio.ErrBufferFull {
		if int64(len(long)+len(line)) > max {
			return nil, protoErr("Protocol error: too big reply line")
		}
		long = append(long, line...)
		line, err = br.ReadSlice('\n')
	}
	if long != nil {
		line = append(long, line...)
	}
	if err != nil {
		if err == io.EOF && (inside || len(line) > 0) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, protoErr("Protocol error: reply line not terminated by CRLF")
	}
	line = line[:len(line)-2]
	if long == nil {
		line = append([]byte(nil), line...) // ReadSlice's result is only valid until the next read
	}
	return line, nil
}

// readBulk reads an n-byte payload and its "\r\n", growing the result in
// bounded steps so a declared length costs memory only as data arrives.
func readBulk(br *bufio.Reader, n int) ([]byte, error) {
	const step = 4096
	b := make([]byte, 0, min(n, step))
	for len(b) < n {
		k := min(n-len(b), max(len(b), step))
		b = append(b, make([]byte, k)...)
		if _, err := io.ReadFull(br, b[len(b)-k:]); err != nil {
			return nil, unexpected(err)
		}
	}
	var crlf [2]byte
	if _, err := io.ReadFull(br, crlf[:]); err != nil {
		return nil, unexpected(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return nil, protoErr("Protocol error: bulk reply not terminated by CRLF")
	}
	return b, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
