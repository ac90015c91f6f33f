package aof_test

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"redpool/backend"
	"redpool/backend/memory"
	"redpool/persistence/aof"
	"redpool/session/resp"
)

func crcHex(s string) string { return fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(s))) }

// sample is a log with awkward records: binary data, CRLF inside values,
// an empty argument and a large one.
func sample() string {
	return cmd("SELECT", "0") + cmd("SET", "k", "v") + cmd("SET", "crlf\r\n", "*2\r\n$3\r\nfoo") +
		cmd("SET", "", "\x00") + cmd("APPEND", "big", strings.Repeat("x", 40000)) + cmd("DEL", "k")
}

func TestScanReadsEveryRecord(t *testing.T) {
	data := sample()
	// One byte at a time and in odd-sized reads: record boundaries fall
	// everywhere relative to reads.
	readers := map[string]func() io.Reader{
		"whole":    func() io.Reader { return strings.NewReader(data) },
		"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(data)) },
		"half":     func() io.Reader { return iotest.HalfReader(strings.NewReader(data)) },
	}
	for name, rd := range readers {
		t.Run(name, func(t *testing.T) {
			var re []byte
			var offs []int64
			good, err := aof.Scan(rd(), 0, func(off int64, argv [][]byte) error {
				offs = append(offs, off)
				re = resp.AppendCommand(re, argv...)
				return nil
			})
			if err != nil || good != int64(len(data)) || string(re) != data || len(offs) != 6 || offs[1] != int64(len(cmd("SELECT", "0"))) {
				t.Fatalf("Scan = %d, %v; %d records at %v", good, err, len(offs), offs)
			}
		})
	}
}

func TestScanTruncatedAtEveryOffset(t *testing.T) {
	data := sample()
	for _, rd := range []func(string) io.Reader{
		func(s string) io.Reader { return strings.NewReader(s) },
		func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	} {
		starts := []int{0}
		aof.Scan(strings.NewReader(data), 0, func(off int64, argv [][]byte) error {
			starts = append(starts, int(off)+len(resp.AppendCommand(nil, argv...)))
			return nil
		})
		for cut := 0; cut <= len(data); cut += 1 + cut/500 {
			good, err := aof.Scan(rd(data[:cut]), 0, nil)
			last := 0
			for _, s := range starts {
				if s <= cut {
					last = s
				}
			}
			if good != int64(last) {
				t.Fatalf("cut %d: good %d, want %d", cut, good, last)
			}
			if last == cut {
				if err != nil {
					t.Fatalf("cut %d at a record boundary: %v", cut, err)
				}
				continue
			}
			var ce *aof.CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, aof.ErrTruncated) || ce.Offset != int64(last) {
				t.Fatalf("cut %d: %v, want ErrTruncated at %d", cut, err, last)
			}
		}
	}
}

func TestScanRefusesInline(t *testing.T) {
	for _, data := range []string{
		"PING\r\n",
		cmd("SET", "a", "b") + "SET a b\n",
		cmd("SET", "a", "b") + "\r\n" + cmd("SET", "a", "b"),
		cmd("SET", "a", "b") + "\n",
		cmd("SET", "a", "b") + "SET a",
		cmd("SET", "a", "b") + `"\x2a\x31" x` + "\r\n",
	} {
		_, err := aof.Scan(strings.NewReader(data), 0, nil)
		if !errors.Is(err, aof.ErrBadRecord) {
			t.Errorf("%q: %v, want ErrBadRecord", data, err)
		}
	}
}

func TestScanPassesIOErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := aof.Scan(iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader(sample()))), 0, nil)
	if !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("got %v, want the reader's error", err)
	}
	_, err = aof.Scan(strings.NewReader(sample()), 0, func(int64, [][]byte) error { return boom })
	if !errors.Is(err, aof.ErrReplay) || !strings.HasSuffix(err.Error(), ": boom") {
		t.Errorf("got %v, want ErrReplay with fn's error", err)
	}
}

