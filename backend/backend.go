// Package backend defines the storage interface that redpool's commands run
// against, the sentinel errors it reports, and the value types it stores.
//
// A Backend holds a fixed number of numbered databases. All access goes
// through transactions in the bbolt style: View for reads, Update for writes.
// A transaction names the database it works on and the keys it touches, so an
// implementation can lock only what the command needs; a transaction that
// names no keys (or sets All) sees the whole store.
//
// Expiry times are absolute Unix times in milliseconds; 0 means "no expiry".
// A key whose expiry time is at or before the backend clock's now is absent
// for every operation (lazy expiry); implementations also reclaim such keys
// in the background (active expiry).
//
// Transactions are not reentrant: fn must not call View, Update or Snapshot.
// A Tx that names keys may touch only those keys; the whole-database
// operations (Scan, RandomKey, Flush, FlushAll, SwapDB, Move, cross-database
// Copy, WithDB) need All (or no keys). Breaking either rule is a bug in the
// caller, reported as ErrNotLocked by the operation, never as a panic.
//
// Update calls its function exactly once. Each backend's constructor takes
// an ExpireFunc that hears of every key expiry removes.
//
// Byte slices passed into a Tx are only read during the call; the backend
// copies what it keeps. Byte slices returned by a Tx, or passed to a callback,
// are valid until the transaction ends (for callbacks: until the callback
// returns) and must not be modified. Callers copy what they keep.
package backend

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrWrongType: the key holds a value of another type.
	ErrWrongType = errors.New("backend: wrong type")
	// ErrNoSuchKey: the operation needs an existing key (LSET, RENAME).
	ErrNoSuchKey = errors.New("backend: no such key")
	// ErrIndexOutOfRange: a list index outside the list (LSET).
	ErrIndexOutOfRange = errors.New("backend: index out of range")
	// ErrTooLarge: the value would exceed the 512 MB string limit.
	ErrTooLarge = errors.New("backend: value too large")
	// ErrClosed: the backend has been closed.
	ErrClosed = errors.New("backend: closed")
	// ErrReadOnlyTx: a write was attempted in a View transaction.
	ErrReadOnlyTx = errors.New("backend: write in read-only transaction")
	// ErrBadDB: a database index outside 0..Databases()-1.
	ErrBadDB = errors.New("backend: database index out of range")
	// ErrNotLocked: the transaction did not lock what the operation needs:
	// a key not named in TxOptions.Keys, or a whole-database or
	// cross-database operation in a transaction opened without All. It is
	// a bug in the caller; the operation changes nothing.
	ErrNotLocked = errors.New("backend: not locked by the transaction")
)

// MaxStringLen is the largest string value, as Redis's proto-max-bulk-len default.
const MaxStringLen = 512 * 1024 * 1024

// Clock tells the backend (and the commands) what time it is. Tests inject
// a ManualClock so that expiry never needs a sleep.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NowMs returns c's time as Unix milliseconds.
func NowMs(c Clock) int64 { return c.Now().UnixMilli() }

// TxOptions says what a transaction works on.
type TxOptions struct {
	// DB is the database the transaction's key operations use.
	DB int
	// Keys are the keys the transaction may touch in DB; touching another
	// one is ErrNotLocked. The backend reads the slice and its contents
	// until View or Update returns and never changes them.
	Keys [][]byte
	// All locks every key of every database: for commands without keys
	// (DBSIZE, FLUSHDB, KEYS, SCAN) and those that cross databases (MOVE,
	// COPY ... DB, SWAPDB, FLUSHALL).
	All bool
	// NoTouch: the transaction's reads and writes do not count as accesses
	// of the keys for their access clocks (OBJECT, as Redis's
	// LOOKUP_NOTOUCH). See Tx.Access.
	NoTouch bool
}

