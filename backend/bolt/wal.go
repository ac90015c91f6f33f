package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"os"
	"path/filepath"

	"redpool/persistence/fsutil"
)

// The write-ahead log (SyncAlways).
//
// With SyncAlways a batch (writer.go) commits to bbolt without bbolt's own
// fsyncs (two fdatasyncs a commit, of the pages and then of the meta page),
// and its writes, the redo log undo.go keeps anyway, are appended to the
// log file and fdatasynced once: the log's fdatasync is the durability
// point of an acknowledged Update. A checkpoint fdatasyncs the bbolt file
// and starts a new log, at most walCheckpointBytes or walCheckpointEvery
// apart.
//
// bbolt commits that are not fsynced leave no consistent file after a
// power loss: a meta page can reach the disk before the pages it points
// to, and a commit reuses the pages that the one before it freed. So the
// log starts with a copy of the file's two meta pages as they were at the
// checkpoint (txid C, fdatasynced), and a read transaction stays open on
// C until the next checkpoint is durable, so bbolt reuses none of C's
// pages meanwhile (it frees only pages allocated and freed after C).
// Recovery, at Open and after any stop, clean or not, writes the saved
// meta pages back, which takes the file back to C whole, and replays the
// log's records over it in order: they are physical (put, delete, set
// sequence, with absolute values), so C plus the records is exactly the
// state of the last logged batch. A torn tail (a record cut short, or one
// whose CRC does not match) ends the log there; it is truncated away. A
// record is logged after its batch's bbolt commit and acknowledged after
// the log's fdatasync, so the records lost with a tail were never
// acknowledged.
//
// The open read transaction also holds bbolt's memory map: bbolt cannot
// grow the map while a read transaction is open. The map is therefore made
// large (walMmapSize: address space only), and a batch that could need
// more stops the log for good (walStop: the file is synced, the log
// removed, and every later commit fsynced by bbolt).
//
// File layout (integers big endian):
//
//	header   magic(16) version(4) pageSize(4) txid(8) metas(2*pageSize) crc32c(4)
//	record   length(4) crc32c(4) payload(length)
//	zeros    the end: the file is zero-filled ahead of the records
//	payload  op...
//	op       kind(1) bucket(1) then: put: uvarint(len) key uvarint(len) value
//	                                 delete: uvarint(len) key
//	                                 sequence: uvarint(seq)
//
// The log is <Path>.wal. A new log is prepared as <Path>.wal.tmp-*
// (zeros, fdatasynced), gets its header (fdatasynced) and is renamed over
// the old one (the directory fsynced), so a log on disk always has a whole
// header; Open removes prepared logs a crash left. Close syncs the bbolt file and
// removes the log. Open recovers a log in every sync mode, so a file
// opened with another mode after a crash loses nothing.

const (
	walMagic   = "redpool-bolt-wal"
	walVersion = 1
	// walRecordHeader is a record's length and CRC.
	walRecordHeader = 8
	// walMaxRecord is the largest record logged; a batch that writes
	// more is committed by bbolt with its own fsyncs, and a checkpoint
	// follows it at once.
	walMaxRecord = 1 << 30
	// walChunk is how far ahead of its records the log is zero-filled.
	walChunk = 1 << 20
)

var walCRC = crc32.MakeTable(crc32.Castagnoli)

// walHeader is the log's header: the bbolt meta pages at checkpoint txid.
type walHeader struct {
	pageSize int
	txid     uint64
	metas    []byte // 2*pageSize bytes: pages 0 and 1 of the file
}

func walHeaderLen(pageSize int) int { return 16 + 4 + 4 + 8 + 2*pageSize + 4 }

func (h *walHeader) encode() []byte {
	b := make([]byte, 0, walHeaderLen(h.pageSize))
	b = append(b, walMagic...)
	b = binary.BigEndian.AppendUint32(b, walVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(h.pageSize))
	b = binary.BigEndian.AppendUint64(b, h.txid)
	b = append(b, h.metas...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, walCRC))
}

