package command

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"slices"
	"strconv"

	"redpool/backend"
)

// SORT and SORT_RO, as Redis 7.0's sort.c.
//
// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
// [ALPHA] [STORE destination] sorts the elements of a list, a set or a
// sorted set: as numbers (each must read as a double with C's strtod,
// ties broken by the elements' bytes), or with ALPHA as strings (byte
// order, as strcoll in the C locale). BY sorts by the values of other
// keys: the first '*' of the pattern is replaced by the element, and
// "key->field" reads a hash field; a BY pattern without '*' ("nosort")
// keeps the value's own order (a list's, a sorted set's by score; a set
// is sorted anyway when the result is stored, so that it is
// deterministic). GET replies with the values such patterns name ("#": the
// element itself) instead of the elements. STORE replaces destination
// with the result as a list, or deletes it when the result is empty.
//
// The keys BY and GET patterns name are not known before the command
// runs, so a SORT with such patterns locks everything (sortKeys); COMMAND
// GETKEYS still gives only the sorted key and the STORE key, as Redis.
// Sorting is stable, as glibc's qsort (a merge sort), so that elements that
// compare equal keep the order Redis gives them when it can be known.

func sortCommands() []Spec {
	return []Spec{
		{Name: "sort", Arity: -2, Flags: Write, Keys: KeySpec{1, 1, 1}, FindKeys: sortKeys, Run: sortCmd, Group: "generic", Summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", Since: "1.0.0"},
		{Name: "sort_ro", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, FindKeys: sortROKeys, Run: sortRO, Group: "generic", Summary: "Returns the sorted elements of a list, a set, or a sorted set.", Since: "7.0.0"},
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

// sortItem is one element being sorted. obj is a copy the command owns;
// cmp is the BY value an ALPHA sort compares (a copy; nil when BY names
// no value).
type sortItem struct {
	obj   []byte
	score float64
	cmp   []byte
}

// sortGeneric is SORT and (readonly) SORT_RO.
func sortGeneric(c *Ctx, readonly bool) error {
	o, err := parseSortOptions(c.Args, readonly)
	if err != nil {
		return err
	}
	key := c.Args[1]
	t, err := c.Tx.Type(key)
	if err != nil {
		return err
	}
	var n int64
	switch t {
	case backend.TypeNone:
	case backend.TypeList:
		n, err = c.Tx.ListLen(key)
	case backend.TypeSet:
		n, err = c.Tx.SetLen(key)
	default:
		return ErrWrongType
	}
	if err != nil {
		return err
	}
	// A set has no order of its own: stored, it is sorted anyway, so
	// that the result is the same everywhere.
	if o.dontsort && t == backend.TypeSet && o.hasStore {
		o.dontsort, o.alpha, o.hasBy = false, true, false
	}
	start, end := sortRange(&o, n)
	var items []sortItem
	if o.dontsort && t == backend.TypeList {
		items, err = loadListRange(c, key, n, start, end, o.desc)
		start, end = 0, int64(len(items))-1
	} else {
		items, err = loadSortItems(c, key, t, n)
	}
	if err != nil {
		return err
	}
	if !o.dontsort {
		if err := weigh(c, items, &o); err != nil {
			return err
		}
		slices.SortStableFunc(items, o.compare)
	}
	var sel []sortItem
	if end >= start {
		sel = items[start : end+1]
	}
	if o.hasStore {
		return sortStore(c, &o, sel)
	}
	return sortReply(c, &o, sel)
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

// loadListRange loads the elements start to end of the n-element list
// key, counted from the tail if desc (BY nosort keeps a list's order).
func loadListRange(c *Ctx, key []byte, n, start, end int64, desc bool) ([]sortItem, error) {
	if end < start {
		return nil, nil
	}
	from, to := start, end
	if desc {
		from, to = n-1-end, n-1-start
	}
	items := make([]sortItem, 0, to-from+1)
	err := c.Tx.ListRange(key, from, to, func(v []byte) error {
		items = append(items, sortItem{obj: bytes.Clone(v)})
		return nil
	})
	if desc {
		slices.Reverse(items)
	}
	return items, err
}

// loadSortItems loads the n elements of key, of type t.
func loadSortItems(c *Ctx, key []byte, t backend.Type, n int64) ([]sortItem, error) {
	items := make([]sortItem, 0, n)
	add := func(v []byte) { items = append(items, sortItem{obj: bytes.Clone(v)}) }
	var err error
	switch t {
	case backend.TypeList:
		err = c.Tx.ListRange(key, 0, -1, func(v []byte) error {
			add(v)
			return nil
		})
	case backend.TypeSet:
		err = c.Tx.SetIter(key, func(m []byte) bool {
			add(m)
			return true
		})
	}
	return items, err
}

// weigh computes what each item sorts by: its BY value, or itself; as a
// double unless ALPHA. An element without a BY value sorts as 0 (or,
// with ALPHA, before every other).
func weigh(c *Ctx, items []sortItem, o *sortOptions) error {
	for i := range items {
		it := &items[i]
		v := it.obj
		if o.hasBy {
			by, ok, err := sortLookup(c, o.by, it.obj)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			v = by
		}
		if o.alpha {
			if o.hasBy {
				it.cmp = append([]byte{}, v...)
			}
			continue
		}
		score, ok := sortScore(v)
		if !ok {
			return ErrSortScore
		}
		it.score = score
	}
	return nil
}

// compare orders two items as Redis's sortCompare.
func (o *sortOptions) compare(a, b sortItem) int {
	var cmp int
	switch {
	case !o.alpha:
		cmp = cmpScore(a.score, b.score)
		if cmp == 0 {
			cmp = bytes.Compare(a.obj, b.obj)
		}
	case o.hasBy:
		switch {
		case a.cmp == nil || b.cmp == nil:
			cmp = boolCompare(a.cmp != nil, b.cmp != nil)
		case o.hasStore:
			cmp = bytes.Compare(a.cmp, b.cmp)
		default:
			cmp = collate(a.cmp, b.cmp)
		}
	case o.hasStore:
		cmp = bytes.Compare(a.obj, b.obj)
	default:
		cmp = collate(a.obj, b.obj)
	}
	if o.desc {
		return -cmp
	}
	return cmp
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

// collate compares as strcoll in the C locale: as C strings, so each ends
// at its first NUL byte, in byte order. (Redis compares with strcoll
// unless it stores the result.)
func collate(a, b []byte) int { return bytes.Compare(cString(a), cString(b)) }

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

// sortLookup returns the value pattern names for element subst, as
// Redis's lookupKeyByPattern: subst itself for "#"; else the first '*'
// is replaced by subst and the result names a string key, or, for
// "key->field", a field of a hash. A pattern without '*', a missing key
// or field, and a key of another type name no value. The slice is valid
// until the transaction writes or ends.
func sortLookup(c *Ctx, pattern, subst []byte) ([]byte, bool, error) {
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
	name := make([]byte, 0, star+len(subst)+len(post))
	name = append(append(append(name, pattern[:star]...), subst...), post...)
	var v []byte
	var ok bool
	var err error
	if field != nil {
		v, ok, err = c.Tx.HashGet(name, field)
	} else {
		v, ok, err = c.Tx.Get(name)
	}
	if errors.Is(err, backend.ErrWrongType) {
		return nil, false, nil
	}
	return v, ok, err
}

// sortReply replies with the sorted items, or the values their GET
// patterns name (null where none).
func sortReply(c *Ctx, o *sortOptions, items []sortItem) error {
	if len(o.gets) == 0 {
		c.Array(len(items))
		for _, it := range items {
			c.Bulk(it.obj)
		}
		return nil
	}
	c.Array(len(items) * len(o.gets))
	for _, it := range items {
		for _, g := range o.gets {
			v, ok, err := sortLookup(c, g, it.obj)
			if err != nil {
				return err
			}
			bulkOrNull(c, v, ok)
		}
	}
	return nil
}

// sortStore replaces the STORE key with the sorted items (or the values
// of their GET patterns, empty where none) as a list, or deletes it when
// there are none, and replies with the list's length.
func sortStore(c *Ctx, o *sortOptions, items []sortItem) error {
	var vals [][]byte
	if len(o.gets) == 0 {
		vals = make([][]byte, len(items))
		for i, it := range items {
			vals[i] = it.obj
		}
	} else {
		vals = make([][]byte, 0, len(items)*len(o.gets))
		for _, it := range items {
			for _, g := range o.gets {
				v, _, err := sortLookup(c, g, it.obj)
				if err != nil {
					return err
				}
				vals = append(vals, append([]byte{}, v...))
			}
		}
	}
	dst := o.store
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

// sortScore reads b as Redis's SORT does, with C's strtod: the whole
// string (up to a NUL byte) must be a number, leading white space
// allowed; NaN and results out of range (ERANGE: overflow, and underflow
// to zero or to an inexact subnormal) are refused.
func sortScore(b []byte) (float64, bool) {
	s := cString(b)
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	s = s[i:]
	if len(s) == 0 {
		return 0, true // strtod converts nothing and stops at the end
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if isInfWord(body) {
		return math.Inf(boolSign(s[0] == '-')), true
	}
	text, nonzero, ok := cFloatSyntax(body)
	if !ok {
		return 0, false
	}
	if s[0] == '-' {
		text = "-" + text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	switch {
	case f == 0:
		// Underflow to zero is ERANGE; only a zero written as zero is 0.
		if nonzero {
			return 0, false
		}
	case math.Abs(f) < 0x1p-1022:
		// A subnormal is ERANGE unless it is exact.
		exact, ok := new(big.Rat).SetString(text)
		if !ok || exact.Cmp(new(big.Rat).SetFloat64(f)) != 0 {
			return 0, false
		}
	}
	return f, true
}

// boolSign is -1 if neg, else 1.
func boolSign(neg bool) int {
	if neg {
		return -1
	}
	return 1
}

func isCSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r'
}

// isInfWord reports whether b is "inf" or "infinity", in any case.
func isInfWord(b []byte) bool { return equalFold(b, "inf") || equalFold(b, "infinity") }

// cFloatSyntax checks that b (without sign) is all one number as strtod
// reads it: decimal digits with an optional point and exponent, or 0x
// and hex digits with an optional point and binary exponent. It returns
// the number in a form strconv.ParseFloat reads to the same value, and
// whether a digit of its mantissa is not 0.
func cFloatSyntax(b []byte) (text string, nonzero, ok bool) {
	hex := len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')
	digit, expCh := isDigit, byte('e')
	if hex {
		b = b[2:]
		digit, expCh = isHexDigit, 'p'
	}
	i, n := 0, 0
	digits := func() {
		for i < len(b) && digit(b[i]) {
			nonzero = nonzero || b[i] != '0'
			i, n = i+1, n+1
		}
	}
	digits()
	if i < len(b) && b[i] == '.' {
		i++
		digits()
	}
	if n == 0 {
		return "", false, false
	}
	mant := string(b[:i])
	exp := ""
	if i < len(b) && (b[i]|0x20) == expCh {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for k < len(b) && isDigit(b[k]) {
			k++
		}
		if k == j {
			return "", false, false
		}
		exp, i = string(b[i:k]), k
	}
	if i != len(b) {
		return "", false, false
	}
	if hex {
		if exp == "" {
			exp = "p0"
		}
		return "0x" + mant + exp, nonzero, true
	}
	return mant + exp, nonzero, true
}

func isDigit(ch byte) bool { return '0' <= ch && ch <= '9' }

func isHexDigit(ch byte) bool {
	return isDigit(ch) || ('a' <= ch|0x20 && ch|0x20 <= 'f')
}
