package resp

import (
	"bytes"
	"errors"
	"io"
	"math"
)

const (
	// minBufSize is the size of a Reader's buffer at its first read: an
	// idle client, or one that sends a command at a time, needs no more.
	minBufSize = 1024
	// defaultBufSize is the size a Reader's buffer grows to, doubling,
	// when its reads keep filling it (a client that pipelines).
	defaultBufSize = 16 * 1024
	// maxRetainBufSize is the largest buffer a Reader keeps between
	// commands; a bigger one (grown for a huge command) is replaced by a
	// default-size buffer once the command has been consumed.
	maxRetainBufSize = 64 * 1024
	// maxRetainArgs is the largest argument count whose bookkeeping
	// slices a Reader keeps between commands.
	maxRetainArgs = 1024
	// bigArg is the bulk length from which an argument is read into a
	// buffer of its own (Redis's PROTO_MBULK_BIG_ARG) instead of growing
	// the Reader's buffer. That buffer starts at bigStart bytes, or
	// bigGrowth times what arrived, and grows by bigGrowth as the argument
	// arrives, straight to its exact size once that is within twice the
	// next step: memory follows the input (at most 8 times what arrived;
	// a declared length costs nothing by itself), and the copies as it
	// grows add up to less than a third of the argument, against its
	// whole size when doubling.
	bigArg    = 32 * 1024
	bigStart  = 256 * 1024
	bigGrowth = 4
	// maxEmptyReads is how many consecutive (0, nil) Reads are tolerated
	// before giving up with io.ErrNoProgress, as bufio does.
	maxEmptyReads = 100
	// strictCRLF makes the Reader require that a bulk payload be followed
	// by "\r\n" and that the '\r' ending a multibulk or bulk header line
	// be followed by '\n'. Redis 7 only skips those two bytes without
	// looking at them; violations are reported as an invalid length.
	strictCRLF = true
)

// errNegativeRead is returned when the underlying io.Reader returns an
// invalid count.
var errNegativeRead = errors.New("resp: reader returned invalid count from Read")

// Limits bound what a Reader accepts (Redis's defaults).
type Limits struct {
	MaxBulkLen int64 // proto-max-bulk-len, default 512*1024*1024
	// MaxMultibulkLen is the largest argument count, default INT_MAX as in
	// Redis 7.0. Memory for the arguments grows as they arrive, never from
	// the declared count.
	MaxMultibulkLen int64
	MaxInlineLen    int // default 64*1024
	// MaxQueryBuf is client-query-buffer-limit, default 1 GB: input not
	// parsed yet (the command in progress, past its complete arguments,
	// and what follows it) beyond it ends the Reader with
	// ErrQueryBufLimit.
	MaxQueryBuf int64
}

// DefaultLimits returns Redis's default limits.
func DefaultLimits() Limits {
	return Limits{
		MaxBulkLen:      512 * 1024 * 1024,
		MaxMultibulkLen: math.MaxInt32,
		MaxInlineLen:    64 * 1024,
		MaxQueryBuf:     1 << 30,
	}
}

// ErrQueryBufLimit is returned when a client's unparsed input grows past
// Limits.MaxQueryBuf. Redis closes such a client without a reply.
var ErrQueryBufLimit = errors.New("resp: client-query-buffer-limit reached")

// withDefaults replaces zero or negative fields with the default values.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = d.MaxBulkLen
	}
	if l.MaxMultibulkLen <= 0 {
		l.MaxMultibulkLen = d.MaxMultibulkLen
	}
	if l.MaxInlineLen <= 0 {
		l.MaxInlineLen = d.MaxInlineLen
	}
	if l.MaxQueryBuf <= 0 {
		l.MaxQueryBuf = d.MaxQueryBuf
	}
	return l
}

// ProtocolError reports malformed client input. Msg is the text Redis 7
// replies with (after "-ERR ") before closing the connection.
type ProtocolError struct {
	Msg string
}

// Error returns Msg.
func (e *ProtocolError) Error() string { return e.Msg }

func protoErr(msg string) *ProtocolError { return &ProtocolError{Msg: msg} }