// walDecodeHeader decodes the header at the start of data and returns it
// and its length.
func walDecodeHeader(data []byte) (walHeader, int, error) {
	if len(data) < 32 || string(data[:16]) != walMagic {
		return walHeader{}, 0, errors.New("not a redpool bolt log")
	}
	if v := binary.BigEndian.Uint32(data[16:]); v != walVersion {
		return walHeader{}, 0, fmt.Errorf("unknown log version %d", v)
	}
	ps := int(binary.BigEndian.Uint32(data[20:]))
	if ps < 512 || ps > 1<<20 {
		return walHeader{}, 0, fmt.Errorf("bad page size %d", ps)
	}
	n := walHeaderLen(ps)
	if len(data) < n {
		return walHeader{}, 0, errors.New("short header")
	}
	if binary.BigEndian.Uint32(data[n-4:]) != crc32.Checksum(data[:n-4], walCRC) {
		return walHeader{}, 0, errors.New("header checksum mismatch")
	}
	h := walHeader{pageSize: ps, txid: binary.BigEndian.Uint64(data[24:])}
	h.metas = append([]byte(nil), data[32:32+2*ps]...)
	return h, n, nil
}

// walAppendRecord appends the record of ops to dst.
func walAppendRecord(dst []byte, ops []logOp) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, walRecordHeader)...)
	for i := range ops {
		op := &ops[i]
		dst = append(dst, byte(op.kind), byte(op.bucket))
		switch op.kind {
		case opPut:
			dst = binary.AppendUvarint(dst, uint64(len(op.key)))
			dst = append(dst, op.key...)
			dst = binary.AppendUvarint(dst, uint64(len(op.val)))
			dst = append(dst, op.val...)
		case opDelete:
			dst = binary.AppendUvarint(dst, uint64(len(op.key)))
			dst = append(dst, op.key...)
		case opSequence:
			dst = binary.AppendUvarint(dst, op.seq)
		}
	}
	payload := dst[start+walRecordHeader:]
	binary.BigEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, walCRC))
	return dst
}

