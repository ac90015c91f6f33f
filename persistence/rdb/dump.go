package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// DUMP payloads: a value as in an RDB file (type byte, then the value),
// then the RDB version (2 bytes LE) and the CRC-64 of everything before
// the CRC (8 bytes LE).

// dumpFooterSize is the version and the CRC.
const dumpFooterSize = 2 + 8

// DumpPayload returns v as DUMP's payload, encoded with the thresholds p.
// The errors are WriteValue's.
func DumpPayload(v Value, p Params) ([]byte, error) {
	size := dumpFooterSize + 16
	for _, it := range v.Items {
		size += len(it) + 5
	}
	e := encoder{p: p, buf: make([]byte, 0, size)}
	if err := e.value(nil, v, func() error { return nil }); err != nil {
		return nil, err
	}
	return AppendDumpFooter(e.buf), nil
}

// AppendDumpFooter appends the version and the CRC of body (which is
// everything before them) to body.
func AppendDumpFooter(body []byte) []byte {
	body = binary.LittleEndian.AppendUint16(body, Version)
	return binary.LittleEndian.AppendUint64(body, CRC64(0, body))
}

// VerifyDumpPayload checks the footer of a DUMP payload as Redis's
// verifyDumpPayload does: at least the footer, a version not newer than
// Version, the right CRC. It returns what precedes the footer, or
// ErrPayload.
func VerifyDumpPayload(p []byte) ([]byte, error) {
	if len(p) < dumpFooterSize {
		return nil, ErrPayload
	}
	n := len(p) - dumpFooterSize
	if binary.LittleEndian.Uint16(p[n:]) > Version || CRC64(0, p[:n+2]) != binary.LittleEndian.Uint64(p[n+2:]) {
		return nil, ErrPayload
	}
	return p[:n], nil
}

// ParseDumpPayload decodes a DUMP payload: ErrPayload if its footer is
// wrong (VerifyDumpPayload), an error wrapping ErrCorrupt if the value is
// not a valid one (Redis's "Bad data format"). sanitize is Redis's deep
// sanitization (ReadOptions.Sanitize). The items are new memory.
func ParseDumpPayload(p []byte, sanitize bool) (Value, error) {
	return ParseDumpPayloadWith(p, ReadOptions{Sanitize: sanitize})
}

// ParseDumpPayloadWith is ParseDumpPayload with o's Sanitize and
// OnSanitize (o.Size is the payload's).
func ParseDumpPayloadWith(p []byte, o ReadOptions) (Value, error) {
	body, err := VerifyDumpPayload(p)
	if err != nil {
		return Value{}, err
	}
	o.Size = int64(len(body))
	r := NewReader(bytes.NewReader(body), o)
	t, err := r.ReadByte()
	if err != nil {
		return Value{}, corrupt("empty payload")
	}
	v, err := r.ReadValue(t)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return Value{}, err
	}
	return v, nil
}