const (
	msgInvalidMultibulkLen = "Protocol error: invalid multibulk length"
	msgInvalidBulkLen      = "Protocol error: invalid bulk length"
	msgTooBigInline        = "Protocol error: too big inline request"
	msgTooBigMbulkCount    = "Protocol error: too big mbulk count string"
	msgTooBigBulkCount     = "Protocol error: too big bulk count string"
	msgUnbalancedQuotes    = "Protocol error: unbalanced quotes in request"
	msgUnauthMultibulkLen  = "Protocol error: unauthenticated multibulk length"
	msgUnauthBulkLen       = "Protocol error: unauthenticated bulk length"
)

// Redis 7.0's limits on a client that must authenticate and has not yet
// (networking.c): a larger multibulk count or bulk length is a protocol
// error, so that such a client cannot make the server allocate much.
// Inline commands have no such limit (MaxInlineLen bounds them already).
const (
	unauthMaxMultibulkLen = 10
	unauthMaxBulkLen      = 16384
)

// expectedDollar builds Redis's "expected '$', got 'X'" error. Like
// Redis's addReplyErrorFormat, CR and LF are replaced by spaces so the
// message can be sent as a single error line.
func expectedDollar(c byte) *ProtocolError {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return protoErr("Protocol error: expected '$', got '" + string([]byte{c}) + "'")
}

// Reader reads client requests: RESP2 multibulk ("*N\r\n$len\r\n...")
// and inline commands (a line split like Redis's sdssplitargs). It
// buffers its input and is not safe for concurrent use.
//
// After ReadCommand returns a *ProtocolError the Reader is unusable and
// keeps returning that error. Other errors from the underlying io.Reader
// (e.g. a deadline) are returned once; a later call resumes the command
// in progress.
type Reader struct {
	rd  io.Reader
	lim Limits
	// unauth: the client must authenticate first (SetAuthRequired).
	unauth bool
	// inline: the command returned last was inline (LastInline).
	inline bool
	// full: the last read filled the buffer, so more input is likely
	// waiting; the next fill doubles the buffer, up to defaultBufSize.
	full bool
	// inMulti: a multibulk header of the command in progress was parsed.
	inMulti bool

	buf  []byte // buf[r:w] is buffered and not yet consumed; nil before the first read
	r, w int
	// released counts the bytes of big buffers let go since TakeReleased.
	released int

	// State of the command in progress. Positions are relative to r so
	// that compacting or growing buf does not invalidate them.
	pos     int      // parse cursor
	scan    int      // bytes of the current line already searched for its terminator
	nargs   int64    // bulk arguments still expected
	bulk    int64    // length of the pending bulk argument, -1 if its header is unread
	offs    []int    // start,end pairs of the arguments parsed so far; -(k+1),-(k+1) for ext[k]
	base    int      // absolute start of the command just returned
	args    [][]byte // returned to the caller, reused between calls
	off     int64    // bytes consumed so far
	err     error    // sticky protocol error
	readErr error    // error from the last Read, returned once the buffer is exhausted

	// big is the buffer of the bulk argument being read, of bigArg bytes
	// or more, bigFill how much of it arrived, bigLen its length with its
	// "\r\n"; nil otherwise. ext are the big arguments of the command
	// last returned by ReadCommand and of the one in progress.
	big     []byte
	bigFill int
	bigLen  int
	ext     [][]byte
	extLen  int64 // the input bytes of the big arguments of the command in progress

	// pool lends the first-size buffer (UseBufPool); nil: buffers are
	// allocated.
	pool *BufPool
}

// NewReader returns a Reader reading from rd with the given limits; zero
// fields of lim mean the default.
func NewReader(rd io.Reader, lim Limits) *Reader {
	return &Reader{
		rd:   rd,
		lim:  lim.withDefaults(),
		bulk: -1,
	}
}

// SetLimits changes the limits; zero fields mean the default. It may be
// called between commands (CONFIG SET proto-max-bulk-len).
func (r *Reader) SetLimits(lim Limits) { r.lim = lim.withDefaults() }

