package command

import (
	"errors"
	"fmt"

	"redpool/backend"
	"redpool/persistence/rdb"
)

// DUMP and RESTORE, as Redis 7.0's cluster.c: a key's value in Redis's
// serialization (persistence/rdb: RDB 10 encodings, the version and a
// CRC-64), so that payloads move between redpool and Redis both ways.
//
// DUMP encodes the value as Redis 7.0 would hold it, from the encoding
// parameters (list-max-listpack-size, hash-max-listpack-entries, ...,
// rdbcompression). RESTORE decodes every encoding Redis 7.0 writes or
// still loads; sanitize-dump-payload "yes" (or "clients": every redpool
// client is one, there are no master links) adds Redis's deep
// sanitization (rdb.ReadOptions.Sanitize).

func dumpCommands() []Spec {
	return []Spec{
		{Name: "dump", Arity: 2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: dump, Group: "generic", Summary: "Returns a serialized representation of the value stored at a key.", Since: "2.6.0"},
		{Name: "restore", Arity: -4, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: restore, Group: "generic", Summary: "Creates a key from the serialized representation of a value.", Since: "2.6.0"},
	}
}

// dump is DUMP key: the payload, or null for a missing key.
func dump(c *Ctx) error {
	key := c.Args[1]
	t, err := c.Tx.Type(key)
	if err != nil {
		return err
	}
	if t == backend.TypeNone {
		c.Null()
		return nil
	}
	v, err := readValue(c.Tx, key, t)
	if err != nil {
		return err
	}
	p, err := rdb.DumpPayload(v, dumpParams(c))
	if err != nil {
		return err
	}
	c.Bulk(p)
	return nil
}

// readValue returns key's value (of type t) as items. A string is the
// backend's own bytes, valid in tx; a collection's items are copied (the
// registry's Read hands them out in chunks) into one buffer.
func readValue(tx backend.Tx, key []byte, t backend.Type) (rdb.Value, error) {
	info, ok := backend.Lookup(t)
	if !ok {
		return rdb.Value{}, fmt.Errorf("DUMP: %w %d", backend.ErrUnknownType, t)
	}
	if info.Scalar {
		val, _, err := tx.Get(key)
		return rdb.Value{Type: t, Items: [][]byte{val}}, err
	}
	var buf []byte
	var ends []int
	err := info.Read(tx, key, func(items [][]byte) error {
		for _, it := range items {
			buf = append(buf, it...)
			ends = append(ends, len(buf))
		}
		return nil
	})
	if err != nil {
		return rdb.Value{}, err
	}
	items := make([][]byte, len(ends))
	start := 0
	for i, end := range ends {
		items[i] = buf[start:end:end]
		start = end
	}
	return rdb.Value{Type: t, Items: items}, nil
}

// dumpParams are the encoding thresholds from the CONFIG parameters.
func dumpParams(c *Ctx) rdb.Params {
	d := rdb.DefaultParams()
	p := rdb.Params{
		ListMaxListpackSize:    paramInt(c, "list-max-listpack-size", d.ListMaxListpackSize),
		HashMaxListpackEntries: paramInt(c, "hash-max-listpack-entries", d.HashMaxListpackEntries),
		HashMaxListpackValue:   paramInt(c, "hash-max-listpack-value", d.HashMaxListpackValue),
		ZSetMaxListpackEntries: paramInt(c, "zset-max-listpack-entries", d.ZSetMaxListpackEntries),
		ZSetMaxListpackValue:   paramInt(c, "zset-max-listpack-value", d.ZSetMaxListpackValue),
		SetMaxIntsetEntries:    paramInt(c, "set-max-intset-entries", d.SetMaxIntsetEntries),
		Compression:            d.Compression,
	}
	if prm := c.e.params.Lookup("rdbcompression"); prm != nil {
		p.Compression = prm.Get() == "yes"
	}
	return p
}

// sanitizePayload reports whether RESTORE deep-sanitizes payloads:
// sanitize-dump-payload yes, or clients unless the client's user has
// skip-sanitize-payload (redpool has no master link, which Redis also
// exempts).
func sanitizePayload(c *Ctx) bool {
	prm := c.e.params.Lookup("sanitize-dump-payload")
	switch {
	case prm == nil || prm.Get() == "no":
		return false
	case prm.Get() == "clients":
		if r := c.Client.acl.user.Load(); r != nil {
			return r.load().sanitize != sanitizeSkip
		}
	}
	return true
}

