package command

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"slices"

	"redpool/backend"
	"redpool/session/resp"
)

// SORT and SORT_RO, as Redis 7.0's sort.c.
//
// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
// [ALPHA] [STORE destination] sorts the elements of a list, a set or a
// sorted set: as numbers (each must read as a double with C's strtod,
// ties broken by the elements' bytes), or with ALPHA as strings (byte
// order, as strcoll in the C locale). BY sorts by the values of other
// keys: the first '*' of the pattern is replaced by the element, and
// "key->field" reads a hash field. A BY pattern without '*' ("nosort")
// keeps the value's own order (a list's, a sorted set's by score), LIMIT
// taking a range of it; a set is sorted anyway when the result is
// stored, so that it is deterministic. GET replies with the values such
// patterns name ("#": the element itself) instead of the elements. STORE
// replaces destination with the result as a list, or deletes it when the
// result is empty. SORT_RO is SORT without STORE.
//
// SORT opens its transaction itself: a read-only one unless it stores,
// on the sorted key and the STORE key; the keys BY and GET patterns name
// are not known before it runs, so with such patterns it locks everything
// (sortKeys says so to EXEC too). COMMAND GETKEYS still gives only the
// sorted key and the STORE key, as Redis.
//
// Sorting is stable, as glibc's qsort (a merge sort), so that elements
// that compare equal keep the order Redis gives them when it can be known
// (a list's). Where it cannot, the order of such elements may differ: a
// set's or a sorted set's own order is not Redis's, and Redis sorts a
// LIMIT window BY a pattern with a partial quicksort that is not stable
// (only ALPHA makes distinct elements equal). Two more differences, both
// Redis quirks: Redis converts a small sorted set to a skiplist when
// sorting it (OBJECT ENCODING shows it), and it checks strtod's errno
// without clearing it first, so that after one ERANGE its numeric SORTs
// may fail until some system call changes errno.

func sortCommands() []Spec {
	return []Spec{
		{Name: "sort", Arity: -2, Flags: Write | NoTx | MovableKeys, Keys: KeySpec{1, 1, 1}, FindKeys: sortKeys, Run: sortCmd, Group: "generic", Summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", Since: "1.0.0"},
		{Name: "sort_ro", Arity: -2, Flags: ReadOnly | NoTx | MovableKeys, Keys: KeySpec{1, 1, 1}, FindKeys: sortROKeys, Run: sortRO, Group: "generic", Summary: "Returns the sorted elements of a list, a set, or a sorted set.", Since: "7.0.0"},
	}
}

// sortOptions are SORT's parsed options.
type sortOptions struct {
	desc, alpha bool
	// dontsort: a BY pattern without '*' was given (even if a later BY
	// has one, as in Redis).
	dontsort bool
	hasBy    bool
	by       []byte
	hasStore bool
	store    []byte
	gets     [][]byte
	// limitStart and limitCount are LIMIT's (count -1: no limit).
	limitStart, limitCount int64
}

// parseSortOptions parses the options after SORT's key as Redis's
// sortCommandGeneric; SORT_RO (readonly) knows no STORE.
func parseSortOptions(args [][]byte, readonly bool) (sortOptions, error) {
	o := sortOptions{limitCount: -1}
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch a := args[j]; {
		case equalFold(a, "asc"):
			o.desc = false
		case equalFold(a, "desc"):
			o.desc = true
		case equalFold(a, "alpha"):
			o.alpha = true
		case equalFold(a, "limit") && left >= 2:
			var err error
			if o.limitStart, err = parseInt(args[j+1]); err != nil {
				return o, err
			}
			if o.limitCount, err = parseInt(args[j+2]); err != nil {
				return o, err
			}
			j += 2
		case !readonly && equalFold(a, "store") && left >= 1:
			o.hasStore, o.store = true, args[j+1]
			j++
		case equalFold(a, "by") && left >= 1:
			o.hasBy, o.by = true, args[j+1]
			if cIndex(o.by, "*") < 0 {
				o.dontsort = true
			}
			j++
		case equalFold(a, "get") && left >= 1:
			o.gets = append(o.gets, args[j+1])
			j++
		default:
			return o, ErrSyntax
		}
	}
	return o, nil
}

// readsPatterns reports whether the command looks up keys named by
// patterns, whose names depend on the data.
func (o *sortOptions) readsPatterns() bool {
	if o.hasBy && !o.dontsort {
		return true
	}
	for _, g := range o.gets {
		if !isSelfPattern(g) && cIndex(g, "*") >= 0 {
			return true
		}
	}
	return false
}