// SetAuthRequired applies, or lifts, Redis 7.0's limits on a client that
// must authenticate first: from the next header parsed, a multibulk
// count above 10 or a bulk length above 16384 is a *ProtocolError. The
// caller sets it before each ReadCommand; a caller that reads complete
// commands ahead (ReadBuffered) checks those with CheckUnauthenticated
// when its client stops being authenticated meanwhile. (ReadBuffered
// leaves no multibulk half parsed, so the next ReadCommand parses it
// whole with the limits then in force.)
func (r *Reader) SetAuthRequired(on bool) { r.unauth = on }

// CheckUnauthenticated returns the *ProtocolError Redis 7.0 gives a
// client that must authenticate first for a multibulk command args that
// was read earlier (nil if it is within the limits): the error the
// Reader gives for the first header it would have refused. Inline
// commands have no such limit.
func CheckUnauthenticated(args [][]byte) error {
	maxBulk := 0
	for _, a := range args {
		maxBulk = max(maxBulk, len(a))
	}
	return unauthCheck(int64(len(args)), int64(maxBulk))
}

// unauthCheck is the check of a multibulk count and of the longest bulk
// length of a command against the limits on unauthenticated clients.
func unauthCheck(count, maxBulk int64) error {
	switch {
	case count > unauthMaxMultibulkLen:
		return protoErr(msgUnauthMultibulkLen)
	case maxBulk > unauthMaxBulkLen:
		return protoErr(msgUnauthBulkLen)
	}
	return nil
}

// LastInline reports whether the command returned last was an inline
// command.
func (r *Reader) LastInline() bool { return r.inline }

// Offset is the number of bytes consumed by the commands returned so far,
// including skipped empty commands. After io.ErrUnexpectedEOF or a
// *ProtocolError it is the offset of the start of the bad command.
func (r *Reader) Offset() int64 { return r.off }

// Buffered reports how many bytes are buffered but not yet consumed.
func (r *Reader) Buffered() int { return r.w - r.r }

// BufSize is the size of the Reader's buffer (CLIENT LIST qbuf plus
// qbuf-free).
func (r *Reader) BufSize() int { return len(r.buf) + len(r.big) }

// TakeReleased returns how many bytes of buffers grown for huge commands
// the Reader let go since the last call, for the caller to have that
// memory returned to the operating system.
func (r *Reader) TakeReleased() int {
	n := r.released
	r.released = 0
	return n
}

// Unparsed is how much buffered input is not parsed yet: what
// client-query-buffer-limit bounds (Redis's querybuf, CLIENT LIST qbuf).
func (r *Reader) Unparsed() int { return r.w - r.r - r.pos + r.bigFill }

// Peek returns up to n bytes of the unparsed input, for a log line; the
// slice aliases the buffer until the next call.
func (r *Reader) Peek(n int) []byte {
	b := r.buf[r.r+r.pos : r.w]
	if r.big != nil { // what is unparsed starts with the big argument
		b = r.big[:r.bigFill]
	}
	return b[:min(n, len(b))]
}

// Owned returns the arguments of the command ReadCommand returned last
// that were read into buffers of their own (bulk arguments of bigArg
// bytes or more), in order; nil if there are none. The Reader never reads
// into those buffers again nor writes them, and drops its references to
// them at the next ReadCommand: whoever takes one over (a SET storing
// its value without copying it) may keep it for good, as long as no one
// writes it while the command's arguments are still being read. Each is
// its buffer's whole capacity, with no room beyond it. The Reader clears
// the returned slice at the next ReadCommand and never fills it again;
// its caller may set entries to nil (an argument taken over is not
// counted by TakeReleased then).
func (r *Reader) Owned() [][]byte {
	if r.inMulti {
		return nil // the big arguments so far belong to the command in progress
	}
	return r.ext
}