// walDecodeOps decodes a record's payload. The keys and values it returns
// alias payload.
func walDecodeOps(payload []byte, ops []logOp) ([]logOp, error) {
	bad := errors.New("malformed log record")
	for p := payload; len(p) > 0; {
		if len(p) < 2 {
			return ops, bad
		}
		op := logOp{kind: opKind(p[0]), bucket: bucketID(p[1])}
		p = p[2:]
		if op.bucket >= nBuckets {
			return ops, bad
		}
		bytesField := func() ([]byte, bool) {
			n, k := binary.Uvarint(p)
			if k <= 0 || n > uint64(len(p)-k) {
				return nil, false
			}
			v := p[k : k+int(n) : k+int(n)]
			p = p[k+int(n):]
			return v, true
		}
		var ok bool
		switch op.kind {
		case opPut:
			if op.key, ok = bytesField(); ok {
				op.val, ok = bytesField()
			}
		case opDelete:
			op.key, ok = bytesField()
		case opSequence:
			var k int
			op.seq, k = binary.Uvarint(p)
			if ok = k > 0; ok {
				p = p[k:]
			}
		}
		if !ok || (op.kind != opSequence && len(op.key) == 0) {
			return ops, bad
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// walNextRecord splits the first record off data and returns its payload
// and the rest. It returns errWALTorn if data does not start with a whole,
// undamaged record (a torn tail, or damage); data must not be empty.
func walNextRecord(data []byte) (payload, rest []byte, err error) {
	if len(data) < walRecordHeader {
		return nil, nil, errWALTorn
	}
	size := binary.BigEndian.Uint32(data)
	if size == 0 || uint64(size) > uint64(len(data)-walRecordHeader) {
		return nil, nil, errWALTorn
	}
	payload = data[walRecordHeader : walRecordHeader+int(size) : walRecordHeader+int(size)]
	if crc32.Checksum(payload, walCRC) != binary.BigEndian.Uint32(data[4:]) {
		return nil, nil, errWALTorn
	}
	return payload, data[walRecordHeader+int(size):], nil
}

var errWALTorn = errors.New("torn log record")

// walZeros reports whether data is all zeros: the log's clean end.
func walZeros(data []byte) bool {
	for _, c := range data {
		if c != 0 {
			return false
		}
	}
	return true
}

// walPath is the log of the database file path.
func walPath(path string) string { return path + ".wal" }

// walRecovery is a log Open found: its header, whose meta pages were
// written back, and its records, to replay once bbolt has opened the file.
type walRecovery struct {
	h       walHeader
	records []byte
}

// walRestoreMetas is run with the database file db open and locked, before
// bbolt reads it: if a log exists, it writes the log's meta pages back to
// db (taking the file back to the checkpoint) and returns the log. It
// returns nil if there is no log.
func walRestoreMetas(db *os.File, path string) (*walRecovery, error) {
	data, err := os.ReadFile(walPath(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h, hn, err := walDecodeHeader(data)
	if err != nil {
		return nil, fmt.Errorf("log %s: %w", walPath(path), err)
	}
	cur := make([]byte, 2*h.pageSize)
	if _, err := db.ReadAt(cur, 0); err != nil {
		return nil, fmt.Errorf("log %s: reading the meta pages of %s: %w", walPath(path), path, err)
	}
	// A power loss leaves a meta page at the checkpoint's transaction, a
	// later one or a torn one: two valid older ones mean that the file is
	// not the one the log was written on (a backup put back, say).
	t0, t1 := walMetaTxid(cur[:h.pageSize]), walMetaTxid(cur[h.pageSize:])
	if t0 != 0 && t1 != 0 && max(t0, t1) < h.txid {
		return nil, fmt.Errorf("%s (transaction %d) is older than its log %s (transaction %d): refusing to open", path, max(t0, t1), walPath(path), h.txid)
	}
	if string(cur) != string(h.metas) {
		if _, err := db.WriteAt(h.metas, 0); err != nil {
			return nil, fmt.Errorf("log %s: restoring the meta pages: %w", walPath(path), err)
		}
		if err := fdatasync(db); err != nil {
			return nil, err
		}
	}
	return &walRecovery{h: h, records: data[hn:]}, nil
}

// walMetaTxid returns the txid of a bbolt meta page, or 0 if it is not a
// valid one (bbolt's layout: a 16-byte page header, then magic(4)
// version(4) pageSize(4) flags(4) root(16) freelist(8) pgid(8) txid(8)
// checksum(8), native byte order, the checksum FNV-64a of what precedes
// it in the meta).
func walMetaTxid(page []byte) uint64 {
	if len(page) < 16+64 {
		return 0
	}
	m := page[16 : 16+64]
	if binary.NativeEndian.Uint32(m) != 0xED0CDAED {
		return 0
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != binary.NativeEndian.Uint64(m[56:]) {
		return 0
	}
	return binary.NativeEndian.Uint64(m[48:])
}

// walPrepare creates a file for the next log beside path: zeros where a
// header of pageSize goes and then zeros, fdatasynced. walInstall makes
// it the log.
func walPrepare(path string, pageSize int, zeros []byte) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(walPath(path))+walTempInfix+"*")
	if err != nil {
		return nil, err
	}
	_, err = f.WriteAt(zeros, int64(walHeaderLen(pageSize)))
	if err == nil {
		err = fdatasync(f)
	}
	if err != nil {
		walDiscard(f)
		return nil, err
	}
	return f, nil
}

// walTempInfix is in the names of prepared logs; Open removes those a
// crash left.
const walTempInfix = ".tmp-"

// walDiscard closes and removes a prepared log.
func walDiscard(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// walInstall writes header h into f, a prepared log, and renames it over
// the log of path, durably. On an error f is discarded; renamed reports
// that the rename was done but may not be durable, so that either log
// may be the one on disk.
func walInstall(path string, f *os.File, h *walHeader) (renamed bool, err error) {
	_, err = f.WriteAt(h.encode(), 0)
	if err == nil {
		err = fdatasync(f)
	}
	if err == nil {
		err = os.Rename(f.Name(), walPath(path))
	}
	if err != nil {
		walDiscard(f)
		return false, err
	}
	if err := fsutil.SyncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return true, err
	}
	return true, nil
}

// walRemoveTemps removes the prepared logs a crash left beside path.
func walRemoveTemps(path string) {
	old, _ := filepath.Glob(walPath(path) + walTempInfix + "*")
	for _, name := range old {
		os.Remove(name)
	}
}

// walRemove removes the log of path, durably.
func walRemove(path string) error {
	err := os.Remove(walPath(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(path))
}