// Backend is a store of numbered databases. It is safe for concurrent use.
type Backend interface {
	// View runs fn in a read-only transaction. fn must not retain tx.
	View(o TxOptions, fn func(tx Tx) error) error
	// Update runs fn in a read-write transaction and commits it when fn
	// returns nil; it returns after the commit is as durable as the backend
	// is configured to make it. fn is called exactly once (unless Update
	// fails before it starts: ErrBadDB, ErrClosed), in some goroutine (not
	// necessarily the caller's), and Update returns its error (or the
	// commit's); so side effects in fn (counters, AOF records) happen
	// once. A panic in fn is raised again in the caller's goroutine. When
	// fn fails (returns an error or panics), a backend with rollback (bolt)
	// discards what fn wrote, while one without (memory) keeps it: fn must
	// validate everything before its first write, so that a failing
	// command changes nothing on either. (Keys that expiry removed while
	// fn ran stay removed on both, and stay reported; see ExpireFunc.)
	Update(o TxOptions, fn func(tx Tx) error) error
	// Databases is the number of databases.
	Databases() int
	// Snapshot fixes a point-in-time view of all data. atomically, if not
	// nil, runs while no write is in progress, at the instant the view is
	// fixed (the AOF uses it to switch files); it must not call the backend.
	// The Snapshot must be closed. Snapshots are serialized: a second call
	// waits until the first snapshot is closed.
	Snapshot(atomically func()) (Snapshot, error)
	// Stats reports counters for INFO.
	Stats() Stats
	// Aux returns the auxiliary data stored under name (Tx.SetAux), nil if
	// none. The result belongs to the caller.
	Aux(name string) ([]byte, error)
	// Close stops background work and releases resources. It is idempotent.
	Close() error
}

// ExpireFunc hears of a key that expiry removed from database db: lazily,
// when a write transaction finds the key expired and deletes it (a read
// transaction only ignores it), or actively, in the backend's background
// cycle. It is called once per removed key, in the goroutine that removes
// it and while the key is still locked, so that whatever it records (a DEL
// in the AOF, a keyspace event, a touch of a WATCHed key) is ordered
// before any later change to the key; a lazy removal is reported before
// the operation that found the key returns. key is valid only during the
// call and must not be modified. The function must be fast and must not call the backend (it runs
// under the backend's locks). Removals it hears of are the ones counted in
// Stats.ExpiredKeys. Each backend's constructor takes one (OnExpire in its
// Options); nil means nobody listens.
type ExpireFunc func(db int, key []byte)

// Prefetcher is an optional interface of a Backend. A session that has
// read several commands at once passes their keys before running them, so
// that the memory reads for all of them overlap instead of stalling one
// after another. Prefetch is only a hint: it changes nothing, may do
// nothing and is safe to call concurrently with anything. Its result is
// derived from the memory it read, so that those reads are not optimised
// away; it means nothing to callers.
type Prefetcher interface {
	Prefetch(db int, keys [][]byte) uint64
}

// ActiveExpiry is an optional interface of a Backend: SetActiveExpiry
// (false) stops the background removal of expired keys until
// SetActiveExpiry(true) (DEBUG SET-ACTIVE-EXPIRE, CLIENT PAUSE). Expired
// keys stay invisible meanwhile; writes still remove those they find.
// Safe for concurrent use.
type ActiveExpiry interface {
	SetActiveExpiry(on bool)
}

// Stats are backend counters for INFO.
type Stats struct {
	Keys        []int64 // live keys per database (may include not-yet-reclaimed expired keys)
	Expires     []int64 // keys with an expiry per database
	ExpiredKeys int64   // keys removed because they expired, since start
	UsedBytes   int64   // approximate bytes held by data
	// Extra holds backend-specific INFO fields (name, value), in order.
	Extra [][2]string
	// ExpireCycle are the active expiry's figures (expirestats.go).
	ExpireCycle ExpireCycleStats
	// LazyFreePending is how many dropped values a background sweeper has
	// still to reclaim, LazyFreed how many it has reclaimed since start
	// (INFO's lazyfree_pending_objects and lazyfreed_objects); 0 for a
	// backend that frees in place.
	LazyFreePending, LazyFreed int64
}