// ReadCommand returns the next command's arguments. The returned slice
// is reused and its elements alias the Reader's buffer: both stay valid
// until the next ReadCommand call. Empty inline lines and multibulks with a count <= 0 are skipped,
// as Redis does, so a command is never empty. The underlying io.Reader is
// only called when the buffer does not hold a complete command. At a
// clean command boundary ReadCommand returns io.EOF; EOF in the middle of
// a command returns io.ErrUnexpectedEOF. Malformed input returns a
// *ProtocolError.
func (r *Reader) ReadCommand() ([][]byte, error) {
	return r.read(true)
}

// ReadBuffered is ReadCommand without reading: it returns (nil, nil) when
// the buffer holds no complete command. A multibulk in progress, or one
// whose error it found, is left to the next ReadCommand to parse anew
// from its start: what the commands returned so far change (the client's
// authentication: SetAuthRequired) applies to it, as in Redis, which
// reads a command only after it ran the one before.
// Unlike ReadCommand's, the arguments of earlier commands stay valid while
// ReadBuffered is called (it never moves the buffered bytes), until the
// next ReadCommand; only the returned outer slice is reused.
func (r *Reader) ReadBuffered() ([][]byte, error) {
	return r.read(false)
}

// AppendBuffered is ReadBuffered appending the command's arguments to
// dst, which it returns, instead of returning a list of the Reader's
// own: ok is false where ReadBuffered returns nil. The arguments are
// valid as long as ReadBuffered's.
func (r *Reader) AppendBuffered(dst [][]byte) (args [][]byte, ok bool, err error) {
	if ok, err = r.next(false); !ok {
		return dst, false, err
	}
	return r.appendArgs(dst), true, nil
}

func (r *Reader) read(fill bool) ([][]byte, error) {
	if ok, err := r.next(fill); !ok {
		return nil, err
	}
	r.args = r.appendArgs(r.args[:0])
	return r.args, nil
}

// next parses the next command, reading more input if fill, and reports
// whether it has one (false with a nil error: none is buffered whole).
func (r *Reader) next(fill bool) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	if fill && !r.inMulti {
		r.dropExt()
	}
	r.reclaim()
	for {
		// Which kind the command is must be known before parsing: a
		// failed inline split has already unescaped the line in place,
		// so its first byte may then read '*'.
		multibulk := r.inMulti || (r.r < r.w && r.buf[r.r] == '*')
		done, err := r.parse()
		if err != nil {
			if !fill && multibulk {
				// A multibulk: parsed anew by the next ReadCommand. (An
				// inline command is not: splitting it unescapes it in
				// place.)
				r.rewind()
				return false, nil
			}
			r.err = err
			return false, err
		}
		if done {
			if len(r.offs) == 0 {
				continue // empty command: skipped
			}
			return true, nil
		}
		if !fill {
			r.rewind()
			return false, nil
		}
		if err := r.fill(); err != nil {
			return false, err
		}
	}
}

// rewind drops what was parsed of the command in progress, so that the
// next parse starts again at its first byte.
func (r *Reader) rewind() {
	r.pos, r.scan = 0, 0
	r.inMulti = false
	r.nargs = 0
	r.bulk = -1
	r.offs = r.offs[:0]
}

// dropExt lets go of the big arguments of the command returned last,
// counting them for TakeReleased.
func (r *Reader) dropExt() {
	if len(r.ext) == 0 {
		return
	}
	for _, a := range r.ext {
		if a != nil { // not taken over (Owned)
			r.released += cap(a) + 2
		}
	}
	clear(r.ext)
	r.ext = nil                 // given out by Owned: never filled again
	clear(r.args[:cap(r.args)]) // the argument lists returned held them too
}

// reclaim runs between commands: it releases memory grown for a huge
// command and resets the buffer when it is empty.
func (r *Reader) reclaim() {
	if r.r == r.w {
		r.r, r.w = 0, 0
	}
	if len(r.buf) > maxRetainBufSize && r.w-r.r <= defaultBufSize/2 {
		r.released += len(r.buf)
		nb := make([]byte, defaultBufSize)
		r.w = copy(nb, r.buf[r.r:r.w])
		r.r = 0
		r.buf = nb
	}
	if !r.inMulti && cap(r.args) > maxRetainArgs {
		r.args = nil
		r.offs = nil
	}
}

