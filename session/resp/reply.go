package resp

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Kind is the type of a reply value.
type Kind uint8

// Reply kinds. The zero Kind is invalid. RESP3's null "_" reads as Null,
// its blob error "!" as Error.
const (
	SimpleString Kind = iota + 1 // +OK
	Error                        // -ERR ...
	Integer                      // :1
	BulkString                   // $3\r\nfoo
	Array                        // *2\r\n...
	Null                         // $-1, or RESP3's _
	NullArray                    // *-1
	Map                          // RESP3 %1\r\n key value
	Set                          // RESP3 ~2\r\n...
	Push                         // RESP3 >2\r\n...
	Double                       // RESP3 ,1.5
	Boolean                      // RESP3 #t
	BigNumber                    // RESP3 (123
	Verbatim                     // RESP3 =7\r\ntxt:foo
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
	case Map:
		return "Map"
	case Set:
		return "Set"
	case Push:
		return "Push"
	case Double:
		return "Double"
	case Boolean:
		return "Boolean"
	case BigNumber:
		return "BigNumber"
	case Verbatim:
		return "Verbatim"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a parsed reply. Str holds a SimpleString's or Error's text
// (without the leading '+' or '-'), a BulkString's or Verbatim's payload
// (a Verbatim's without its format, which is in Format), a BigNumber's
// digits or a Double's text as sent; Int holds an Integer, a Boolean (1 or
// 0); Float holds a Double; Array holds the elements of an Array, Set or
// Push, and a Map's keys and values in turn (2n elements for n pairs).
// RESP3 attributes ("|") are read and dropped.
type Value struct {
	Kind   Kind
	Str    []byte
	Int    int64
	Float  float64
	Format string
	Array  []Value
}

// String returns a human readable form for test diffs: +OK, -ERR msg,
// :1, "bulk" (Go-quoted), (nil), (nil array) and [a, b] for arrays,
// {k: v} for maps, ~[a] for sets, >[a] for pushes, ,1.5 for doubles, #t
// and #f, (123 for big numbers and txt:"text" for verbatim strings.
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
	case Array, Set, Push:
		switch v.Kind {
		case Set:
			sb.WriteByte('~')
		case Push:
			sb.WriteByte('>')
		}
		sb.WriteByte('[')
		for i, e := range v.Array {
			if i > 0 {
				sb.WriteString(", ")
			}
			e.format(sb)
		}
		sb.WriteByte(']')
	case Map:
		sb.WriteByte('{')
		for i, e := range v.Array {
			switch {
			case i%2 == 1:
				sb.WriteString(": ")
			case i > 0:
				sb.WriteString(", ")
			}
			e.format(sb)
		}
		sb.WriteByte('}')
	case Double:
		sb.WriteByte(',')
		sb.Write(v.Str)
	case Boolean:
		if v.Int != 0 {
			sb.WriteString("#t")
		} else {
			sb.WriteString("#f")
		}
	case BigNumber:
		sb.WriteByte('(')
		sb.Write(v.Str)
	case Verbatim:
		sb.WriteString(v.Format + ":" + strconv.Quote(string(v.Str)))
	default:
		sb.WriteString("(" + v.Kind.String() + ")")
	}
}

// maxReplyDepth bounds the nesting of arrays accepted by ReadReply.
const maxReplyDepth = 512

// ReadReply reads one RESP2 or RESP3 reply from br. The returned Value
// owns its memory. Lengths are bounded by DefaultLimits, and memory for a
// bulk string or aggregate grows only as its data arrives. An error reply
// is returned as a Value of Kind Error, not as an error; malformed input
// returns a *ProtocolError and a truncated reply io.ErrUnexpectedEOF.
// Attributes are skipped; streamed (chunked) aggregates are not supported.
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
	switch line[0] {
	case '$', '!', '=':
		return readBlob(br, lim, line)
	case '*', '%', '~', '>', '|':
		return readAggregate(br, lim, depth, line)
	}
	return parseLineReply(line)
}

