package command

import (
	"errors"
	"sync/atomic"
	"time"

	"redpool/backend"
)

// Keyspace notifications: what a command records, and how it reaches the
// world after the commit.
//
// A handler calls c.Notify(class, event, key) for each event Redis emits
// for it ("set", "lpush", "del", "expired", ...), after the change. The
// event is recorded only when notify-keyspace-events enables its class, so
// that the cost is one atomic load when notifications are off (the
// default). Recorded events are delivered by the engine's Notifier once
// the transaction commits, in the order they were recorded; a transaction
// that fails delivers none.

// NotifyClass is a set of notify-keyspace-events classes, with Redis's bit
// values (NOTIFY_KEYSPACE ... NOTIFY_NEW in server.h).
type NotifyClass uint32

// The classes, one per letter of notify-keyspace-events.
const (
	NotifyKeyspace NotifyClass = 1 << iota // K
	NotifyKeyevent                         // E
	NotifyGeneric                          // g
	NotifyString                           // $
	NotifyList                             // l
	NotifySet                              // s
	NotifyHash                             // h
	NotifyZSet                             // z
	NotifyExpired                          // x
	NotifyEvicted                          // e
	NotifyStream                           // t
	NotifyKeyMiss                          // m
	NotifyLoaded                           // module key loaded (no letter)
	NotifyModule                           // d
	NotifyNew                              // n
)

// Notifier delivers committed keyspace events (publishes them on the
// __keyspace@db__ and __keyevent@db__ channels). It is called from the
// goroutine that ran the command, after the commit and with no lock held,
// except for "expired", which comes from the backend's expiry under the
// lock of the key (Engine.KeyExpired): it must not call the backend. It
// must be safe for concurrent use. key belongs to the Notifier.
type Notifier interface {
	Notify(db int, class NotifyClass, event string, key []byte)
}

// notifyConfig is the engine's current notify-keyspace-events setting.
type notifyConfig struct {
	mask atomic.Uint32 // NotifyClass; 0 = off
}

// enabled reports whether events of class are delivered at all: class is
// enabled and at least one of K and E is.
func (n *notifyConfig) enabled(class NotifyClass) bool {
	m := NotifyClass(n.mask.Load())
	return m&class != 0 && m&(NotifyKeyspace|NotifyKeyevent) != 0
}

// notifyEvent is one recorded event. key is a copy.
type notifyEvent struct {
	db    int
	class NotifyClass
	event string
	key   []byte
}

// Notify records a keyspace event for key, in the database the command
// works on, to be delivered after the commit.
func (c *Ctx) Notify(class NotifyClass, event string, key []byte) {
	if !c.e.notify.enabled(class) {
		return
	}
	db := c.Client.DB()
	if c.Tx != nil {
		db = c.Tx.DB()
	}
	c.NotifyDB(db, class, event, key)
}

// NotifyDB is Notify for a key of database db.
func (c *Ctx) NotifyDB(db int, class NotifyClass, event string, key []byte) {
	if !c.e.notify.enabled(class) {
		return
	}
	c.fx.events = append(c.fx.events, notifyEvent{db, class, event, append([]byte(nil), key...)})
}

// deliverEvents hands the committed events to the notifier, removing the
// expired keys the transaction's reads found first (expireStale).
func (c *Ctx) deliverEvents() {
	stale := len(c.fx.stale) > 0
	for _, ev := range c.fx.events {
		if stale && ev.class == NotifyKeyMiss {
			c.expireStale(ev.db, ev.key)
		}
		if c.e.notifier != nil {
			c.e.notifier.Notify(ev.db, ev.class, ev.event, ev.key)
		}
	}
	if stale {
		c.expireStale(-1, nil)
		// The removal invalidated the read's keys for the clients
		// tracking them, the reader too (it registers before it reads);
		// Redis remembers a read's keys after it, so they stay tracked.
		if c.spec != nil && c.spec.Flags&ReadOnly != 0 && c.Args != nil {
			c.trackRead(c.spec, c.Args)
		}
	}
}

// Reads of expired keys.
//
// A read transaction cannot delete, so a read that meets an expired key
// ignores it and the backend lists it (staleTaker); the dispatcher notes
// the list as each command ends (noteStale). Once the transaction is
// over, and before the reply is sent, each such key is removed in a write
// transaction of its own, if it is still expired then, as Redis's
// expireIfNeeded does during the read: the backend deletes it and reports
// the expiry (Engine.KeyExpired: the "expired" event, tracking
// invalidations), and a DEL goes to the AOF. The removals are interleaved
// with the command's events so that "expired" comes just before the
// read's "keymiss" for the key, as in Redis. Reads of live keys pay one
// interface check per command.