// appendArgs appends the arguments of the command just parsed, made from
// its offsets, to args. Each slice's capacity is its length, so appending
// to it never overwrites the buffer.
func (r *Reader) appendArgs(args [][]byte) [][]byte {
	for i := 0; i+1 < len(r.offs); i += 2 {
		if k := r.offs[i]; k < 0 {
			args = append(args, r.ext[-k-1])
			continue
		}
		s, e := r.base+r.offs[i], r.base+r.offs[i+1]
		args = append(args, r.buf[s:e:e])
	}
	return args
}

// finish consumes the command that ends at the parse cursor.
func (r *Reader) finish() {
	r.base = r.r
	r.r += r.pos
	r.off += int64(r.pos) + r.extLen
	r.extLen = 0
	r.pos, r.scan = 0, 0
	r.inMulti = false
	r.nargs = 0
	r.bulk = -1
}

// findLine searches the line starting at the parse cursor for delim,
// looking at most max+1 bytes ahead. It returns the index of delim
// relative to the cursor, or -1 if more input is needed. tooBig is
// returned once the line is known to be longer than max.
func (r *Reader) findLine(delim byte, max int, tooBig string) (int, error) {
	data := r.buf[r.r+r.pos : r.w]
	if len(data)-1 > max {
		data = data[:max+1]
	}
	if r.scan < len(data) {
		if i := bytes.IndexByte(data[r.scan:], delim); i >= 0 {
			r.scan += i
			return r.scan, nil
		}
		r.scan = len(data)
	}
	if len(data) > max {
		return -1, protoErr(tooBig)
	}
	return -1, nil
}

// parse advances the command in progress over the buffered input. It
// reports whether a command (possibly empty) is complete; the arguments
// are then in offs relative to base.
func (r *Reader) parse() (bool, error) {
	if !r.inMulti {
		if r.r == r.w {
			return false, nil
		}
		if r.buf[r.r] != '*' {
			return r.parseInline()
		}
		n, i, ok := shortHeader(r.buf[r.r:r.w])
		if !ok || i > r.lim.MaxInlineLen {
			var err error
			if i, err = r.findLine('\r', r.lim.MaxInlineLen, msgTooBigMbulkCount); err != nil || i < 0 {
				return false, err
			}
			line := r.buf[r.r:r.w]
			if i+1 >= len(line) {
				return false, nil // need the '\n'
			}
			n, ok = ParseInt(line[1:i])
			if !ok || n > r.lim.MaxMultibulkLen || (strictCRLF && line[i+1] != '\n') {
				return false, protoErr(msgInvalidMultibulkLen)
			}
		}
		if n > r.lim.MaxMultibulkLen {
			return false, protoErr(msgInvalidMultibulkLen)
		}
		if r.unauth && n > unauthMaxMultibulkLen {
			return false, protoErr(msgUnauthMultibulkLen)
		}
		r.pos, r.scan = i+2, 0
		r.offs = r.offs[:0]
		r.inline = false
		if n <= 0 {
			r.finish()
			return true, nil
		}
		r.inMulti, r.nargs, r.bulk = true, n, -1
	}
	for r.nargs > 0 {
		if r.bulk < 0 {
			line := r.buf[r.r+r.pos : r.w]
			n, i, ok := shortHeader(line)
			if !ok || line[0] != '$' || i > r.lim.MaxInlineLen {
				var err error
				if i, err = r.findLine('\r', r.lim.MaxInlineLen, msgTooBigBulkCount); err != nil || i < 0 {
					return false, err
				}
				if i+1 >= len(line) {
					return false, nil // need the '\n'
				}
				if line[0] != '$' {
					return false, expectedDollar(line[0])
				}
				n, ok = ParseInt(line[1:i])
				if !ok || n < 0 || (strictCRLF && line[i+1] != '\n') {
					return false, protoErr(msgInvalidBulkLen)
				}
			}
			if n > r.lim.MaxBulkLen {
				return false, protoErr(msgInvalidBulkLen)
			}
			if r.unauth && n > unauthMaxBulkLen {
				return false, protoErr(msgUnauthBulkLen)
			}
			r.pos += i + 2
			r.scan = 0
			r.bulk = n
		}
		if r.big != nil {
			if !r.bigDone() {
				return false, nil
			}
			if err := r.takeBig(); err != nil {
				return false, err
			}
			continue
		}
		data := r.buf[r.r+r.pos : r.w]
		if int64(len(data))-2 < r.bulk {
			return false, nil
		}
		n := int(r.bulk)
		if strictCRLF && (data[n] != '\r' || data[n+1] != '\n') {
			return false, protoErr(msgInvalidBulkLen)
		}
		r.offs = append(r.offs, r.pos, r.pos+n)
		r.pos += n + 2
		r.bulk = -1
		r.nargs--
	}
	r.finish()
	return true, nil
}

