package fsutil

// DurabilityRecorder hears when acknowledged writes become durable, so
// that the server can report how long writes stay acknowledged but not
// durable (INFO persistence's ack_not_durable_* fields; command.Durability
// implements it). The persistence code calls it once per group of writes
// and once per durability point (an fsync, a completed snapshot), never
// per write: implementations must be quick and must not call back.
//
// The calls are ordered: a write reported by Acked before Syncing is
// covered by that durability point; one reported after it waits for the
// next.
type DurabilityRecorder interface {
	// Acked says that n more writes were acknowledged, now, and are not
	// durable yet.
	Acked(n int64)
	// Syncing says that a durability point begins (an fsync is issued, a
	// snapshot's view is fixed) that covers every write Acked before it.
	// At most one is in progress at a time.
	Syncing()
	// Synced ends the durability point Syncing began: the writes it
	// covered are durable if ok, and still not durable otherwise (it
	// failed).
	Synced(ok bool)
}