// sortKeys finds SORT's keys as Redis's sortGetKeys: the sorted key and
// the last STORE's key, options skipped by the number of arguments they
// take; a SORT that reads keys named by patterns locks everything.
func sortKeys(dst, args [][]byte) (keys [][]byte, all, ok bool) {
	dst = append(dst, args[1])
	var store []byte
	found := false
	for i := 2; i < len(args); i++ {
		switch a := args[i]; {
		case equalFold(a, "limit"):
			i += 2
		case equalFold(a, "get"), equalFold(a, "by"):
			i++
		case equalFold(a, "store") && i+1 < len(args):
			// The store key is not skipped: Redis 7.0 reads it as an
			// option too.
			store, found = args[i+1], true
		}
	}
	if found {
		dst = append(dst, store)
	}
	o, err := parseSortOptions(args, false)
	return dst, err == nil && o.readsPatterns(), true
}

// sortROKeys finds SORT_RO's keys: the sorted key, or everything when it
// reads keys named by patterns.
func sortROKeys(dst, args [][]byte) (keys [][]byte, all, ok bool) {
	o, err := parseSortOptions(args, true)
	return append(dst, args[1]), err == nil && o.readsPatterns(), true
}

func sortCmd(c *Ctx) error { return sortGeneric(c, false) }

func sortRO(c *Ctx) error { return sortGeneric(c, true) }

// sortGeneric is SORT and (readonly) SORT_RO. It opens its transaction
// itself: a read-only one unless it stores, on the sorted key and the
// STORE key, or on everything when patterns name other keys.
func sortGeneric(c *Ctx, readonly bool) error {
	o, err := parseSortOptions(c.Args, readonly)
	if err != nil {
		return err
	}
	var keys [][]byte
	if !o.readsPatterns() {
		keys = append(c.keyBuf[:0], c.Args[1])
		if o.hasStore {
			keys = append(keys, o.store)
		}
		c.keyBuf = keys
	}
	s := sorter{o: o, readonly: readonly}
	return c.InTx(o.hasStore, keys, s.run)
}

// sorter is one SORT at work. The elements are copies in one arena;
// sorting permutes order, a slice without pointers, and leaves the
// elements where they are.
type sorter struct {
	o        sortOptions
	readonly bool // SORT_RO
	arena    []byte
	ends     []int    // where each element ends in arena, while loading
	elems    [][]byte // the elements, in arena
	// What each element sorts by: a number, or with ALPHA bytes (key,
	// valid until the transaction writes or ends); has: a BY value was
	// found.
	score []float64
	key   [][]byte
	has   []bool
	order []int32 // the elements' positions, in sorted order
	name  []byte  // lookup's key name
}

// run sorts in c's transaction.
func (s *sorter) run(c *Ctx) error {
	o := &s.o
	key := c.Args[1]
	t, err := c.Tx.Type(key)
	if err != nil {
		return err
	}
	var n int64
	switch t {
	case backend.TypeNone:
		// SORT_RO is ReadOnly: the dispatcher reports its key's miss
		// (notifyKeyMisses, on the notify branch).
		if !s.readonly {
			err = s.keyMiss(c, key, false)
		}
	case backend.TypeList:
		n, err = c.Tx.ListLen(key)
	case backend.TypeSet:
		n, err = c.Tx.SetLen(key)
	case backend.TypeZSet:
		n, err = c.Tx.ZLen(key)
	default:
		return ErrWrongType
	}
	if err != nil {
		return err
	}
	// A set has no order of its own: stored, or read by a script, it is
	// sorted anyway, so that the result is the same everywhere (Redis's
	// rule, for replication and scripts).
	if o.dontsort && t == backend.TypeSet && (o.hasStore || c.InScript()) {
		o.dontsort, o.alpha, o.hasBy = false, true, false
	}
	start, end := sortRange(o, n)
	if o.dontsort && t != backend.TypeSet {
		err = s.loadRange(c, key, t, n, start, end)
		start, end = 0, int64(len(s.elems))-1
	} else {
		err = s.load(c, key, t, n)
	}
	if err != nil {
		return err
	}
	s.order = make([]int32, len(s.elems))
	for i := range s.order {
		s.order[i] = int32(i)
	}
	if !o.dontsort {
		if err := s.weigh(c); err != nil {
			return err
		}
		s.sort()
	}
	var sel []int32
	if end >= start {
		sel = s.order[start : end+1]
	}
	if o.hasStore {
		return s.store(c, sel)
	}
	return s.reply(c, sel)
}