// shortHeader reads the header line that data begins with, a '*' or '$'
// and a count of one or two digits (no leading zero) then CRLF, the
// headers of nearly every command: n is the count and i the index of
// the '\r'. ok is false for any other line, complete or not, which the
// caller then reads the general way (findLine, ParseInt), as it does a
// line longer than its limit.
func shortHeader(data []byte) (n int64, i int, ok bool) {
	if len(data) < 4 || data[1] < '1' || data[1] > '9' {
		return 0, 0, false
	}
	n, i = int64(data[1]-'0'), 2
	if c := data[2]; c >= '0' && c <= '9' {
		if len(data) < 5 {
			return 0, 0, false
		}
		n, i = n*10+int64(c-'0'), 3
	}
	if data[i] != '\r' || data[i+1] != '\n' {
		return 0, 0, false
	}
	return n, i, true
}

// bigDone reports whether the big argument being read has arrived whole.
func (r *Reader) bigDone() bool { return r.bigFill == r.bigLen }

// startBig moves the part of the pending bulk argument that arrived to a
// buffer of its own, where the rest is read (fill), as Redis reads a big
// argument: the Reader's buffer does not grow, and the argument leaves
// the Reader with the command. Called by fill when the pending bulk is
// of bigArg bytes or more.
func (r *Reader) startBig() {
	start := r.r + r.pos
	r.bigLen = int(r.bulk) + 2
	r.big = make([]byte, min(r.bigLen, max(bigStart, bigGrowth*(r.w-start))))
	r.bigFill = copy(r.big, r.buf[start:r.w])
	r.w = start
}

// growBig makes room in the big argument's buffer for more of it.
func (r *Reader) growBig() {
	if r.bigFill < len(r.big) {
		return
	}
	size := bigGrowth * len(r.big)
	if 2*size >= r.bigLen {
		size = r.bigLen // within reach: the last copy is the smallest
	}
	nb := make([]byte, min(r.bigLen, size))
	copy(nb, r.big[:r.bigFill])
	r.released += len(r.big)
	r.big = nb
}

// takeBig ends the big argument read whole: it becomes an argument of
// the command (ext).
func (r *Reader) takeBig() error {
	n := len(r.big) - 2
	if strictCRLF && (r.big[n] != '\r' || r.big[n+1] != '\n') {
		return protoErr(msgInvalidBulkLen)
	}
	r.ext = append(r.ext, r.big[:n:n])
	r.extLen += int64(r.bigLen)
	k := -len(r.ext)
	r.offs = append(r.offs, k, k)
	r.big, r.bigFill, r.bigLen = nil, 0, 0
	r.bulk = -1
	r.nargs--
	return nil
}

// parseInline parses an inline command: a line ending in "\n" or "\r\n",
// split into arguments in place.
func (r *Reader) parseInline() (bool, error) {
	i, err := r.findLine('\n', r.lim.MaxInlineLen, msgTooBigInline)
	if err != nil || i < 0 {
		return false, err
	}
	line := r.buf[r.r : r.r+i]
	if i > 0 && line[i-1] == '\r' {
		line = line[:i-1]
	}
	offs, ok := splitArgs(line, r.offs[:0])
	r.offs = offs
	r.inline = true
	if !ok {
		return false, protoErr(msgUnbalancedQuotes)
	}
	r.pos = i + 1
	r.finish()
	return true, nil
}