// AuxFunctions is the auxiliary data name of the function libraries
// (FUNCTION LOAD), stored as a FUNCTION DUMP payload.
const AuxFunctions = "functions"

// Snapshot is a point-in-time view of a Backend. Writes made after the
// Snapshot was taken are invisible to it. It is not safe for concurrent use.
type Snapshot interface {
	// Aux returns the auxiliary data at the snapshot's instant, by name.
	// The map and its slices must not be modified.
	Aux() map[string][]byte
	// Each calls fn for every live key, database by database. The Entry and
	// its slices are valid only during the call. Each stops at the first
	// error fn returns, or when ctx is done, and returns that error.
	Each(ctx context.Context, fn func(e *Entry) error) error
	// Close releases the view.
	Close() error
}

// Tx is one transaction on one database (TxOptions.DB), plus the cross-database
// operations allowed when it was opened with All. A Tx is used by one
// goroutine and only during the View or Update call that made it.
type Tx interface {
	// DB is the database this transaction works on.
	DB() int
	// Now is the time the transaction uses for expiry decisions, in Unix ms.
	Now() int64
	// WithDB returns a Tx on database db within the same transaction: the
	// same locks, the same view of the data, the same Now, read-only if
	// this one is (SELECT inside MULTI or a script). It needs All
	// (ErrNotLocked otherwise); a db out of range is ErrBadDB. The result
	// is valid as long as this Tx is, and works like it on db.
	WithDB(db int) (Tx, error)

	// --- keys ---

	// Type returns the type of key, TypeNone if it does not exist.
	Type(key []byte) (Type, error)
	// MemoryUsage estimates the bytes key and its value take in the
	// backend (MEMORY USAGE): exact where the backend keeps the figure,
	// else measured on up to samples elements of a collection and
	// extrapolated (samples <= 0: all of them). ok is false for a missing
	// key. See each backend for what it counts.
	MemoryUsage(key []byte, samples int) (n int64, ok bool, err error)
	// Exists reports whether key exists.
	Exists(key []byte) (bool, error)
	// Delete removes key. It reports whether the key existed.
	Delete(key []byte) (bool, error)
	// ExpireAt returns key's expiry (0 = none) and whether the key exists.
	ExpireAt(key []byte) (at int64, exists bool, err error)
	// SetExpireAt sets key's expiry (0 removes it). It reports whether the
	// key exists. A time at or before Now deletes the key (and reports true).
	SetExpireAt(key []byte, at int64) (bool, error)
	// Rename moves src's value and expiry to dst, replacing dst. It returns
	// ErrNoSuchKey if src does not exist. src == dst is a no-op.
	Rename(src, dst []byte) error
	// Copy copies src (value and expiry) to key dst in database dstDB (which
	// may be DB()). Without replace it does nothing when dst exists. It
	// reports whether it copied. A cross-database Copy needs All.
	Copy(src []byte, dstDB int, dst []byte, replace bool) (bool, error)
	// Move moves key to database dstDB if it does not exist there. It
	// reports whether it moved. Needs All.
	Move(key []byte, dstDB int) (bool, error)
	// Len is the number of keys in DB() (expired keys not yet reclaimed may count).
	Len() (int64, error)
	// Scan visits keys of DB() from cursor (0 = start) and returns the next
	// cursor (0 = done). It visits roughly count keys. Every key that exists
	// during the whole scan is visited at least once; keys may repeat.
	Scan(cursor uint64, count int, fn func(key []byte, t Type) error) (uint64, error)
	// RandomKey returns a random live key of DB(), or nil if it is empty
	// (the empty key is returned as a non-nil empty slice).
	RandomKey() ([]byte, error)
	// Flush removes every key of DB().
	Flush() error
	// FlushAll removes every key of every database. Needs All.
	FlushAll() error
	// SwapDB swaps the contents of two databases. Needs All.
	SwapDB(a, b int) error
	// SetAux stores auxiliary data val under name (see AuxFunctions),
	// replacing what was there; an empty val removes it. Auxiliary data is
	// not a key: FLUSHALL and the key operations leave it alone, and
	// snapshots carry it (Snapshot.Aux). Needs All.
	SetAux(name string, val []byte) error

	// --- strings ---

	// Get returns key's string value. ok is false if key does not exist.
	Get(key []byte) (val []byte, ok bool, err error)
	// Set stores val at key, replacing any value of any type. With keepTTL
	// the existing expiry stays; otherwise expireAt (0 = none) is set.
	Set(key, val []byte, expireAt int64, keepTTL bool) error
	// SetOwned is Set with val given to the backend, which may keep it as
	// the value instead of copying it: the caller never writes val again,
	// and only reads it until its command ends. For a value the session
	// read into a buffer of its own (a big argument of SET).
	SetOwned(key, val []byte, expireAt int64, keepTTL bool) error
	// Append appends val to key's string (creating it) and returns the new length.
	Append(key, val []byte) (int64, error)
	// SetRange overwrites key's string at offset, zero-padding as needed, and
	// returns the new length. An empty val on a missing key creates nothing.
	SetRange(key []byte, offset int64, val []byte) (int64, error)
	// StringForm returns the form key's string was left in by the operation
	// that last wrote it (StringDerived for a missing key). Set, SetOwned,
	// Append on a missing key and a snapshot load leave StringDerived;
	// Append on an existing key and a SetRange that writes leave
	// StringRaw; Rename, Copy and Move keep the form.
	StringForm(key []byte) (StringForm, error)
	// SetStringForm records f as the form of key's string, for the
	// commands whose Redis counterpart leaves another form than the
	// backend write they use (BITOP, INCRBYFLOAT, the HLL commands). A
	// missing key is left alone.
	SetStringForm(key []byte, f StringForm) error

	// --- lists --- (indexes as in Redis: negative counts from the tail)

	// ListLen returns the length of key's list (0 if missing).
	ListLen(key []byte) (int64, error)
	// ListPush pushes vals one by one at the head (left) or tail and returns
	// the new length. With onlyExisting, a missing key is left alone and 0
	// is returned.
	ListPush(key []byte, left bool, vals [][]byte, onlyExisting bool) (int64, error)
	// ListPop removes up to count elements from the head (left) or tail and
	// returns them in pop order. The returned slices belong to the caller.
	// Popping the last element deletes the key.
	ListPop(key []byte, left bool, count int64) ([][]byte, error)
	// ListIndex returns the element at index.
	ListIndex(key []byte, index int64) (val []byte, ok bool, err error)
	// ListSet replaces the element at index (ErrNoSuchKey, ErrIndexOutOfRange).
	ListSet(key []byte, index int64, val []byte) error
	// ListRange calls fn for the elements from start to stop inclusive.
	ListRange(key []byte, start, stop int64, fn func(val []byte) error) error
	// ListTrim keeps only the elements from start to stop inclusive.
	ListTrim(key []byte, start, stop int64) error
	// ListRem removes elements equal to val: count > 0 from the head, < 0
	// from the tail, 0 all. It returns how many it removed.
	ListRem(key []byte, count int64, val []byte) (int64, error)
	// ListInsert inserts val before or after the first element equal to
	// pivot. It returns the new length, -1 if pivot was not found, 0 if the
	// key does not exist.
	ListInsert(key []byte, before bool, pivot, val []byte) (int64, error)
	// ListIter calls fn with each element and its index (from the tail when
	// reverse, with indexes still counted from the head) until fn returns
	// false.
	ListIter(key []byte, reverse bool, fn func(index int64, val []byte) bool) error

	// --- hashes ---

	// HashSet sets field/value pairs (pairs alternate field, value) and
	// returns how many fields are new. With onlyNew, existing fields keep
	// their values.
	HashSet(key []byte, pairs [][]byte, onlyNew bool) (int64, error)
	// HashGet returns a field's value.
	HashGet(key, field []byte) (val []byte, ok bool, err error)
	// HashDel removes fields and returns how many existed. Removing the last
	// field deletes the key.
	HashDel(key []byte, fields [][]byte) (int64, error)
	// HashLen returns the number of fields (0 if missing).
	HashLen(key []byte) (int64, error)
	// HashIter calls fn for each field and value until fn returns false.
	HashIter(key []byte, fn func(field, val []byte) bool) error
	// HashScan visits about count fields from cursor and returns the next
	// cursor (0 = done), with SCAN's guarantee.
	HashScan(key []byte, cursor uint64, count int, fn func(field, val []byte) error) (uint64, error)
	// HashRandom calls fn for count fields of key picked at random, with
	// their values: distinct fields if distinct (every field once when
	// count reaches HashLen), else picked independently, so that a field
	// may repeat. A missing key makes no call. Its cost does not grow with the size of
	// the hash on memory (O(count)); see each backend for its cost.
	HashRandom(key []byte, count int, distinct bool, fn func(field, val []byte) error) error

	// --- sets ---

	// SetAdd adds members and returns how many were new.
	SetAdd(key []byte, members [][]byte) (int64, error)
	// SetRem removes members and returns how many existed. Removing the
	// last member deletes the key.
	SetRem(key []byte, members [][]byte) (int64, error)
	// SetIsMember reports whether member is in key's set.
	SetIsMember(key, member []byte) (bool, error)
	// SetLen returns the number of members (0 if missing).
	SetLen(key []byte) (int64, error)
	// SetIter calls fn for each member until fn returns false.
	SetIter(key []byte, fn func(member []byte) bool) error
	// SetScan visits about count members from cursor and returns the next
	// cursor (0 = done), with SCAN's guarantee.
	SetScan(key []byte, cursor uint64, count int, fn func(member []byte) error) (uint64, error)
	// SetRandom calls fn for count members of key picked at random, as
	// HashRandom picks fields: distinct members if distinct (every member
	// once when count reaches SetLen), else independent picks that may
	// repeat. A missing key makes no call. O(count) on memory; see each
	// backend for its cost.
	SetRandom(key []byte, count int, distinct bool, fn func(member []byte) error) error

	// --- sorted sets ---
	// Elements are ordered by score, equal scores by member bytes. Scores
	// are never NaN. Removing the last element deletes the key.

	// ZAdd adds or updates pairs under flags (see ZAddFlags); with ZAddIncr
	// pairs holds one pair whose score is an increment. A member given
	// twice is applied twice, in order. ErrNotANumber if an increment
	// would make a score NaN (nothing changed).
	ZAdd(key []byte, flags ZAddFlags, pairs []ScoredMember) (ZAddResult, error)
	// ZRem removes members and returns how many existed.
	ZRem(key []byte, members [][]byte) (int64, error)
	// ZScore returns member's score.
	ZScore(key, member []byte) (score float64, ok bool, err error)
	// ZLen returns the number of elements (0 if missing).
	ZLen(key []byte) (int64, error)
	// ZRank returns member's 0-based position in score order, or in
	// reverse order with rev, and its score.
	ZRank(key, member []byte, rev bool) (rank int64, score float64, ok bool, err error)
	// ZIter calls fn for each element in score order until fn returns false.
	ZIter(key []byte, fn func(member []byte, score float64) bool) error
	// ZRange calls fn for each element r selects, in r's order, until fn
	// returns false. O(log n + m) on memory; see each backend for its cost.
	ZRange(key []byte, r ZRange, fn func(member []byte, score float64) bool) error
	// ZCount returns how many elements r selects (ZCOUNT, ZLEXCOUNT),
	// ignoring Offset and Count. O(log n) on memory.
	ZCount(key []byte, r ZRange) (int64, error)
	// ZRemRange removes the elements r selects and returns how many
	// (ZREMRANGEBYRANK/SCORE/LEX), ignoring Rev, Offset and Count.
	ZRemRange(key []byte, r ZRange) (int64, error)
	// ZPop removes up to count elements with the lowest scores (the
	// highest with max) and calls fn for each, in pop order, before it
	// returns.
	ZPop(key []byte, max bool, count int64, fn func(member []byte, score float64)) error
	// ZScan visits about count elements from cursor and returns the next
	// cursor (0 = done), with SCAN's guarantee.
	ZScan(key []byte, cursor uint64, count int, fn func(member []byte, score float64) error) (uint64, error)
	// ZRandom calls fn for count elements picked at random, as SetRandom
	// picks members. O(count) on memory; see each backend for its cost.
	ZRandom(key []byte, count int, distinct bool, fn func(member []byte, score float64) error) error

	// --- streams --- (see StreamMeta, StreamNode, StreamGroup)
	// A stream exists while it has no entries: XSetMeta and XAppend create
	// it, and only key operations (DEL, expiry, ...) remove it. The command
	// layer owns the semantics (ids, trimming, claiming); these operations
	// store what it decides. A group or consumer that does not exist is
	// ErrNoSuchGroup for the operations that change it, ok false (or no
	// calls) for those that read it. Ids are never reused: XAppend's id is
	// greater than every id the stream has held (the caller's rule).

	// XMeta returns key's header; ok is false if key does not exist.
	XMeta(key []byte) (m StreamMeta, ok bool, err error)
	// XSetMeta stores m's LastID, FirstID, MaxDeletedID and EntriesAdded,
	// creating an empty stream if key does not exist.
	XSetMeta(key []byte, m StreamMeta) error
	// XAppend adds an entry (fields alternate field, value; at least one
	// pair), creating the stream if needed. It starts a new node when
	// newNode is set or the stream has none; else it appends to the last
	// node. cost is added to the node's EntriesBytes.
	XAppend(key []byte, id StreamID, fields [][]byte, newNode bool, cost int64) error
	// XRange calls fn for each entry with start <= id <= end, ascending
	// (descending with rev), until fn returns false. O(log n + m).
	XRange(key []byte, start, end StreamID, rev bool, fn func(id StreamID, fields [][]byte) bool) error
	// XDelete deletes the entry id and reports whether it existed; a node
	// left with no live entry is removed. O(log n) on both backends.
	XDelete(key []byte, id StreamID) (bool, error)
	// XNodes calls fn for each node, first (oldest) first, until fn
	// returns false.
	XNodes(key []byte, fn func(n StreamNode) bool) error
	// XTailNode returns the last node; ok is false if there is none.
	XTailNode(key []byte) (n StreamNode, ok bool, err error)
	// XRemoveNode removes the node whose master is master with all its
	// entries (trimming) and returns how many live entries it held.
	XRemoveNode(key []byte, master StreamID) (int64, error)

	// XGroups calls fn for each group, in name byte order, until fn
	// returns false.
	XGroups(key []byte, fn func(g StreamGroup) bool) error
	// XGroup returns the group name.
	XGroup(key, name []byte) (g StreamGroup, ok bool, err error)
	// XSetGroup creates group g.Name, or updates its LastID and
	// EntriesRead. It reports whether it created it. The key must exist
	// (ErrNoSuchKey).
	XSetGroup(key []byte, g StreamGroup) (created bool, err error)
	// XDelGroup removes a group with its consumers and PEL.
	XDelGroup(key, name []byte) (bool, error)

	// XConsumers calls fn for each consumer of group, in name byte order,
	// until fn returns false.
	XConsumers(key, group []byte, fn func(c StreamConsumer) bool) error
	// XConsumer returns a consumer of group.
	XConsumer(key, group, name []byte) (c StreamConsumer, ok bool, err error)
	// XSetConsumer creates consumer c.Name in group, or updates its
	// SeenTime. It reports whether it created it.
	XSetConsumer(key, group []byte, c StreamConsumer) (created bool, err error)
	// XDelConsumer removes a consumer and its entries from the group's PEL;
	// it returns how many pending entries it had.
	XDelConsumer(key, group, name []byte) (pending int64, ok bool, err error)

	// XPending calls fn for the PEL entries of group with start <= id <=
	// end, ascending, until fn returns false: all of them, or only
	// consumer's when consumer is not nil. O(log n + m).
	XPending(key, group, consumer []byte, start, end StreamID, fn func(p StreamPending) bool) error
	// XPendingEntry returns the PEL entry id of group.
	XPendingEntry(key, group []byte, id StreamID) (p StreamPending, ok bool, err error)
	// XSetPending adds or replaces the PEL entry p.ID of group, owned by
	// p.Consumer (moving it from its previous owner), which must exist
	// (ErrNoSuchGroup). O(log n).
	XSetPending(key, group []byte, p StreamPending) error
	// XAck removes the PEL entry id of group (and from its consumer) and
	// reports whether it was there. O(log n).
	XAck(key, group []byte, id StreamID) (bool, error)

	// --- access clock (OBJECT IDLETIME/FREQ, RESTORE, maxmemory) ---

	// Access returns key's access clock as Redis's OBJECT reads it, without
	// counting as an access: idle is the seconds since the last access (as
	// estimateObjectIdleTime / 1000) and freq the LFU counter after decay
	// (LFUDecrAndReturn). Only the figure of the policy the backend is
	// configured with (AccessConfig.LFU) means anything. ok is false for a
	// missing key. A backend that keeps no clock answers 0 and
	// LFUInitVal, as Redis does for a key just created.
	Access(key []byte) (idle int64, freq int, ok bool, err error)
	// Touch counts an access of key (TOUCH) and reports whether it exists.
	// Exists and Type do not count one, as in Redis.
	Touch(key []byte) (bool, error)
	// SetAccess sets key's clock as RESTORE's IDLETIME and FREQ do (Redis's
	// objectSetLRUOrLFU): with an LFU policy freq (0..255) when freq >= 0,
	// else idleSeconds when >= 0; -1 means not given. It reports whether
	// the key exists. A backend that keeps no clock only reports that.
	SetAccess(key []byte, idleSeconds int64, freq int) (bool, error)
}

