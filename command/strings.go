package command

import (
	"strconv"
)

func stringCommands() []Spec {
	return []Spec{
		{Name: "get", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: get, Group: "string", Summary: "Returns the string value of a key.", Since: "1.0.0"},
		{Name: "set", Arity: -3, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: set, Group: "string", Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Since: "1.0.0"},
		{Name: "incr", Arity: 2, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: incr, Group: "string", Summary: "Increments the integer value of a key by one.", Since: "1.0.0"},
	}
}

func get(c *Ctx) error {
	v, ok, err := c.Tx.Get(c.Args[1])
	switch {
	case err != nil:
		return err
	case !ok:
		c.Null()
	default:
		c.Bulk(v)
	}
	return nil
}

func set(c *Ctx) error {
	if len(c.Args) != 3 {
		return ErrSyntax
	}
	if err := c.Tx.Set(c.Args[1], c.Args[2], 0, false); err != nil {
		return err
	}
	c.Dirty(1)
	c.OK()
	return nil
}

func incr(c *Ctx) error {
	return incrBy(c, c.Args[1], 1)
}

// incrBy adds delta to the integer at key and replies with the result.
func incrBy(c *Ctx, key []byte, delta int64) error {
	v, ok, err := c.Tx.Get(key)
	if err != nil {
		return err
	}
	var cur int64
	if ok {
		var good bool
		if cur, good = parseInt64(v); !good {
			return ErrNotInteger
		}
	}
	if (delta > 0 && cur > (1<<63-1)-delta) || (delta < 0 && cur < -(1<<63)-delta) {
		return ErrOverflow
	}
	cur += delta
	var buf [20]byte
	if err := c.Tx.Set(key, appendInt(buf[:0], cur), 0, true); err != nil {
		return err
	}
	c.Dirty(1)
	c.Int(cur)
	return nil
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
