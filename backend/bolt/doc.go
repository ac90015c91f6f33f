// Package bolt is a disk backend for redpool built on bbolt
// (go.etcd.io/bbolt). It implements backend.Backend with the same semantics
// as the in-memory backend, and keeps every list, hash and set operation at
// O(log n) in the collection's size plus the elements it returns (streams:
// see "Streams").
//
// # Key layout
//
// The file holds five top-level buckets. All integers are big endian, so
// bbolt's byte order is numeric order.
//
//	meta     "format"         -> "redpool-bolt/1"
//	         "dbs"            -> ns(4) ns(4) ...      logical db i -> namespace id
//	         "nsseq"          -> uint32               last namespace id handed out
//	         'c' ns(4)        -> keys(8) expires(8)   per-namespace counters
//
//	keys     ns(4) key        -> metadata record (one per key)
//
//	data     id(8) subkey     -> element           list: subkey = pos(8)
//	                                               hash: subkey = field
//	                                               set:  subkey = member, element ""
//	                                               zset: three families, see below
//	                                               stream: seven families, see below
//	                                               (a collection's family)
//
//	expire   at(8) ns(4) key  -> ""                active-expiry index, by time
//
//	garbage  'i' id(8)        -> elements(8)       data of a dropped collection
//	         'n' ns(4)        -> keys(8)           a flushed namespace
//	         't' id(8)        -> floor(16)         a stream's entries trimmed below floor
//
// With Options.SlotIndex two more buckets index the keys by cluster hash
// slot, and meta's "slotindex" marks the index complete (see slot.go):
//
//	slots       ns(4) slot(2) key -> ""
//	slotcounts  ns(4) slot(2)     -> keys(8) expires(8)
//
// A metadata record is
//
//	string:     type(1) expireAt(8) value...           value stored inline
//	list:       type(1) expireAt(8) id(8) head(8) tail(8)
//	collection: type(1) expireAt(8) id(8) size(8)      hash, set, zset, stream, and every type to come
//
// type is the backend.Type; a record of a type with no row in backend's
// registry is reported as damaged, and writing one is an error (never
// another type's layout).
//
// expireAt is absolute Unix milliseconds (0 = none). id is the collection's
// data id (its "version"): a number taken from the data bucket's sequence
// when the collection is created and never reused, so the data of a key
// that was deleted and re-created, renamed or moved can never collide with
// live data. A list's elements sit at positions head <= pos < tail (pos is
// an int64 with the sign bit flipped so that it sorts numerically); a push
// at either end is one put, LINDEX and LSET are one point lookup, LRANGE is
// a seek plus a cursor walk. LINSERT and LREM shift the elements on one
// side, O(n) as in Redis. A hash field is one data key, and so is a set
// member (SISMEMBER is one point lookup).
//
//	keys:  [ns 1]["mylist"] -> list  exp=0 id=42 head=-2 tail=3
//	data:  [42][pos -2] -> "a"                  LPUSH went left twice
//	       [42][pos -1] -> "b"
//	       [42][pos  0] -> "c"                  RPUSH went right three times
//	       [42][pos  1] -> "d"
//	       [42][pos  2] -> "e"
//	       [43]["f1"]   -> "v1"                 a hash with id 43
//
// Every collection type works through one helper, coll (collection.go): it
// opens or creates the record, gets, puts, deletes and iterates the
// subkeys of the family, picks a random element, and saves the record
// with its new size, or removes the key when it is left empty. A new
// collection type is its Tx methods on coll and nothing else in this
// package (set.go is the whole of the set type).
//
// A random element (HashRandom, SetRandom, ZRandom: HRANDFIELD,
// SRANDMEMBER, SPOP, ZRANDMEMBER) is a random descent of the family's keys
// (see randomIn): O(log n) page reads, every element reachable but not
// with equal chances (an element alone on a sparse page comes out more
// often). All three read a collection of at most 64 elements whole and
// sample it uniformly instead, and walk a larger one once (O(n)) for a
// distinct count above a third of its size (coll.sample).
//
// # Sorted sets
//
// A sorted set (zset.go) has three families of data keys under its id:
//
//	id 'm' member          -> score(8)    ZSCORE, membership: one lookup
//	id 's' sort(8) member  -> score(8)    the index, in Redis's order
//	id 'c' fence           -> count(8)    rank chunks over the index
//
// score(8) is the float64's bits (so -0 stays -0, as Redis keeps it in a
// skiplist). sort(8) is an order-preserving encoding of the score: +0 for
// -0, then the bits with the sign bit flipped for a positive score and all
// bits flipped for a negative one, so -inf sorts first, +inf last, and -0
// and +0 are equal, which leaves equal scores in member byte order. A score
// or lex range is a span of index keys found by one seek, O(log n + m);
// a lex range over unequal scores (which Redis leaves undefined) follows
// Redis's listpack walk and costs O(n).
//
// Ranks use counted chunks rather than O(rank) walks. The chunks cut the
// index into runs of consecutive elements: a chunk holds the elements at or
// after its fence (an index key without id 's'; the first chunk's fence is
// empty) and before the next chunk's, and stores their count. Adding or
// removing an element updates its chunk's count; a chunk of more than B
// = 512 elements splits in two halves (a walk of B/2 index keys), and one
// that falls below B/4 merges with a neighbour (splitting again if the two
// exceed B). So an n-element set has at most 4n/B + 1 chunks (about n/380
// when built in random order: some 520 at 200,000), and a write costs
// O(log n) plus an amortised O(1) for splits and merges. ZRANK sums the
// counts of the chunks before the member's and walks its chunk up to it;
// ZRANGE and ZREMRANGEBYRANK by index find their first rank by summing
// chunks from the nearer end, then walk; ZCOUNT and ZLEXCOUNT sum the
// chunks between the ends of the range; a LIMIT offset beyond B steps over
// whole chunks. A rank thus costs O(n/B + B) cursor steps (a count of m
// elements O(m/B + B), an offset o O(o/B + B)).
//
// Measured at 200,000 members on this shared, loaded 2-core machine
// (TestZSetLarge, one call each, wall clock; the benchmarks, the mean over
// random members): ZADD of a new member (one Update, SyncNone) 0.5-1.1 ms
// (BenchmarkZAddLarge 0.81 ms), ZSCORE 11-38 us (6.8 us), ZRANK of the
// middle member 18-24 us (any member: 79 us), ZRANGE of 10 from the middle
// by index 20 us (any start: 42 us), ZRANGEBYSCORE of 10 (10 us), with
// LIMIT 100000 10 10-140 us, ZCOUNT of half the set 0.25-0.7 ms, ZREM 0.1-
// 0.2 ms, DEL 0.03-1.4 ms. Walking to the middle member, as an O(rank)
// ZRANK would, takes 17 ms.
//
// ZPOPMIN/ZPOPMAX walk count elements from an end and delete them,
// O(count log n); popping, or removing by range, every element removes the
// key instead (O(1) for a large set: the sweeper deletes the data).
// ZRANDMEMBER picks from the member family as SRANDMEMBER does (above):
// O(log n) per pick and not uniform in a set of more than 64 elements.
//
// # Streams
//
// A stream (stream.go) has seven families of data keys under its id:
//
//	id 'h'                                -> header       LastID FirstID MaxDeletedID EntriesAdded Length Nodes Groups [Floor]
//	id 'e' id(16)                         -> entry        flag, then count lp(value)... or count lp(field) lp(value)...
//	id 'n' master(16)                     -> node         Last(16) Live(8) Total(8) EntriesBytes(8) count lp(name)...
//	id 'g' group                          -> group        LastID(16) EntriesRead(8) Pending(8) Consumers(8)
//	id 'c' lp(group) consumer             -> consumer     SeenTime(8) Pending(8)
//	id 'p' lp(group) id(16)               -> group PEL    DeliveryTime(8) DeliveryCount(8) consumer
//	id 'q' lp(group) lp(consumer) id(16)  -> consumer PEL DeliveryTime(8) DeliveryCount(8)
//
// id(16) is the entry id as two big-endian uint64s (ms, seq), so byte
// order is id order; lp(x) is x after its uvarint length, so no group's
// (or consumer's) keys are a prefix of another's ("a" and "ab", or "a"
// and "a\x00"). The header's figures are 8-byte integers too.
//
// Entries are their own data keys in id order: XRANGE and XREVRANGE seek
// once and walk, O(log n + m) wherever the range starts. Node records
// mirror Redis's listpack nodes (the command layer decides when a node is
// full, and trims whole nodes): an entry belongs to the node with the
// greatest master <= its id, found by one reverse seek. As in Redis, an
// entry whose field names are its node's master fields stores its values
// alone (flag 1; flag 0 stores every field), and XRange reads a node's
// master fields once per node it enters. XAppend writes the entry, its
// node and the header; XDelete deletes the entry and updates (or, at its
// last live entry, deletes) its node: both O(log n). XRemoveNode deletes
// the node's k entries, O(log n + k); but trimming, which removes the
// first node, then the next, ..., goes behind a trim floor
// (stream_trim.go): XRemoveNode of the first node of more than 64 live
// entries raises the header's Floor past it, every read starts at the
// floor, and the garbage bucket's 't' id -> floor has the sweeper delete
// the keys below it in the background, in transactions of at most 1000
// deletes. So trimming k entries in nodes of 100 costs the caller
// O(k/100 log n), and the floor is durable with the trim (the sweep
// resumes after a restart). Through the server, on the 1,000,000-entry
// stream under a load average of 25-38 (TestStreamLarge with
// REDPOOL_LARGE=1), XTRIM MAXLEN ~ 1000 (Redis's default LIMIT: 100
// nodes, 10,000 entries a call) took a median 0.48 ms with SyncNone
// (256 ms when it deleted them) and 8.9 ms with SyncAlways (59 ms; a SET
// took 3.5 ms there), and DEL 0.13 ms and 2.2 ms.
//
// A consumer group's PEL is a family keyed by group and id, holding the
// owner and the delivery time and count; each consumer's PEL is another,
// keyed by group, consumer and id, holding the time and count again, so
// XPENDING of a consumer is a walk too. XSetPending writes both (moving
// the entry between consumers' PELs when its owner changes) and the
// consumer and group records with their Pending counts; XAck deletes both:
// O(log n). XGROUP DELCONSUMER costs O(log n) per entry the consumer had
// pending; XGROUP DESTROY deletes the group's consumers and PEL entries.
//
// The record's size counts the stream's data keys, the header included.
// A stream with no entries (XGROUP CREATE MKSTREAM, XTRIM to 0, XDEL of
// every entry) still has its header, so its size never reaches 0 and
// coll.save, which removes a collection emptied of elements, keeps it:
// a stream lives until DEL or expiry. The count is also what dropData and
// the sweeper are told, so a large stream's DEL is O(1) like any other
// collection's, and RENAME, MOVE and COPY (every key under the id, all
// seven families) need nothing of their own.
//
// Measured on a 1,000,000-entry stream (entries of two field-value
// pairs, 100 per node) on this shared 2-core machine under a load average
// of about 24, wall clock, SyncNone: one call each (TestStreamLarge with
// REDPOOL_LARGE=1), then in parentheses the mean of 500 calls, one Update
// or View each, in two runs (BenchmarkStreamLarge). Building it in
// Updates of 20,000 entries took 43 s (43 us an entry); XAppend 0.24 ms
// (0.08-0.68 ms); XRANGE of 10 from the middle 16 us (0.11-0.15 ms from
// random places, of which a CPU profile finds about 7 us of CPU: the rest
// is waiting for a core); XDelete 0.15 ms (0.16-0.38 ms); XSetPending
// 0.15 ms (0.13-0.54 ms); XAck 0.06 ms (0.10-0.62 ms); XRemoveNode of 10
// nodes, 1,000 entries, 29 ms (6.1-6.6 ms) when it deleted them, 0.3 ms
// (at 100,000 entries) behind the trim floor; DEL 45 us, after which the
// sweeper took 7.9 s in the background. The file takes 129 bytes an
// entry (keys and values 40, plus bbolt's element headers, pages left
// half full by its splits, branch pages and free pages).
//
// Because elements are addressed by id rather than by key, RENAME and MOVE
// are O(1): they move the metadata record (and its expiry-index entry) and
// keep the id. COPY of a collection is O(n): the elements are copied under a
// fresh id.
//
// # Deletion and the sweeper
//
// DEL, an overwrite or the expiry of a collection is O(1): the metadata
// record goes, and 'i' id -> element count goes to the garbage bucket
// (collections of at most 64 elements are deleted on the spot instead). A
// background sweeper deletes the stale data keys in small transactions of
// at most 1000 deletes that stop after 2 ms of deleting, each followed by
// a pause as long as it took, commit included (at most 20 ms), so that it
// holds the writer at most about half the time and never for long: while
// it swept a dropped 200,000-entry stream (SyncNone, the loaded machine)
// the median SET took 34-56 us (idle: 30-50 us), against 9 ms with
// back-to-back transactions of 1000 deletes, and the sweep took no longer.
//
// Logical databases map to namespaces through the "dbs" table. SWAPDB swaps
// two entries of the table; FLUSHDB and FLUSHALL give the database a fresh
// namespace and put 'n' ns in the garbage bucket; the sweeper then deletes
// the old namespace's records, expiry entries and data, again in small
// transactions. All three are O(1) for the caller whatever the size of the
// database. The expiry index is keyed by namespace, not logical database, so
// SWAPDB does not touch it.
//
// # Expiry
//
// A key whose expireAt is at or before the transaction's Now is absent for
// every operation. In a write transaction an expired key that is met is also
// deleted (counted in ExpiredKeys and reported to Options.OnExpire); a read
// transaction just treats it as absent. Every 100 ms a background goroutine
// deletes due keys from the expiry index, at most 1000 per transaction,
// and reports them the same way.
//
// # Writes and group commit
//
// A caller of Update queues its function. If no batch is being run, the
// caller runs one itself: it takes every queued function, runs them one
// after another in one bbolt read-write transaction (taking those that
// queue meanwhile too, up to 1000), commits, and wakes their callers. If
// more queued during its commit, it hands them to the committer goroutine,
// which runs batch after batch until the queue is empty. A lone writer
// therefore commits at once, with no batching delay and no goroutine
// switch, while writers that pile up during a commit (and its fsync) share
// the next one: 50 concurrent writers do not pay 50 fsyncs, and under load
// one goroutine runs the batches back to back. Each function runs exactly
// once. If one fails after it has written, or panics, its writes alone are
// undone (every write of a batch is logged, and undoing one function
// replays the log of those before it in a fresh bbolt transaction; see
// undo.go) and the batch goes on; its caller gets its error or panic. A
// function that fails before writing costs nothing extra. Update returns
// after the commit, with the durability of Options.Sync:
//
//	SyncAlways  the batch's writes are in the write-ahead log, fdatasynced,
//	            before Update returns (see "Write-ahead log").
//	SyncBatch   commits are not fsynced; a syncer goroutine fdatasyncs the
//	            file within 10 ms of any commit. A process crash loses
//	            nothing; a power failure can lose the last 10 ms and, as with
//	            any bbolt NoSync commit, can leave the file damaged.
//	SyncNone    no fsync at all (bbolt NoSync).
//
// Reads run in bbolt read-only transactions, concurrently with each other
// and with the writer.
//
// # Write-ahead log
//
// bbolt fdatasyncs a commit twice (its pages, then its meta page) and
// rewrites a page and a half for a one-key write, which held SyncAlways
// to about half of Redis's appendfsync always. So SyncAlways commits
// batches to bbolt without fsyncs and appends each batch's writes to a
// log beside the file, <file>.wal, with one fdatasync; Update returns
// after it. The log's fdatasync is the durability point, on a power loss
// as on a process crash: an acknowledged write is in the log. Reads see a
// batch once bbolt has committed it, as before (another client may read a
// write a moment before its writer is acknowledged, as in Redis).
//
// The log holds what undo.go logs anyway: each put, delete and bucket
// sequence of the batch, with its bucket, key and absolute value, so
// replaying it is idempotent given the state it started from. A record is
// its length, a CRC-32C and the ops; the file starts with a magic, a
// version and the bbolt meta pages of its checkpoint, and is zero-filled
// ahead of its records (so most fdatasyncs write no file size).
//
// A checkpoint, once a second or every 32 MB of log, fdatasyncs the bbolt
// file (most of it beforehand, outside the writers' lock), copies the
// file's two meta pages into the header of a new log, and renames that
// over the old one. bbolt's unsynced commits cannot survive a power loss
// by themselves (a meta page may reach the disk before its pages, and a
// commit reuses pages the one before it freed), so a read transaction
// stays open on the checkpoint until the next one (INFO's
// bolt_open_read_txs counts it): bbolt then reuses none of the
// checkpoint's pages, and the checkpoint's tree is intact on disk
// whatever else was or was not written (the file grows by the pages the
// commits of one interval free). The pinned read transaction also
// stops bbolt from growing its memory map, so a logged database maps
// 64 GB (address space only); a batch that could need more stops the log
// for good (the file is synced, the log removed, and bbolt fsyncs every
// later commit, as before).
//
// Open takes the file's lock, and if a log exists writes its meta pages
// back into the file, which takes the file back to the checkpoint, then
// replays the log's records in one bbolt transaction (fsynced), removes
// the log and starts a new one. A record cut short or damaged ends the
// log: it and anything after it are dropped (they were never
// acknowledged, since a record is acknowledged only after its fdatasync,
// and records are written in order). Open refuses a file whose meta
// pages are both valid and older than the log's checkpoint (a backup put
// back beside a newer log). Replay is bounded by the checkpoint interval,
// so startup stays fast. Open recovers a log in every sync mode, so a
// crash followed by a start with another mode loses nothing; Close syncs
// the file and removes the log. Do not copy the file alone while a logged
// database is open or after a crash: the file and its log belong
// together (the file is consistent after Close).
//
// Under load, a logged batch smaller than recent batches waits for more
// writers, at most a quarter of the recent fdatasync time (20 us to 1
// ms): the writers come back in a wave after each fdatasync, and the one
// that arrives first would otherwise cost the others a second fdatasync.
// A failed write to the log or a failed checkpoint rename makes every
// later write fail (Redis stops when it cannot fsync its AOF), since the
// batch it belonged to may be visible and not durable.
//
// # Scan cursors
//
// A SCAN or HSCAN cursor is a uint64: 5 bytes of position prefix, its
// length, a slot number and a generation. The slot, in an in-memory table
// of 4096 entries, holds the exact key the next call starts at. A scan
// keeps its slot from call to call and a new scan takes the least recently
// used slot, so a scan loses its slot only when 4096 other scans were used
// since its last call (or the server restarted). It then resumes at the
// prefix kept in the cursor, which sorts at or before the lost position: it
// may repeat keys but skips none that existed for the whole scan. (When the
// last key returned and the next one differ within 5 bytes, the prefix is
// their shortest separator and the resumption is exact.)
//
// # Snapshots
//
// Snapshot waits for the batch in progress to commit and opens a bbolt
// read transaction while holding off new write functions, so
// no write is in progress when atomically runs (which therefore must not
// call Update). The read transaction is held until the Snapshot is closed,
// so Each reads one consistent view however long it takes. Meanwhile it
// pins the pages it sees (the file grows instead of reusing them), and a
// commit that needs to grow the memory map beyond its current size (at
// least Options.InitialMmapSize, 256 MB by default) waits until the
// snapshot is closed, because bbolt cannot remap while a read transaction
// is open. Close the Snapshot promptly, and never wait for an Update while
// holding one.
//
// # Access clocks and maxmemory
//
// bolt keeps no per-key access clock: recording every read would turn
// reads into writes of the file (or need an unbounded side table), and
// bolt does not evict. Tx.Access answers idle 0 and backend.LFUInitVal
// for every existing key, as Redis answers for a key just created, so
// OBJECT IDLETIME is 0 and OBJECT FREQ is 5 (each after Redis's policy
// check), and Tx.SetAccess (RESTORE ... IDLETIME/FREQ) only reports
// whether the key exists. A bolt DB does not implement backend.Evictor:
// its data lives on disk, in the page cache the kernel manages, so the
// server refuses a maxmemory other than 0 with this backend (at start-up
// and in CONFIG SET) instead of accepting a limit that limits nothing.
//
// # Limits
//
// bbolt keys are at most 32768 bytes, so a key may be at most 32756 bytes
// a hash field or set member at most 32760 bytes, and a sorted-set member
// at most 32751 bytes (its index key holds the score too), a stream's
// group name at most 32733 bytes and a group and consumer name together at
// most 32723 (a consumer's PEL keys hold both and an id); longer ones fail
// with backend.ErrTooLarge.
//
// A string is one inline value, and bbolt rewrites a value whole: every
// write to a string (SETRANGE, APPEND, and the bitmap commands, whose
// SETBIT and BITFIELD change one byte or a few through SetRange) copies
// the whole string into a new record, O(its length) per command. SETBIT
// on a 1 MB bitmap writes 1 MB (plus the pages it spans, at the commit);
// reads (GETBIT, BITCOUNT, BITPOS, BITFIELD_RO) use the value in place,
// without a copy. The memory backend changes the bytes in place.
package bolt
