package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"time"

	"redpool/session/resp"
)

// The recovery check: a digest of the whole dataset, taken by the client
// with ordinary commands so that it works on any server and every type,
// before the graceful stop and after the restart. Equal digests mean every
// key is back with its type, its value and its TTL's presence.

// datasetDigest returns the digest of database 0 of the server behind c:
// the XOR of one SHA-256 per key over the key, its type, its contents in a
// canonical order and whether it has a TTL. Keys are listed with SCAN
// (which may return a key twice: each is counted once) and read in
// pipelined batches.
func datasetDigest(c *conn) (string, error) {
	var sum [sha256.Size]byte
	seen := make(map[string]bool)
	cursor := "0"
	for {
		v, err := c.value("SCAN", cursor, "COUNT", "1000")
		if err != nil {
			return "", err
		}
		page, ok := v.([]any)
		if !ok || len(page) != 2 {
			return "", fmt.Errorf("SCAN: unexpected reply %v", v)
		}
		next, _ := page[0].([]byte)
		listed, _ := page[1].([]any)
		keys := listed[:0]
		for _, k := range listed {
			key, _ := k.([]byte)
			if !seen[string(key)] {
				seen[string(key)] = true
				keys = append(keys, k)
			}
		}
		if err := digestKeys(c, keys, &sum); err != nil {
			return "", err
		}
		cursor = string(next)
		if cursor == "0" {
			return hex.EncodeToString(sum[:]), nil
		}
	}
}

// digestKeys folds keys into sum: one pipeline for their types and TTLs,
// one for their contents.
func digestKeys(c *conn, keys []any, sum *[sha256.Size]byte) error {
	for _, k := range keys {
		key, _ := k.([]byte)
		c.queueStrings("TYPE", string(key))
		c.queueStrings("PTTL", string(key))
	}
	meta, err := c.values(2 * len(keys))
	if err != nil {
		return err
	}
	for i, k := range keys {
		key, _ := k.([]byte)
		t, _ := meta[2*i].([]byte)
		args, ok := contentsCommand(string(t))
		if !ok {
			return fmt.Errorf("key %q: cannot check type %q", key, t)
		}
		c.queueStrings(append([]string{args[0], string(key)}, args[1:]...)...)
	}
	contents, err := c.values(len(keys))
	if err != nil {
		return err
	}
	for i, k := range keys {
		key, _ := k.([]byte)
		t, _ := meta[2*i].([]byte)
		ttl, _ := meta[2*i+1].(int64)
		h := sha256.New()
		fmt.Fprintf(h, "%q %s ttl=%v ", key, t, ttl >= 0)
		writeCanonical(h, string(t), contents[i])
		var one [sha256.Size]byte
		h.Sum(one[:0])
		for j := range sum {
			sum[j] ^= one[j]
		}
	}
	return nil
}

// contentsCommand returns the command reading a whole value of type t, the
// key going after its first word.
func contentsCommand(t string) ([]string, bool) {
	switch t {
	case "string":
		return []string{"GET"}, true
	case "list":
		return []string{"LRANGE", "0", "-1"}, true
	case "hash":
		return []string{"HGETALL"}, true
	case "set":
		return []string{"SMEMBERS"}, true
	case "zset":
		return []string{"ZRANGE", "0", "-1", "WITHSCORES"}, true
	case "stream":
		return []string{"XRANGE", "-", "+"}, true
	}
	return nil, false
}

// writeCanonical writes v, the contents of a value of type t, in an order
// that does not depend on the server: sets sorted, hashes sorted by field;
// the other types have an order of their own.
func writeCanonical(w io.Writer, t string, v any) {
	switch t {
	case "set":
		items, _ := v.([]any)
		members := make([][]byte, 0, len(items))
		for _, m := range items {
			b, _ := m.([]byte)
			members = append(members, b)
		}
		slices.SortFunc(members, bytes.Compare)
		v = members
	case "hash":
		items, _ := v.([]any)
		pairs := make([][2][]byte, 0, len(items)/2)
		for i := 0; i+1 < len(items); i += 2 {
			f, _ := items[i].([]byte)
			val, _ := items[i+1].([]byte)
			pairs = append(pairs, [2][]byte{f, val})
		}
		slices.SortFunc(pairs, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
		v = pairs
	}
	fmt.Fprintf(w, "%q", v)
}

// errReply is an error reply read by value.
type errReply string

func (e errReply) Error() string { return string(e) }

// value sends one command and reads its whole reply (see readValue); an
// error reply is an error.
func (c *conn) value(args ...string) (any, error) {
	c.queueStrings(args...)
	vs, err := c.values(1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", args[0], err)
	}
	return vs[0], nil
}

// queueStrings appends one request to the output buffer.
func (c *conn) queueStrings(args ...string) {
	c.out = resp.AppendCommandStrings(c.out, args...)
}

// values sends the queued requests and reads n whole replies; an error
// reply is an error.
func (c *conn) values(n int) ([]any, error) {
	_ = c.nc.SetDeadline(time.Now().Add(opTimeout))
	if err := c.flush(); err != nil {
		return nil, err
	}
	out := make([]any, n)
	var firstErr error
	for i := range out {
		v, err := c.readValue()
		if err != nil {
			return nil, err
		}
		if e, ok := v.(errReply); ok && firstErr == nil {
			firstErr = e
		}
		out[i] = v
	}
	return out, firstErr
}

// readValue reads one reply whole, for the checks that compare data (it
// allocates): a bulk or simple string as []byte (a copy), an integer as
// int64, a null as nil, an array as []any, an error reply as errReply.
func (c *conn) readValue() (any, error) {
	line, err := c.line()
	if err != nil {
		return nil, err
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return bytes.Clone(body), nil
	case '-':
		return errReply(body), nil
	case ':':
		n, ok := parseInt(body)
		if !ok {
			return nil, errProtocol
		}
		return n, nil
	case '$', '*':
		kind := line[0]
		n, err := parseLen(body)
		if err != nil || n < 0 {
			return nil, err
		}
		if kind == '$' {
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(c.br, buf); err != nil {
				return nil, err
			}
			return buf[:n], nil
		}
		items := make([]any, n)
		for i := range items {
			if items[i], err = c.readValue(); err != nil {
				return nil, err
			}
		}
		return items, nil
	}
	return nil, errProtocol
}
