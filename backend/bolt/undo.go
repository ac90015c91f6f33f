package bolt

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Undoing one member of a batch.
//
// The functions of a batch share one bbolt write transaction (writer.go),
// and each runs exactly once. When one fails after writing (or panics),
// its writes must go while the others' stay. bbolt has no savepoints, so
// every write of the batch is logged (a redo log: the bucket, the key and
// the new value, no read of the old one), and undoing a member rolls the
// bbolt transaction back, begins another, and replays the log up to where
// the member started. The log costs an append and a key copy per write;
// the replay, as costly as the batch's writes so far, happens only when a
// function fails after writing, which the commands never do on purpose
// (they validate before their first write, as memory needs).
//
// The values need no copy: each is an arena copy (valid until the batch
// ends), a constant, or bytes read in the same batch from the bbolt file's
// memory map, which bbolt neither changes nor remaps before a commit.
//
// Keys that expiry removed while the member ran stay removed: they were
// reported (ExpireFunc) when they went, so the replay removes them again,
// unreported. The batch's counters are restored as the member found them.

// bucketID names one of the buckets a tx uses.
type bucketID uint8

const (
	bMeta bucketID = iota
	bKeys
	bData
	bExpire
	bGarbage
	bSlots      // with Options.SlotIndex only (slot.go)
	bSlotCounts // with Options.SlotIndex only
	nBuckets
)

var bucketNames = [nBuckets][]byte{bMeta: bucketMeta, bKeys: bucketKeys, bData: bucketData, bExpire: bucketExpire, bGarbage: bucketGarbage,
	bSlots: bucketSlots, bSlotCounts: bucketSlotCounts}

// bucket is a bbolt bucket as a tx sees it: reads go to bbolt, writes are
// logged first in a write transaction. All writes in a batch go through
// it (never through a bbolt Cursor), or a member could not be undone.
type bucket struct {
	bb *bolt.Bucket
	w  *batchState // nil in a View
	id bucketID
}

// Get returns the value of k (see bolt.Bucket.Get).
func (b *bucket) Get(k []byte) []byte { return b.bb.Get(k) }

// Cursor returns a bbolt cursor on the bucket, for reading only.
func (b *bucket) Cursor() *bolt.Cursor { return b.bb.Cursor() }

// Put stores v at k. v must stay valid and unchanged until the batch ends.
func (b *bucket) Put(k, v []byte) error {
	if b.w != nil {
		b.w.logWrite(logOp{kind: opPut, bucket: b.id, key: b.w.arena.copy(k), val: v})
	}
	return b.bb.Put(k, v)
}

// Delete removes k.
func (b *bucket) Delete(k []byte) error {
	if b.w != nil {
		b.w.logWrite(logOp{kind: opDelete, bucket: b.id, key: b.w.arena.copy(k)})
	}
	return b.bb.Delete(k)
}

// NextSequence returns the bucket's next sequence number.
func (b *bucket) NextSequence() (uint64, error) {
	seq, err := b.bb.NextSequence()
	if err == nil && b.w != nil {
		b.w.logWrite(logOp{kind: opSequence, bucket: b.id, seq: seq})
	}
	return seq, err
}

type opKind uint8

const (
	opPut opKind = iota
	opDelete
	opSequence
)

// logOp is one logged write.
type logOp struct {
	kind     opKind
	bucket   bucketID
	key, val []byte
	seq      uint64
}

// mark is the state of a batch where a member starts, to undo it.
type mark struct {
	log, removed               int
	expired, garbage, swept    int64
	tableChanged, sweep, dirty bool
}

// delta is a namespace's counter changes in a batch. saved is the value
// before member gen first changed it (zero and fresh if gen created it).
type delta struct {
	counter
	saved counter
	gen   uint64
	fresh bool
}

// logWrite appends op to the log.
func (w *batchState) logWrite(op logOp) {
	w.log = append(w.log, op)
	if !w.expiring {
		w.wrote = true
	}
}

// beginMember marks where the next member starts.
func (w *batchState) beginMember() {
	w.gen++
	w.wrote = false
	w.start = mark{
		log: len(w.log), removed: len(w.removed),
		expired: w.expired, garbage: w.garbage, swept: w.swept,
		tableChanged: w.tableChanged, sweep: w.sweep, dirty: w.dirty,
	}
}

// undo discards the writes of the member that ran last (those logged
// since w.start), keeping its expiry removals and the other members'
// writes. On an error the transaction is rolled back and gone: the batch
// cannot commit.
func (b *Bolt) undo(t *tx) error {
	w := t.w
	m := w.start
	if err := t.btx.Rollback(); err != nil {
		t.clear()
		return err
	}
	btx, err := b.db.Begin(true)
	if err != nil {
		t.clear()
		return mapErr(err)
	}
	t.open(b, btx, w)
	if err := t.replay(w.log[:m.log]); err != nil {
		btx.Rollback()
		t.clear()
		return err
	}
	w.log = w.log[:m.log]
	for ns, d := range w.deltas {
		if d.gen == w.gen {
			if d.fresh {
				delete(w.deltas, ns)
			} else {
				d.counter = d.saved
			}
		}
	}
	w.expired, w.garbage, w.swept = m.expired, m.garbage, m.swept
	w.tableChanged, w.sweep, w.dirty = m.tableChanged, m.sweep, m.dirty
	redo := w.removed[m.removed:]
	w.removed = w.removed[:m.removed]
	for _, kk := range redo {
		r, ok, err := t.raw(kk)
		if err == nil && !ok {
			err = fmt.Errorf("bolt: undo: expired key %q is missing", kk[nsLen:])
		}
		if err == nil {
			_, _, err = t.removeExpired(kk, &r)
		}
		if err != nil {
			t.btx.Rollback()
			t.clear()
			return err
		}
	}
	return nil
}

// replay applies logged writes again, without logging them.
func (t *tx) replay(ops []logOp) error {
	for i := range ops {
		op := &ops[i]
		if err := op.apply(t.bucket(op.bucket).bb); err != nil {
			return fmt.Errorf("bolt: undo: replay: %w", err)
		}
	}
	return nil
}

// apply makes the logged write again in bb, without logging it.
func (op *logOp) apply(bb *bolt.Bucket) error {
	switch op.kind {
	case opPut:
		return bb.Put(op.key, op.val)
	case opDelete:
		return bb.Delete(op.key)
	case opSequence:
		return bb.SetSequence(op.seq)
	}
	return fmt.Errorf("bolt: unknown logged write %d", op.kind)
}
