package command

import (
	"redpool/backend"
)

func keyCommands() []Spec {
	return []Spec{
		{Name: "del", Arity: -2, Flags: Write, Keys: KeySpec{1, -1, 1}, Run: del, Group: "generic", Summary: "Deletes one or more keys.", Since: "1.0.0"},
		{Name: "exists", Arity: -2, Flags: ReadOnly | Fast, Keys: KeySpec{1, -1, 1}, Run: exists, Group: "generic", Summary: "Determines whether one or more keys exist.", Since: "1.0.0"},
		{Name: "type", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: typeCmd, Group: "generic", Summary: "Determines the type of value stored at a key.", Since: "1.0.0"},
		{Name: "expire", Arity: -3, Flags: Write | Fast, Keys: KeySpec{1, 1, 1}, Run: expire, Group: "generic", Summary: "Sets the expiration time of a key in seconds.", Since: "1.0.0"},
		{Name: "ttl", Arity: 2, Flags: ReadOnly | Fast, Keys: KeySpec{1, 1, 1}, Run: ttl, Group: "generic", Summary: "Returns the expiration time in seconds of a key.", Since: "1.0.0"},
		{Name: "keys", Arity: 2, Flags: ReadOnly, Run: keys, Group: "generic", Summary: "Returns all key names that match a pattern.", Since: "1.0.0"},
	}
}

func del(c *Ctx) error {
	var n int64
	for _, k := range c.Args[1:] {
		ok, err := c.Tx.Delete(k)
		if err != nil {
			return err
		}
		if ok {
			n++
		}
	}
	c.Dirty(n)
	c.Int(n)
	return nil
}

func exists(c *Ctx) error {
	var n int64
	for _, k := range c.Args[1:] {
		ok, err := c.Tx.Exists(k)
		if err != nil {
			return err
		}
		if ok {
			n++
		}
	}
	c.Int(n)
	return nil
}

func typeCmd(c *Ctx) error {
	t, err := c.Tx.Type(c.Args[1])
	if err != nil {
		return err
	}
	c.Simple(t.String())
	return nil
}

func expire(c *Ctx) error {
	secs, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	if len(c.Args) > 3 {
		return ErrSyntax
	}
	now := c.Tx.Now()
	if secs > (1<<63-1)/1000 || secs < -(1<<63-1)/1000 || now+secs*1000 < now-(1<<62) {
		return InvalidExpire("expire")
	}
	at := now + secs*1000
	if at <= now {
		ok, err := c.Tx.Delete(c.Args[1])
		if err != nil {
			return err
		}
		if ok {
			c.Propagate([]byte("DEL"), c.Args[1])
		}
		c.Bool(ok)
		return nil
	}
	ok, err := c.Tx.SetExpireAt(c.Args[1], at)
	if err != nil {
		return err
	}
	if ok {
		c.Propagate([]byte("PEXPIREAT"), c.Args[1], formatInt(at))
	}
	c.Bool(ok)
	return nil
}

func ttl(c *Ctx) error {
	at, ok, err := c.Tx.ExpireAt(c.Args[1])
	switch {
	case err != nil:
		return err
	case !ok:
		c.Int(-2)
	case at == 0:
		c.Int(-1)
	default:
		c.Int((at - c.Tx.Now() + 500) / 1000)
	}
	return nil
}

func keys(c *Ctx) error {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	mark := c.ArrayMark()
	n := 0
	var cursor uint64
	for {
		next, err := c.Tx.Scan(cursor, 1024, func(k []byte, _ backend.Type) error {
			if all || GlobMatch(pat, k, false) {
				c.Bulk(k)
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	c.ArrayEnd(mark, n)
	return nil
}

func formatInt(n int64) []byte {
	var buf [20]byte
	return append([]byte(nil), appendInt(buf[:0], n)...)
}
