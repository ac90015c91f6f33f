package snapshot

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
	"redpool/persistence/snapshot/snapshottest"
)

// frame wraps body (records and end marker, possibly invalid) in a header
// and trailer with correct checksums, so that tests reach the decoder's
// structural checks.
func frame(created int64, keys uint64, body []byte) []byte {
	h := Header{Version: Version, Created: created, Length: int64(HeaderSize + len(body) + trailerSize), Keys: keys}
	hdr := encodeHeader(h)
	out := append(hdr[:], body...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

func dump(t testing.TB, b backend.Backend) []string { return snapshottest.Dump(t, b) }

func entryString(e *backend.Entry) string { return snapshottest.EntryString(e) }

func fill(t testing.TB, b backend.Backend, entries []backend.Entry) {
	snapshottest.Put(t, b, entries...)
}

// decodeAll decodes data and renders its entries in file order.
func decodeAll(data []byte) (Header, []string, error) {
	var out []string
	h, err := Decode(bytes.NewReader(data), func(e *backend.Entry) error {
		out = append(out, entryString(e))
		return nil
	})
	return h, out, err
}

// newMemory returns a memory backend closed at cleanup.
func newMemory(t testing.TB, clock backend.Clock) *memory.Memory {
	t.Helper()
	m := memory.New(memory.Options{Clock: clock, ExpiryInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	return m
}
