package rdb

// TEMPORARY: string-only value reading until the value codec (branch
// rdbval) lands; this file is deleted then.

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"

	"redpool/backend"
)

const (
	typeString  = 0
	typeModule  = 6
	typeModule2 = 7
)

func unsupportedType(t byte) (string, bool) {
	switch t {
	case 15, 19, 21:
		return "stream", true
	}
	return "", false
}

type valueReader interface {
	ReadLen() (uint64, error)
	ReadString() ([]byte, error)
	ReadValue(t byte) (*backend.Entry, error)
}

type tmpReader struct {
	src interface {
		io.Reader
		io.ByteReader
	}
	buf []byte
}

func NewReader(src *crcSource) valueReader { return &tmpReader{src: src} }

func (r *tmpReader) lenEnc() (uint64, bool, error) {
	b, err := r.src.ReadByte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case 0:
		return uint64(b & 63), false, nil
	case 1:
		c, err := r.src.ReadByte()
		return uint64(b&63)<<8 | uint64(c), false, err
	case 2:
		switch b {
		case 0x80:
			var x [4]byte
			_, err := io.ReadFull(r.src, x[:])
			return uint64(binary.BigEndian.Uint32(x[:])), false, err
		case 0x81:
			var x [8]byte
			_, err := io.ReadFull(r.src, x[:])
			return binary.BigEndian.Uint64(x[:]), false, err
		}
		return 0, false, fmt.Errorf("%w: length byte %#x", ErrBadFile, b)
	}
	return uint64(b & 63), true, nil
}

func (r *tmpReader) ReadLen() (uint64, error) {
	n, enc, err := r.lenEnc()
	if err == nil && enc {
		err = fmt.Errorf("%w: encoded value where a length belongs", ErrBadFile)
	}
	return n, err
}

func (r *tmpReader) ReadString() ([]byte, error) {
	n, enc, err := r.lenEnc()
	if err != nil {
		return nil, err
	}
	if enc {
		var v int64
		switch n {
		case 0:
			b, err := r.src.ReadByte()
			if err != nil {
				return nil, err
			}
			v = int64(int8(b))
		case 1:
			var x [2]byte
			if _, err := io.ReadFull(r.src, x[:]); err != nil {
				return nil, err
			}
			v = int64(int16(binary.LittleEndian.Uint16(x[:])))
		case 2:
			var x [4]byte
			if _, err := io.ReadFull(r.src, x[:]); err != nil {
				return nil, err
			}
			v = int64(int32(binary.LittleEndian.Uint32(x[:])))
		default:
			return nil, fmt.Errorf("%w: string encoding %d", ErrBadFile, n)
		}
		r.buf = strconv.AppendInt(r.buf[:0], v, 10)
		return r.buf, nil
	}
	if n > backend.MaxStringLen {
		return nil, fmt.Errorf("%w: string of %d bytes", ErrBadFile, n)
	}
	r.buf = r.buf[:0]
	for n > 0 {
		k := min(n, 64<<10)
		old := len(r.buf)
		r.buf = append(r.buf, make([]byte, k)...)
		if _, err := io.ReadFull(r.src, r.buf[old:]); err != nil {
			return nil, err
		}
		n -= k
	}
	return r.buf, nil
}

func (r *tmpReader) ReadValue(t byte) (*backend.Entry, error) {
	if t != typeString {
		return nil, fmt.Errorf("%w: type %d", ErrBadFile, t)
	}
	v, err := r.ReadString()
	if err != nil {
		return nil, err
	}
	return &backend.Entry{Type: backend.TypeString, Items: [][]byte{v}}, nil
}

type valueWriter interface {
	WriteLen(n uint64) error
	WriteString(p []byte) error
	WriteValue(e *backend.Entry) error
}

type tmpWriter struct{ w io.Writer }

func newValueWriter(w io.Writer) valueWriter { return &tmpWriter{w: w} }

func (w *tmpWriter) WriteLen(n uint64) error {
	var b [9]byte
	switch {
	case n < 1<<6:
		b[0] = byte(n)
		_, err := w.w.Write(b[:1])
		return err
	case n < 1<<14:
		b[0], b[1] = byte(n>>8)|0x40, byte(n)
		_, err := w.w.Write(b[:2])
		return err
	case n <= 0xffffffff:
		b[0] = 0x80
		binary.BigEndian.PutUint32(b[1:], uint32(n))
		_, err := w.w.Write(b[:5])
		return err
	}
	b[0] = 0x81
	binary.BigEndian.PutUint64(b[1:], n)
	_, err := w.w.Write(b[:9])
	return err
}

func (w *tmpWriter) WriteString(p []byte) error {
	if err := w.WriteLen(uint64(len(p))); err != nil {
		return err
	}
	_, err := w.w.Write(p)
	return err
}

func (w *tmpWriter) WriteValue(e *backend.Entry) error {
	if e.Type != backend.TypeString {
		return fmt.Errorf("rdb: type %s", e.Type)
	}
	if _, err := w.w.Write([]byte{typeString}); err != nil {
		return err
	}
	if err := w.WriteString(e.Key); err != nil {
		return err
	}
	return w.WriteString(e.Items[0])
}
