package command

import "sync/atomic"

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
// goroutine that ran the command, after the commit and with no lock held;
// it must be safe for concurrent use.
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

// deliverEvents hands the committed events to the notifier.
func (c *Ctx) deliverEvents() {
	if c.e.notifier != nil {
		for _, ev := range c.fx.events {
			c.e.notifier.Notify(ev.db, ev.class, ev.event, ev.key)
		}
	}
}
