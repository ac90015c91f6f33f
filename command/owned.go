package command

import "unsafe"

// GiveArgs tells c which arguments of the command the session runs next
// it gives away: owned is resp.Reader.Owned, the big arguments read into
// buffers of their own that the session never reads into nor writes
// again. A handler that stores one of them as a value keeps it instead of
// copying it (takeArg), so a 100 MB SET costs 100 MB, not 200. c keeps
// owned, the session's list, until the next call, and sets the entry of
// an argument taken to nil: the session must not count that buffer as
// freed. The session calls it before Exec or ExecShared.
func (c *Ctx) GiveArgs(owned [][]byte) { c.owned = owned }

// takeArg reports whether v is an argument the session gave away
// (GiveArgs) and not taken yet, and takes it: the caller may then keep v
// for good, and must never write it while the command runs. Each is
// taken once, so that two values never share a buffer. Copies of
// arguments (a command MULTI queued, a script's redis.call) never match:
// only the session's own slices do.
func (c *Ctx) takeArg(v []byte) bool {
	if len(c.owned) == 0 || len(v) == 0 {
		return false
	}
	for i, o := range c.owned {
		if len(o) == len(v) && unsafe.SliceData(o) == unsafe.SliceData(v) {
			c.owned[i] = nil
			return true
		}
	}
	return false
}

// storeString stores val at key as Tx.Set does, handing val over to the
// backend (Tx.SetOwned) when it is an argument the session gave away.
func storeString(c *Ctx, key, val []byte, expireAt int64, keepTTL bool) error {
	if c.takeArg(val) {
		return c.Tx.SetOwned(key, val, expireAt, keepTTL)
	}
	return c.Tx.Set(key, val, expireAt, keepTTL)
}

// appendString is Tx.Append, except that an argument the session gave
// away becomes the value of a missing key as it is (Tx.SetOwned), as
// Redis's APPEND adds its argument to a missing key. The key is looked up
// first only when there is such an argument.
func appendString(c *Ctx, key, val []byte) (int64, error) {
	if len(c.owned) != 0 {
		found, err := c.Tx.Exists(key)
		if err != nil {
			return 0, err
		}
		if !found && c.takeArg(val) {
			return int64(len(val)), c.Tx.SetOwned(key, val, 0, false)
		}
	}
	return c.Tx.Append(key, val)
}