// staleTaker is implemented by the backends' transactions: TakeStale
// returns the keys of the transaction's database that a read found
// expired and left in place, and forgets them.
type staleTaker interface {
	TakeStale() [][]byte
}

// noteStale records the expired keys the command that just ran in tx
// found and could not delete.
func (c *Ctx) noteStale(tx backend.Tx) {
	st, ok := tx.(staleTaker)
	if !ok {
		return
	}
	db := tx.DB()
next:
	for _, k := range st.TakeStale() {
		for _, s := range c.fx.stale {
			if s.db == db && string(s.key) == string(k) {
				continue next // met again (MGET k k): removed once
			}
		}
		c.fx.stale = append(c.fx.stale, dbKey{db, append([]byte(nil), k...)})
	}
}

// expireStale removes the noted expired keys that are key of database db
// (db < 0: all of them) and still expired, each in a write transaction
// of its own. It runs after the transaction that noted them, with no
// lock held.
func (c *Ctx) expireStale(db int, key []byte) {
	if c.e.pause.on.Load() {
		// As Redis's expireIfNeeded: while a pause holds writes, an
		// expired key reads as missing but stays.
		if held, _, _ := c.e.pause.holds(true, time.Now()); held {
			c.fx.stale = c.fx.stale[:0]
			return
		}
	}
	for i := range c.fx.stale {
		s := &c.fx.stale[i]
		if s.key == nil || db >= 0 && (s.db != db || string(s.key) != string(key)) {
			continue
		}
		c.expireKey(s.db, s.key)
		s.key = nil
	}
}

// expireKey removes key of database db if it is expired: a lookup in a
// write transaction deletes it and the backend reports it. A DEL is
// logged whenever the key is gone by then, under its lock: if another
// client removed it first, the DEL changes nothing where it stands in
// the log.
func (c *Ctx) expireKey(db int, key []byte) {
	keys := append(c.keyScratch[:0], key)
	_ = c.e.backend.Update(backend.TxOptions{DB: db, Keys: keys}, func(tx backend.Tx) error {
		ok, err := tx.Exists(key)
		if err != nil || ok || c.e.log == nil {
			return err
		}
		c.logSeq = max(c.logSeq, c.e.log.Append(db, [][]byte{[]byte("DEL"), key}))
		return nil
	})
	clear(keys)
	c.keyScratch = keys[:0]
}

// NotifyAll is what "A" stands for in notify-keyspace-events: every class
// of event ("g$lshzxetd"), not the key-miss and new-key ones.
const NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
	NotifyZSet | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule

// notifyLetters are the classes of notify-keyspace-events in the order
// Redis prints them (keyspaceEventsFlagsToString); those in NotifyAll are
// printed as "A" when all of them are set.
var notifyLetters = [...]struct {
	c     byte
	class NotifyClass
}{
	{'g', NotifyGeneric}, {'$', NotifyString}, {'l', NotifyList}, {'s', NotifySet},
	{'h', NotifyHash}, {'z', NotifyZSet}, {'x', NotifyExpired}, {'e', NotifyEvicted},
	{'t', NotifyStream}, {'d', NotifyModule}, {'n', NotifyNew},
	{'K', NotifyKeyspace}, {'E', NotifyKeyevent}, {'m', NotifyKeyMiss},
}

// ParseNotifyClasses parses a notify-keyspace-events value as Redis's
// keyspaceEventsStringToFlags: any of "Ag$lshzxeKEtmdn", in any order,
// repeats allowed; "" is none. ok is false for any other character.
func ParseNotifyClasses(s string) (classes NotifyClass, ok bool) {
next:
	for i := range len(s) {
		if s[i] == 'A' {
			classes |= NotifyAll
			continue
		}
		for _, l := range notifyLetters {
			if l.c == s[i] {
				classes |= l.class
				continue next
			}
		}
		return 0, false
	}
	return classes, true
}

