package aof

import (
	"errors"
	"io"
	"math"

	"redpool/session/resp"
)

// DefaultMaxBulkLen is the largest argument Scan accepts by default: the
// largest string value.
const DefaultMaxBulkLen = 512 * 1024 * 1024

// maxArgs bounds the arguments of one record. Clients are held to Redis
// 7.0's INT_MAX (resp.DefaultLimits), so a longer record is not ours.
const maxArgs = math.MaxInt32

// Scan reads the records of one log file from rd and calls fn, if not nil,
// with each command and the byte offset where its record starts; argv
// aliases Scan's buffer and is valid only during the call. maxBulkLen (0:
// DefaultMaxBulkLen) bounds an argument's length.
//
// Scan returns the offset just after the last good record and nil at a
// clean end of input. Otherwise it returns a *CorruptError for the first bad
// record (ErrTruncated if the input ends inside a record, ErrBadRecord for
// anything that is not a multibulk command, ErrReplay wrapping fn's error),
// or an I/O error from rd. The CorruptError's File is left empty.
//
// Memory use is bounded by the longest record, which grows only as its
// bytes actually arrive.
func Scan(rd io.Reader, maxBulkLen int64, fn func(off int64, argv [][]byte) error) (int64, error) {
	if maxBulkLen <= 0 {
		maxBulkLen = DefaultMaxBulkLen
	}
	st := &startTracker{r: rd}
	st.expect(0)
	rr := resp.NewReader(st, resp.Limits{MaxBulkLen: maxBulkLen, MaxMultibulkLen: maxArgs, MaxQueryBuf: math.MaxInt64})
	var start int64
	for {
		argv, err := rr.ReadCommand()
		if err != nil {
			var pe *resp.ProtocolError
			switch {
			case errors.Is(err, io.EOF) && rr.Offset() == start:
				return start, nil
			case st.got[0] >= 0 && st.got[0] != '*':
				// Inline text (possibly cut short): never a record.
				return start, &CorruptError{Offset: start, Err: ErrBadRecord, Detail: "not a multibulk command"}
			case errors.Is(err, io.EOF):
				// Only skipped empty commands ("*0\r\n") after start.
				return start, &CorruptError{Offset: start, Err: ErrBadRecord, Detail: "empty multibulk command"}
			case errors.Is(err, io.ErrUnexpectedEOF):
				return start, &CorruptError{Offset: start, Err: ErrTruncated}
			case errors.As(err, &pe):
				return start, &CorruptError{Offset: start, Err: ErrBadRecord, Detail: pe.Msg}
			default:
				return start, err
			}
		}
		end := rr.Offset()
		// The Reader also accepts inline commands and skips empty ones; a
		// record is exactly one canonical multibulk command, so it starts
		// with "*" and a count from 1 (skipped empty commands followed by
		// an inline one can have a canonical record's length).
		if st.got[0] != '*' {
			return start, &CorruptError{Offset: start, Err: ErrBadRecord, Detail: "not a multibulk command"}
		}
		if st.got[1] < '1' || st.got[1] > '9' || end-start != encodedLen(argv) {
			return start, &CorruptError{Offset: start, Err: ErrBadRecord, Detail: "empty multibulk command"}
		}
		if fn != nil {
			if err := fn(start, argv); err != nil {
				return start, &CorruptError{Offset: start, Err: ErrReplay, Detail: err.Error()}
			}
		}
		start = end
		st.expect(end)
	}
}

// encodedLen is the length of argv as one multibulk command.
func encodedLen(argv [][]byte) int64 {
	n := 1 + intLen(int64(len(argv))) + 2
	for _, a := range argv {
		n += 1 + intLen(int64(len(a))) + 2 + int64(len(a)) + 2
	}
	return n
}

func intLen(n int64) int64 {
	l := int64(1)
	for n >= 10 {
		n /= 10
		l++
	}
	return l
}

// startTracker sits between a file and the resp.Reader and remembers the
// first two bytes of the next record, so Scan can refuse inline and empty
// commands, which the Reader would accept and skip.
//
// It relies on how resp.Reader uses its buffer: a command is returned only
// once a Read has delivered its last byte, and the Reader changes buffered
// bytes only while refilling, just before its next Read. So right after
// ReadCommand returns a command ending at offset end, the byte at end is
// either in the slice the last Read filled, still untouched, or not read
// yet, in which case a later Read delivers it; and so is the byte after it.
type startTracker struct {
	r     io.Reader
	chunk []byte // what the last Read delivered; valid until the next Read
	base  int64  // offset of chunk[0]
	end   int64  // offset just after chunk
	want  int64  // offset of the first byte wanted
	got   [2]int // the bytes at want and want+1, each -1 until read
}

// Read implements io.Reader.
func (t *startTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.chunk, t.base, t.end = p[:n], t.end, t.end+int64(n)
		t.capture()
	}
	return n, err
}

// expect asks for the bytes at off and off+1, off being at or after the
// last Read's first byte.
func (t *startTracker) expect(off int64) {
	t.want, t.got = off, [2]int{-1, -1}
	t.capture()
}

// capture takes the wanted bytes the last Read delivered.
func (t *startTracker) capture() {
	for i := range t.got {
		if off := t.want + int64(i); t.got[i] < 0 && off >= t.base && off < t.end {
			t.got[i] = int(t.chunk[off-t.base])
		}
	}
}
