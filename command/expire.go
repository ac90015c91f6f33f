package command

import "math"

// The expiry commands, as Redis 7.0's expire.c. Expiry times are absolute
// Unix milliseconds; every change is logged as PEXPIREAT with an absolute
// time, PERSIST, or DEL when the time has already passed.

func expireCommands() []Spec {
	return []Spec{
		{Name: "expire", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: expire, Group: "generic", Summary: "Sets the expiration time of a key in seconds.", Since: "1.0.0"},
		{Name: "pexpire", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: pexpire, Group: "generic", Summary: "Sets the expiration time of a key in milliseconds.", Since: "2.6.0"},
		{Name: "expireat", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: expireat, Group: "generic", Summary: "Sets the expiration time of a key to a Unix timestamp.", Since: "1.2.0"},
		{Name: "pexpireat", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: pexpireat, Group: "generic", Summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", Since: "2.6.0"},
		{Name: "ttl", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: ttl, Group: "generic", Summary: "Returns the expiration time in seconds of a key.", Since: "1.0.0"},
		{Name: "pttl", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: pttl, Group: "generic", Summary: "Returns the expiration time in milliseconds of a key.", Since: "2.6.0"},
		{Name: "expiretime", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: expiretime, Group: "generic", Summary: "Returns the expiration time of a key as a Unix timestamp.", Since: "7.0.0"},
		{Name: "pexpiretime", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: pexpiretime, Group: "generic", Summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", Since: "7.0.0"},
		{Name: "persist", Arity: 2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: persist, Group: "generic", Summary: "Removes the expiration time of a key.", Since: "2.2.0"},
	}
}

// expireFlags are the NX, XX, GT and LT conditions of the EXPIRE family.
type expireFlags uint8

const (
	expireNX expireFlags = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags parses the conditions after EXPIRE's time as Redis's
// parseExtendedExpireArgumentsOrReply: unknown words first, then the
// incompatible combinations.
func parseExpireFlags(args [][]byte) (expireFlags, error) {
	var f expireFlags
	for _, opt := range args {
		switch {
		case equalFold(opt, "nx"):
			f |= expireNX
		case equalFold(opt, "xx"):
			f |= expireXX
		case equalFold(opt, "gt"):
			f |= expireGT
		case equalFold(opt, "lt"):
			f |= expireLT
		default:
			return 0, UnsupportedExpireOption(opt)
		}
	}
	if f&expireNX != 0 && f&(expireXX|expireGT|expireLT) != 0 {
		return 0, ErrExpireNXCompat
	}
	if f&expireGT != 0 && f&expireLT != 0 {
		return 0, ErrExpireGTLT
	}
	return f, nil
}

func expire(c *Ctx) error { return expireGeneric(c, true, true, "expire") }

func pexpire(c *Ctx) error { return expireGeneric(c, true, false, "pexpire") }

func expireat(c *Ctx) error { return expireGeneric(c, false, true, "expireat") }

func pexpireat(c *Ctx) error { return expireGeneric(c, false, false, "pexpireat") }

// expireGeneric is Redis's expireGenericCommand: key time [NX|XX|GT|LT].
// relative adds now to the time; seconds scales it to milliseconds. A time
// already passed deletes the key. GT and LT treat "no expiry" as infinite.
func expireGeneric(c *Ctx, relative, seconds bool, cmd string) error {
	key := c.Args[1]
	flags, err := parseExpireFlags(c.Args[3:])
	if err != nil {
		return err
	}
	when, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			return InvalidExpire(cmd)
		}
		when *= 1000
	}
	var base int64
	if relative {
		base = c.Tx.Now()
	}
	if when > math.MaxInt64-base {
		return InvalidExpire(cmd)
	}
	when += base

	cur, ok, err := c.Tx.ExpireAt(key)
	if err != nil {
		return err
	}
	if !ok || !expireAllowed(flags, cur, when) {
		c.Bool(false)
		return nil
	}
	if when <= c.Tx.Now() {
		if _, err := c.Tx.Delete(key); err != nil {
			return err
		}
		c.Propagate(argDEL, key)
		c.Notify(NotifyGeneric, "del", key)
	} else {
		if _, err := c.Tx.SetExpireAt(key, when); err != nil {
			return err
		}
		c.Propagate(argPEXPIREAT, key, formatInt(when))
		c.Notify(NotifyGeneric, "expire", key)
	}
	c.Bool(true)
	return nil
}

// expireAllowed checks the NX/XX/GT/LT conditions against the current
// expiry cur (0: none).
func expireAllowed(f expireFlags, cur, when int64) bool {
	switch {
	case f&expireNX != 0 && cur != 0:
		return false
	case f&expireXX != 0 && cur == 0:
		return false
	case f&expireGT != 0 && (cur == 0 || when <= cur):
		return false
	case f&expireLT != 0 && cur != 0 && when >= cur:
		return false
	}
	return true
}

func ttl(c *Ctx) error { return ttlGeneric(c, false, false) }

func pttl(c *Ctx) error { return ttlGeneric(c, true, false) }

func expiretime(c *Ctx) error { return ttlGeneric(c, false, true) }

func pexpiretime(c *Ctx) error { return ttlGeneric(c, true, true) }

// ttlGeneric is Redis's ttlGenericCommand: -2 for a missing key, -1 for no
// expiry, else the time left (or the absolute time) in ms or rounded
// seconds.
func ttlGeneric(c *Ctx, ms, abs bool) error {
	at, ok, err := c.Tx.ExpireAt(c.Args[1])
	switch {
	case err != nil:
		return err
	case !ok:
		c.Int(-2)
		return nil
	case at == 0:
		c.Int(-1)
		return nil
	}
	t := at
	if !abs {
		t = max(at-c.Tx.Now(), 0)
	}
	if !ms {
		// t >= 0; unsigned, as Redis's compiled (t+500)/1000 does not wrap.
		t = int64((uint64(t) + 500) / 1000)
	}
	c.Int(t)
	return nil
}

func persist(c *Ctx) error {
	ok, err := persistKey(c, c.Args[1])
	if err != nil {
		return err
	}
	c.Bool(ok)
	return nil
}