// sortRange applies LIMIT to n elements as Redis does, returning the
// first and last positions wanted (end < start: none).
func sortRange(o *sortOptions, n int64) (start, end int64) {
	start = min(max(o.limitStart, 0), n)
	count := min(max(o.limitCount, -1), n)
	if count < 0 {
		end = n - 1
	} else {
		end = start + count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	return start, min(end, n-1)
}

// begin prepares to load about n elements.
func (s *sorter) begin(n int64) {
	s.arena = make([]byte, 0, 16*n)
	s.ends = make([]int, 0, n)
}

// add copies element v into the arena.
func (s *sorter) add(v []byte) {
	s.arena = append(s.arena, v...)
	s.ends = append(s.ends, len(s.arena))
}

// seal makes the elements, once the arena stops growing.
func (s *sorter) seal() {
	s.elems = make([][]byte, len(s.ends))
	off := 0
	for i, end := range s.ends {
		s.elems[i] = s.arena[off:end:end]
		off = end
	}
	s.ends = nil
}

// loadRange loads the elements start to end of key, a list of n
// elements or a sorted set, in its own order (BY nosort), reversed if
// DESC.
func (s *sorter) loadRange(c *Ctx, key []byte, t backend.Type, n, start, end int64) error {
	if end < start {
		return nil
	}
	s.begin(end - start + 1)
	if t == backend.TypeZSet {
		r := backend.ZRange{By: backend.ZByRank, Start: start, Stop: end, Rev: s.o.desc}
		err := c.Tx.ZRange(key, r, func(m []byte, _ float64) bool {
			s.add(m)
			return true
		})
		s.seal()
		return err
	}
	from, to := start, end
	if s.o.desc {
		from, to = n-1-end, n-1-start
	}
	err := c.Tx.ListRange(key, from, to, func(v []byte) error {
		s.add(v)
		return nil
	})
	s.seal()
	if s.o.desc {
		slices.Reverse(s.elems)
	}
	return err
}

// load loads the n elements of key, of type t.
func (s *sorter) load(c *Ctx, key []byte, t backend.Type, n int64) error {
	s.begin(n)
	defer s.seal()
	switch t {
	case backend.TypeList:
		return c.Tx.ListRange(key, 0, -1, func(v []byte) error {
			s.add(v)
			return nil
		})
	case backend.TypeSet:
		return c.Tx.SetIter(key, func(m []byte) bool {
			s.add(m)
			return true
		})
	case backend.TypeZSet:
		return c.Tx.ZIter(key, func(m []byte, _ float64) bool {
			s.add(m)
			return true
		})
	}
	return nil
}

// weigh computes what each element sorts by: its BY value, or itself; as
// a double unless ALPHA. An element without a BY value sorts as 0 (or,
// with ALPHA, before every other).
func (s *sorter) weigh(c *Ctx) error {
	o := &s.o
	if o.alpha {
		s.key = make([][]byte, len(s.elems))
	} else {
		s.score = make([]float64, len(s.elems))
	}
	if o.hasBy {
		s.has = make([]bool, len(s.elems))
	}
	for i, v := range s.elems {
		if o.hasBy {
			by, ok, err := s.lookup(c, o.by, v)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			s.has[i], v = true, by
		}
		if o.alpha {
			// Stored, Redis compares bytes; replied, with strcoll, which
			// reads C strings.
			if !o.hasStore {
				v = cString(v)
			}
			s.key[i] = v
			continue
		}
		score, ok := sortScore(v)
		if !ok {
			return ErrSortScore
		}
		s.score[i] = score
	}
	return nil
}

// sort orders the elements as Redis's sortCompare, stably (as glibc's
// qsort): elements that compare equal keep their order.
func (s *sorter) sort() {
	o := &s.o
	slices.SortFunc(s.order, func(i, j int32) int {
		var cmp int
		switch {
		case !o.alpha:
			cmp = cmpScore(s.score[i], s.score[j])
			if cmp == 0 {
				cmp = bytes.Compare(s.elems[i], s.elems[j])
			}
		case o.hasBy && (!s.has[i] || !s.has[j]):
			cmp = boolCompare(s.has[i], s.has[j])
		default:
			cmp = bytes.Compare(s.key[i], s.key[j])
		}
		if o.desc {
			cmp = -cmp
		}
		if cmp == 0 {
			return int(i - j)
		}
		return cmp
	})
}

func cmpScore(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// boolCompare orders false before true.
func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// cString returns b up to its first NUL byte, as C reads it.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// cIndex is strstr on C strings: the index of sub in b, searching only
// before b's first NUL byte; -1 if absent.
func cIndex(b []byte, sub string) int { return bytes.Index(cString(b), []byte(sub)) }

// isSelfPattern reports whether pattern is "#", the element itself (as C
// reads it: '#' then the end of the string).
func isSelfPattern(pattern []byte) bool {
	return len(pattern) > 0 && pattern[0] == '#' && (len(pattern) == 1 || pattern[1] == 0)
}

// lookup returns the value pattern names for element subst, as Redis's
// lookupKeyByPattern: subst itself for "#"; else the first '*' is
// replaced by subst and the result names a string key, or, for
// "key->field", a field of a hash. A pattern without '*', a missing key
// or field, and a key of another type name no value. The slice is valid
// until the transaction writes or ends.
func (s *sorter) lookup(c *Ctx, pattern, subst []byte) ([]byte, bool, error) {
	if isSelfPattern(pattern) {
		return subst, true, nil
	}
	star := cIndex(pattern, "*")
	if star < 0 {
		return nil, false, nil
	}
	post := pattern[star+1:]
	var field []byte
	if f := cIndex(post, "->"); f >= 0 && f+2 < len(post) && post[f+2] != 0 {
		post, field = post[:f], post[f+2:]
	}
	s.name = append(append(append(s.name[:0], pattern[:star]...), subst...), post...)
	var v []byte
	var ok bool
	var err error
	if field != nil {
		v, ok, err = c.Tx.HashGet(s.name, field)
	} else {
		v, ok, err = c.Tx.Get(s.name)
	}
	switch {
	case errors.Is(err, backend.ErrWrongType):
		return nil, false, nil
	case err == nil && !ok:
		err = s.keyMiss(c, s.name, field != nil)
	}
	return v, ok, err
}

// keyMiss emits "keymiss" for key, which a lookup found no value at, if
// the key is missing (not just the hash field), as Redis's lookupKeyRead.
func (s *sorter) keyMiss(c *Ctx, key []byte, field bool) error {
	if !c.e.notify.enabled(NotifyKeyMiss) {
		return nil
	}
	if field {
		if exists, err := c.Tx.Exists(key); err != nil || exists {
			return err
		}
	}
	c.Notify(NotifyKeyMiss, "keymiss", key)
	return nil
}

// reply replies with the elements at positions sel, or the values their
// GET patterns name (null where none).
func (s *sorter) reply(c *Ctx, sel []int32) error {
	if len(s.o.gets) == 0 {
		c.Array(len(sel))
		for _, i := range sel {
			c.Bulk(s.elems[i])
		}
		return nil
	}
	c.Array(len(sel) * len(s.o.gets))
	for _, i := range sel {
		for _, g := range s.o.gets {
			v, ok, err := s.lookup(c, g, s.elems[i])
			if err != nil {
				return err
			}
			bulkOrNull(c, v, ok)
		}
	}
	return nil
}

// store replaces the STORE key with the elements at positions sel (or the
// values of their GET patterns, empty where none) as a list, or deletes
// it when there are none, and replies with the list's length.
func (s *sorter) store(c *Ctx, sel []int32) error {
	var vals [][]byte
	if len(s.o.gets) == 0 {
		vals = make([][]byte, len(sel))
		for k, i := range sel {
			vals[k] = s.elems[i]
		}
	} else {
		// Copied: the values must outlive the writes below.
		vals = make([][]byte, 0, len(sel)*len(s.o.gets))
		for _, i := range sel {
			for _, g := range s.o.gets {
				v, _, err := s.lookup(c, g, s.elems[i])
				if err != nil {
					return err
				}
				vals = append(vals, append([]byte{}, v...))
			}
		}
	}
	dst := s.o.store
	deleted, err := c.Tx.Delete(dst)
	if err != nil {
		return err
	}
	switch {
	case len(vals) > 0:
		if _, err := c.Tx.ListPush(dst, false, vals, false); err != nil {
			return err
		}
		c.Touch(dst)
		c.Dirty(int64(len(vals)))
		c.Notify(NotifyList, "sortstore", dst)
		signalList(c, dst)
	case deleted:
		c.Touch(dst)
		c.Dirty(1)
		c.Notify(NotifyGeneric, "del", dst)
	}
	c.Int(int64(len(vals)))
	return nil
}

// sortScore reads b as Redis's SORT does, with C's strtod (strtod in
// zscore.go): the whole string, up to a NUL byte, must convert, leading
// white space allowed; NaN and results out of range (errno ERANGE:
// overflow, and underflow to zero or to an inexact subnormal) are refused.
func sortScore(b []byte) (float64, bool) {
	if n, ok := resp.ParseInt(b); ok {
		return float64(n), true // as strtod: correctly rounded
	}
	s := cString(b)
	v, n, erange := strtod(s)
	if n != len(s) || erange || math.IsNaN(v) {
		return 0, false
	}
	if v != 0 && math.Abs(v) < 0x1p-1022 {
		// glibc reports an inexact subnormal result as ERANGE too.
		exact, ok := new(big.Rat).SetString(string(bytes.TrimLeft(s, " \t\n\v\f\r")))
		if !ok || exact.Cmp(new(big.Rat).SetFloat64(v)) != 0 {
			return 0, false
		}
	}
	return v, true
}