// fill reads more input, first making room in the buffer: the command in
// progress is moved to the front and, if it fills the whole buffer, the
// buffer is doubled (but not beyond what the pending bulk argument needs),
// so memory grows only as fast as input actually arrives.
func (r *Reader) fill() error {
	if err := r.readErr; err != nil {
		r.readErr = nil
		if err == io.EOF && r.w > r.r {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if int64(r.Unparsed()) > r.lim.MaxQueryBuf {
		return ErrQueryBufLimit
	}
	if r.big == nil && r.inMulti && r.bulk >= bigArg {
		r.startBig()
	}
	if r.big != nil {
		r.growBig()
		return r.read1(r.big[r.bigFill:], &r.bigFill)
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if r.pool != nil && r.w == 0 {
		if err := r.waitIdle(); err != nil {
			return err
		}
	}
	switch {
	case len(r.buf) == 0:
		r.buf = make([]byte, minBufSize)
	case r.w == len(r.buf):
		size := 2 * len(r.buf)
		if r.inMulti && r.bulk >= 0 && r.bulk < int64(size-r.pos-2) {
			size = r.pos + int(r.bulk) + 2 // exactly what the pending bulk needs
		}
		r.grow(size)
	case r.full && len(r.buf) < defaultBufSize:
		r.grow(2 * len(r.buf))
	}
	r.full = false
	if err := r.read1(r.buf[r.w:], &r.w); err != nil {
		return err
	}
	r.full = r.w == len(r.buf)
	return nil
}

// read1 reads into p, which starts at *end in its buffer, and advances
// *end by what it read; an error that comes with data is kept for the
// next fill.
func (r *Reader) read1(p []byte, end *int) error {
	for range maxEmptyReads {
		n, err := r.rd.Read(p)
		if n < 0 || n > len(p) {
			return errNegativeRead
		}
		*end += n
		if err != nil {
			if n > 0 {
				r.readErr = err // report it once the data is parsed
				return nil
			}
			if err == io.EOF && r.w > r.r {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// grow replaces the buffer with one of size bytes holding its content.
func (r *Reader) grow(size int) {
	nb := make([]byte, size)
	copy(nb, r.buf[:r.w])
	r.buf = nb
}

// ParseInt parses a decimal integer with the rules of Redis's string2ll:
// an optional '-', no '+', no leading zeros, no spaces, no overflow.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		return int64(-v), true
	}
	return int64(v), true
}

// isSpace reports whether c is a C isspace() character.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitArgs splits an inline line into arguments with the rules of
// Redis's sdssplitargs, appending start,end pairs (relative to line) to
// offs. Unescaped arguments are written back into line, which is safe
// because an argument is never longer than the input it came from. As in
// C, a NUL byte ends the line. It reports false on unbalanced quotes.
func splitArgs(line []byte, offs []int) ([]int, bool) {
	if k := bytes.IndexByte(line, 0); k >= 0 {
		line = line[:k]
	}
	n := len(line)
	at := func(i int) byte {
		if i < n {
			return line[i]
		}
		return 0
	}
	p, w := 0, 0
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p >= n {
			return offs, true
		}
		start := w
		inq, insq := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					line[w] = unhex(line[p+2])<<4 | unhex(line[p+3])
					w++
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch c = line[p]; c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					line[w] = c
					w++
				case c == '"':
					// The closing quote must be followed by a space or
					// nothing at all.
					if nc := at(p + 1); nc != 0 && !isSpace(nc) {
						return offs, false
					}
					done = true
				case c == 0:
					return offs, false // unterminated quotes
				default:
					line[w] = c
					w++
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					line[w] = '\''
					w++
				case c == '\'':
					if nc := at(p + 1); nc != 0 && !isSpace(nc) {
						return offs, false
					}
					done = true
				case c == 0:
					return offs, false
				default:
					line[w] = c
					w++
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					line[w] = c
					w++
				}
			}
			if p < n {
				p++
			}
		}
		offs = append(offs, start, w)
	}
}