// restoreOptions are RESTORE's options.
type restoreOptions struct {
	replace, absTTL bool
	// idle is IDLETIME's seconds and freq FREQ's counter, -1 when not
	// given (as in Redis, at most one of them is).
	idle, freq int64
}

// parseRestoreOptions parses the options after RESTORE's payload as
// Redis's restoreCommand: IDLETIME after FREQ, or FREQ after IDLETIME,
// is a syntax error; a value is checked where it is met.
func parseRestoreOptions(args [][]byte) (restoreOptions, error) {
	o := restoreOptions{idle: -1, freq: -1}
	for j := 0; j < len(args); j++ {
		more := j+1 < len(args)
		switch opt := args[j]; {
		case equalFold(opt, "replace"):
			o.replace = true
		case equalFold(opt, "absttl"):
			o.absTTL = true
		case equalFold(opt, "idletime") && more && o.freq == -1:
			n, err := parseInt(args[j+1])
			if err != nil {
				return o, err
			}
			if n < 0 {
				return o, ErrInvalidIdletime
			}
			o.idle = n
			j++
		case equalFold(opt, "freq") && more && o.idle == -1:
			n, err := parseInt(args[j+1])
			if err != nil {
				return o, err
			}
			if n < 0 || n > 255 {
				return o, ErrInvalidFreq
			}
			o.freq = n
			j++
		default:
			return o, ErrSyntax
		}
	}
	return o, nil
}

// restore is RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s]
// [FREQ f]. As in Redis the checks come in this order: the options, the
// key (BUSYKEY unless REPLACE), the TTL, the payload's footer, its value;
// only then does anything change. A TTL already past creates nothing (and
// with REPLACE deletes the old value, logged as DEL). A relative TTL is
// logged as an absolute one with ABSTTL.
func restore(c *Ctx) error {
	key := c.Args[1]
	o, err := parseRestoreOptions(c.Args[4:])
	if err != nil {
		return err
	}
	if !o.replace {
		exists, err := c.Tx.Exists(key)
		if err != nil {
			return err
		}
		if exists {
			return ErrBusyKey
		}
	}
	ttl, err := parseInt(c.Args[2])
	if err != nil {
		return err
	}
	if ttl < 0 {
		return ErrInvalidTTL
	}
	v, err := rdb.ParseDumpPayloadWith(c.Args[3], rdb.ReadOptions{Sanitize: sanitizePayload(c), OnSanitize: c.e.countSanitized})
	switch {
	case errors.Is(err, rdb.ErrPayload):
		return ErrDumpPayload
	case err != nil:
		return ErrBadDataFormat
	}

	deleted := false
	if o.replace {
		if deleted, err = c.Tx.Delete(key); err != nil {
			return err
		}
	}
	now := c.Tx.Now()
	expireAt := ttl
	if ttl != 0 && !o.absTTL {
		expireAt = int64(uint64(ttl) + uint64(now)) // wraps past the end of time, as in Redis
	}
	if expireAt != 0 && expireAt <= now {
		if deleted {
			c.Propagate(argDEL, key)
			c.Touch(key)
			c.Notify(NotifyGeneric, "del", key)
		}
		c.OK()
		return nil
	}
	e := backend.Entry{Key: key, Type: v.Type, ExpireAt: expireAt, Items: v.Items}
	if err := backend.Put(c.Tx, &e); err != nil {
		return err
	}
	if err := restoredAccess(c, key, o); err != nil {
		return err
	}
	if expireAt != 0 && !o.absTTL {
		argv := append(append([][]byte(nil), c.Args[:2]...), formatInt(expireAt))
		argv = append(append(argv, c.Args[3:]...), []byte("ABSTTL"))
		c.Propagate(argv...)
	}
	c.Dirty(1)
	c.Touch(key)
	signalList(c, key)
	c.Notify(NotifyNew, "new", key)
	c.Notify(NotifyGeneric, "restore", key)
	c.OK()
	return nil
}

// restoredAccess sets the new key's access clock from RESTORE's IDLETIME
// or FREQ, as Redis's objectSetLRUOrLFU: IDLETIME under an LRU policy,
// FREQ under an LFU one, the other ignored (Tx.SetAccess decides).
func restoredAccess(c *Ctx, key []byte, o restoreOptions) error {
	if o.idle < 0 && o.freq < 0 {
		return nil
	}
	_, err := c.Tx.SetAccess(key, o.idle, int(o.freq))
	return err
}