// parseLineReply parses a reply that is whole on its line: simple string,
// error, integer, null, boolean, double, big number.
func parseLineReply(line []byte) (Value, error) {
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
	case '_':
		if len(body) != 0 {
			return Value{}, protoErr("Protocol error: invalid null reply")
		}
		return Value{Kind: Null}, nil
	case '#':
		switch string(body) {
		case "t":
			return Value{Kind: Boolean, Int: 1}, nil
		case "f":
			return Value{Kind: Boolean}, nil
		}
		return Value{}, protoErr("Protocol error: invalid boolean reply")
	case ',':
		f, err := strconv.ParseFloat(string(body), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Value{}, protoErr("Protocol error: invalid double reply")
		}
		return Value{Kind: Double, Str: body, Float: f}, nil
	case '(':
		if !isBigNumber(body) {
			return Value{}, protoErr("Protocol error: invalid big number reply")
		}
		return Value{Kind: BigNumber, Str: body}, nil
	}
	return Value{}, protoErr("Protocol error: invalid reply type " + strconv.Quote(string(line[:1])))
}

// readBlob reads the payload of a bulk string ($), blob error (!) or
// verbatim string (=) whose header line is line.
func readBlob(br *bufio.Reader, lim Limits, line []byte) (Value, error) {
	n, ok := ParseInt(line[1:])
	if n == -1 && ok && line[0] == '$' {
		return Value{Kind: Null}, nil
	}
	if !ok || n < 0 || n > lim.MaxBulkLen {
		return Value{}, protoErr(msgInvalidBulkLen)
	}
	b, err := readBulk(br, int(n))
	if err != nil {
		return Value{}, err
	}
	switch line[0] {
	case '!':
		return Value{Kind: Error, Str: b}, nil
	case '=':
		if len(b) < 4 || b[3] != ':' {
			return Value{}, protoErr("Protocol error: invalid verbatim string reply")
		}
		return Value{Kind: Verbatim, Format: string(b[:3]), Str: b[4:]}, nil
	}
	return Value{Kind: BulkString, Str: b}, nil
}

// readAggregate reads the elements of an array (*), map (%), set (~), push
// (>) or attribute (|) whose header line is line. An attribute is dropped
// and the reply after it returned.
func readAggregate(br *bufio.Reader, lim Limits, depth int, line []byte) (Value, error) {
	n, ok := ParseInt(line[1:])
	if n == -1 && ok && line[0] == '*' {
		return Value{Kind: NullArray}, nil
	}
	if !ok || n < 0 || n > lim.MaxMultibulkLen {
		return Value{}, protoErr(msgInvalidMultibulkLen)
	}
	if depth >= maxReplyDepth {
		return Value{}, protoErr("Protocol error: reply nested too deeply")
	}
	kind := aggregateKind(line[0])
	if kind == Map {
		n *= 2
	}
	arr, err := readElements(br, lim, depth, n)
	if err != nil {
		return Value{}, err
	}
	if line[0] == '|' {
		v, err := readReply(br, lim, depth+1)
		return v, unexpected(err)
	}
	return Value{Kind: kind, Array: arr}, nil
}

// aggregateKind returns the kind of an aggregate's type byte (an
// attribute's, '|', reads as a Map).
func aggregateKind(b byte) Kind {
	switch b {
	case '*':
		return Array
	case '~':
		return Set
	case '>':
		return Push
	}
	return Map
}

// readElements reads the n elements of an aggregate.
func readElements(br *bufio.Reader, lim Limits, depth int, n int64) ([]Value, error) {
	arr := make([]Value, 0, min(n, 16)) // grows as elements arrive
	for range n {
		e, err := readReply(br, lim, depth+1)
		if err != nil {
			return nil, unexpected(err)
		}
		arr = append(arr, e)
	}
	return arr, nil
}

// isBigNumber reports whether b is an optional '-' and one or more digits.
func isBigNumber(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
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