// LFUInitVal is the LFU counter of a new key (Redis's LFU_INIT_VAL).
const LFUInitVal = 5

// AccessConfig is how an Evictor keeps its keys' access clocks: Redis's
// maxmemory-policy (LFU or not), lfu-log-factor and lfu-decay-time.
type AccessConfig struct {
	LFU       bool
	LogFactor int // lfu-log-factor (default 10)
	DecayTime int // lfu-decay-time in minutes (default 1; 0: no decay)
}

// EvictPolicy is a maxmemory-policy that evicts (not noeviction).
type EvictPolicy uint8

// The eviction policies; Volatile ones pick only keys with an expiry.
const (
	EvictLRU EvictPolicy = iota
	EvictLFU
	EvictRandom
	EvictVolatileLRU
	EvictVolatileLFU
	EvictVolatileRandom
	EvictVolatileTTL
)

// Volatile reports whether p picks only keys with an expiry.
func (p EvictPolicy) Volatile() bool { return p >= EvictVolatileLRU }

// EvictFunc hears of a key that eviction removed from database db, as
// ExpireFunc hears of expiries: in the evicting goroutine, with the key
// still locked, before Evict returns. key is valid only during the call.
// It must not call the backend.
type EvictFunc func(db int, key []byte)

// Evictor is an optional interface of a Backend whose data lives in memory
// and can be evicted for maxmemory, with Redis's approximated LRU/LFU.
type Evictor interface {
	// SetAccessConfig changes how access clocks are kept from now on
	// (existing clocks are not converted, as in Redis).
	SetAccessConfig(c AccessConfig)
	// UsedBytes is the data's accounted size (Stats.UsedBytes), without
	// the rest of Stats (the engine reads it at most every millisecond).
	UsedBytes() int64
	// Evict removes one key chosen by p, sampling samples keys per
	// database into an eviction pool as Redis's performEvictions does,
	// reports it to fn and returns the bytes it accounted for. ok is false
	// when no key can be evicted (an empty store; no key with an expiry
	// for a volatile policy).
	Evict(p EvictPolicy, samples int, fn EvictFunc) (freed int64, ok bool)
}