// FuzzScan: Scan never panics, only accepts canonical multibulk records,
// reports offsets inside the input, and its memory follows the input.
func FuzzScan(f *testing.F) {
	f.Add([]byte(sample()))
	f.Add([]byte(sample()[:100]))
	f.Add([]byte("*1\r\n$536870912\r\nab"))
	f.Add([]byte("*1048577\r\n"))
	f.Add([]byte("*0\r\n*-1\r\n" + cmd("SET", "a", "b")))
	f.Add([]byte("SET a b\r\n"))
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$-0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var re []byte
		good, err := aof.Scan(bytes.NewReader(data), 1<<20, func(off int64, argv [][]byte) error {
			if off != int64(len(re)) {
				t.Fatalf("record at %d, want %d", off, len(re))
			}
			re = resp.AppendCommand(re, argv...)
			return nil
		})
		if good != int64(len(re)) || !bytes.Equal(re, data[:good]) {
			t.Fatalf("accepted bytes are not the records: good %d\n%q\n%q", good, re, data[:good])
		}
		var ce *aof.CorruptError
		switch {
		case err == nil:
			if good != int64(len(data)) {
				t.Fatalf("nil error but only %d of %d bytes", good, len(data))
			}
		case errors.As(err, &ce):
			if ce.Offset != good || good >= int64(len(data)) {
				t.Fatalf("bad offset %d (good %d, len %d)", ce.Offset, good, len(data))
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzLoad replays arbitrary bytes as a log through the real command
// engine: loading never panics or hangs; it succeeds or names a bad record.
// Records with huge numbers are skipped (SETRANGE k 500000000 x is a valid
// record that allocates 500 MB: a property of the command, not the loader).
func FuzzLoad(f *testing.F) {
	f.Add([]byte(sample()))
	f.Add([]byte(cmd("SELECT", "3") + cmd("RPUSH", "l", "a", "b") + cmd("HSET", "h", "f", "v") + cmd("PEXPIREAT", "l", "1")))
	f.Add([]byte(cmd("BLPOP", "l", "0")))
	f.Add([]byte(cmd("SET", "k", "v", "PXAT", "99999999999999") + cmd("INCRBYFLOAT", "k", "1.5")))
	f.Add([]byte(cmd("FLUSHALL") + cmd("SWAPDB", "0", "1") + cmd("MOVE", "k", "2")))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := aof.Scan(bytes.NewReader(data), 1<<20, func(_ int64, argv [][]byte) error {
			for _, a := range argv {
				if n, err := strconv.ParseInt(string(a), 10, 64); err == nil && (n > 1<<20 || n < -(1<<20)) {
					t.Skip("huge number")
				}
			}
			return nil
		})
		var ce *aof.CorruptError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("Scan: %v", err)
		}
		dir := t.TempDir()
		writeLog(t, dir, string(data))
		s, err := tryOpenStore(t, dir, aof.Options{}, nil)
		if err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("load: %v", err)
			}
			return
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzReplay is FuzzLoad without the files: the records Scan accepts are
// replayed into one memory backend that lives for the whole run (emptied
// first), a hundred times faster than opening a store per input, so that
// the fuzzer reaches far more of the commands. Replay never panics; a
// refused record is an ErrReplay at its offset.
func FuzzReplay(f *testing.F) {
	f.Add([]byte(sample()))
	f.Add([]byte(cmd("SELECT", "3") + cmd("MULTI") + cmd("RPUSH", "l", "a", "b") + cmd("EXEC") + cmd("LMOVE", "l", "m", "LEFT", "RIGHT")))
	f.Add([]byte(cmd("ZADD", "z", "1", "a") + cmd("ZINCRBY", "z", "inf", "a") + cmd("ZINCRBY", "z", "-inf", "a")))
	f.Add([]byte(cmd("FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('f', function() return 1 end)") + cmd("FCALL", "f", "0")))
	b := memory.New(memory.Options{ExpiryInterval: -1})
	f.Cleanup(func() { _ = b.Close() })
	r, err := aof.NewReplayer(b, backend.SystemClock{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	// errSkip stops at a record with a huge number (see FuzzLoad).
	errSkip := errors.New("skipped: a huge number")
	f.Fuzz(func(t *testing.T, data []byte) {
		r.BeginFile()
		if err := r.Apply([][]byte{[]byte("FLUSHALL")}); err != nil {
			t.Fatal(err)
		}
		_ = r.Apply([][]byte{[]byte("FUNCTION"), []byte("FLUSH")})
		r.BeginFile()
		_, err := aof.Scan(bytes.NewReader(data), 1<<20, func(_ int64, argv [][]byte) error {
			for _, a := range argv {
				if n, err := strconv.ParseInt(string(a), 10, 64); err == nil && (n > 1<<20 || n < -(1<<20)) {
					return errSkip
				}
			}
			return r.Apply(argv)
		})
		var ce *aof.CorruptError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("replay: %v", err)
		}
	})
}