// String returns the classes as CONFIG GET notify-keyspace-events prints
// them: "A" for all of NotifyAll, else its letters and "n", then "K",
// "E" and "m", in Redis's order.
func (n NotifyClass) String() string {
	var b []byte
	all := n&NotifyAll == NotifyAll
	if all {
		b = append(b, 'A')
	}
	for _, l := range notifyLetters {
		// As in Redis 7.0, "n" is not printed after an "A" either.
		if n&l.class != 0 && !(all && (NotifyAll|NotifyNew)&l.class != 0) {
			b = append(b, l.c)
		}
	}
	return string(b)
}

// param is the notify-keyspace-events parameter, which sets the mask.
func (n *notifyConfig) param() Param {
	return Param{
		Name: "notify-keyspace-events",
		Get:  func() string { return NotifyClass(n.mask.Load()).String() },
		Set: func(value string) error {
			classes, ok := ParseNotifyClasses(value)
			if !ok {
				return errors.New(ReasonEventClass)
			}
			n.mask.Store(uint32(classes))
			return nil
		},
	}
}

// KeyExpired hears of a key that expiry removed from database db (it is
// the backend's ExpireFunc, which the server forwards to the engine): the
// "expired" event is delivered at once, the removal being final. It runs
// under the backend's lock on the key and does not call the backend.
func (e *Engine) KeyExpired(db int, key []byte) {
	e.blocking.keyExpired(db, key)
	if e.notifier != nil && e.notify.enabled(NotifyExpired) {
		e.notifier.Notify(db, NotifyExpired, "expired", append([]byte(nil), key...))
	}
	if e.tracking.active() {
		e.tracking.invalidate(e, nil, [][]byte{key})
	}
}

// Helpers for the events that depend on what a key was before a write.
// Each looks only when the class it serves is enabled, so that they cost
// nothing (one atomic load) while notifications are off.

// absentForNew reports whether key does not exist, when the "new" class
// is enabled (false otherwise). A handler that may create key calls it
// before the write and passes the answer to notifyNew after it.
func (c *Ctx) absentForNew(key []byte) (bool, error) {
	if !c.e.notify.enabled(NotifyNew) {
		return false, nil
	}
	ok, err := c.Tx.Exists(key)
	return !ok, err
}

// notifyNew emits "new" for key if absent (from absentForNew) says it was
// created, as Redis's dbAdd does before the command's own event.
func (c *Ctx) notifyNew(absent bool, key []byte) {
	if absent {
		c.Notify(NotifyNew, "new", key)
	}
}

// notifyIfGone emits "del" for key when it no longer exists: a collection
// that a removal emptied (the backend deletes it).
func (c *Ctx) notifyIfGone(key []byte) error {
	if !c.e.notify.enabled(NotifyGeneric) {
		return nil
	}
	ok, err := c.Tx.Exists(key)
	if err == nil && !ok {
		c.Notify(NotifyGeneric, "del", key)
	}
	return err
}

// notifyKeyMisses emits "keymiss" for each key of a ReadOnly command that
// does not exist, as Redis's lookupKeyRead does for every key such a
// command looks up. The dispatcher calls it once the command succeeded,
// still in its transaction (a read changes nothing, so the keys are as
// the command saw them). Commands flagged NoKeyMiss (OBJECT) look keys up
// without notifying, as in Redis.
func (c *Ctx) notifyKeyMisses(tx backend.Tx) error {
	if c.spec == nil || c.spec.Flags&(ReadOnly|NoKeyMiss) != ReadOnly || !c.e.notify.enabled(NotifyKeyMiss) {
		return nil
	}
	keys, _, _ := c.spec.keys(nil, c.Args)
	for _, k := range keys {
		ok, err := tx.Exists(k)
		if err != nil {
			return err
		}
		if !ok {
			c.NotifyDB(tx.DB(), NotifyKeyMiss, "keymiss", k)
		}
	}
	return nil
}

// notifyMiss emits "keymiss" for key, for the Write commands that look a
// key up for reading (GETDEL, GETEX, GETSET, SET ... GET, COPY's source).
func (c *Ctx) notifyMiss(key []byte) { c.Notify(NotifyKeyMiss, "keymiss", key) }

// removedCount ends a removal of n elements from the key c.Args[1] (SREM,
// LREM, HDEL), or returns err: it replies with n (changedCount) and, if
// n > 0, emits event, then "del" if the removal emptied the key.
func (c *Ctx) removedCount(n int64, err error, class NotifyClass, event string) error {
	if err := c.changedCount(n, err); err != nil || n == 0 {
		return err
	}
	key := c.Args[1]
	c.Notify(class, event, key)
	return c.notifyIfGone(key)
}
