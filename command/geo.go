package command

import (
	"math"
	"strconv"

	"redpool/backend"
)

// The geo family, as Redis 7.0's geo.c answers it. A geo index is a
// sorted set (TYPE zset) whose scores are 52-bit geohashes (geohash.go);
// the commands read and write it through the backend's sorted-set
// operations, so every sorted-set command works on it too.

func geoCommands() []Spec {
	return []Spec{
		{Name: "geoadd", Arity: -5, Flags: Write, Keys: KeySpec{1, 1, 1}, Run: geoadd, Group: "geo", Summary: "Add one or more geospatial items in the geospatial index represented using a sorted set", Since: "3.2.0"},
		{Name: "geodist", Arity: -4, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: geodist, Group: "geo", Summary: "Returns the distance between two members of a geospatial index", Since: "3.2.0"},
		{Name: "geohash", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: geohash, Group: "geo", Summary: "Returns members of a geospatial index as standard geohash strings", Since: "3.2.0"},
		{Name: "geopos", Arity: -2, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: geopos, Group: "geo", Summary: "Returns longitude and latitude of members of a geospatial index", Since: "3.2.0"},
		// GEORADIUS and GEORADIUSBYMEMBER write with STORE or STOREDIST:
		// their keys are the source and the destinations those name.
		{Name: "georadius", Arity: -6, Flags: Write | MovableKeys, Keys: KeySpec{1, 1, 1}, FindKeys: geoStoreKeys(6), Run: georadius, Group: "geo", Summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", Since: "3.2.0"},
		{Name: "georadius_ro", Arity: -6, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: georadiusRO, Group: "geo", Summary: "A read-only variant for GEORADIUS", Since: "3.2.10"},
		{Name: "georadiusbymember", Arity: -5, Flags: Write | MovableKeys, Keys: KeySpec{1, 1, 1}, FindKeys: geoStoreKeys(5), Run: georadiusbymember, Group: "geo", Summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", Since: "3.2.0"},
		{Name: "georadiusbymember_ro", Arity: -5, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: georadiusbymemberRO, Group: "geo", Summary: "A read-only variant for GEORADIUSBYMEMBER", Since: "3.2.10"},
		{Name: "geosearch", Arity: -7, Flags: ReadOnly, Keys: KeySpec{1, 1, 1}, Run: geosearch, Group: "geo", Summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", Since: "6.2.0"},
		{Name: "geosearchstore", Arity: -8, Flags: Write, Keys: KeySpec{1, 2, 1}, Run: geosearchstore, Group: "geo", Summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", Since: "6.2.0"},
	}
}

// geoStoreKeys finds the keys of GEORADIUS (options from position from
// on) as Redis's key specs do: the source, the key after the first STORE,
// then the key after the first STOREDIST. The handler stores into the
// last one given, so when STORE or STOREDIST come more than once every
// database is locked.
func geoStoreKeys(from int) KeyFinder {
	return func(dst, args [][]byte) ([][]byte, bool, bool) {
		dst = append(dst, args[1])
		store, storeDist, n := -1, -1, 0
		for i := from; i+1 < len(args); i++ {
			switch {
			case equalFold(args[i], "store"):
				n++
				if store < 0 {
					store = i + 1
				}
			case equalFold(args[i], "storedist"):
				n++
				if storeDist < 0 {
					storeDist = i + 1
				}
			}
		}
		if store > 0 {
			dst = append(dst, args[store])
		}
		if storeDist > 0 {
			dst = append(dst, args[storeDist])
		}
		return dst, n > 1, true
	}
}

// parseLonLat parses a longitude and a latitude as Redis's
// extractLongLatOrReply: floats, within the limits of geohash.go.
func parseLonLat(lonArg, latArg []byte) (lon, lat float64, err error) {
	var ok bool
	if lon, ok = parseScore(lonArg); !ok {
		return 0, 0, ErrNotFloat
	}
	if lat, ok = parseScore(latArg); !ok {
		return 0, 0, ErrNotFloat
	}
	if lon < geoLongMin || lon > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		return 0, 0, GeoInvalidPair(cFormatF(lon), cFormatF(lat))
	}
	return lon, lat, nil
}

// cFormatF formats v as C's "%f".
func cFormatF(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'f', 6, 64)
}

// parseGeoUnit returns the size in meters of a unit (m, km, ft, mi).
func parseGeoUnit(u []byte) (float64, error) {
	switch {
	case equalFold(u, "m"):
		return 1, nil
	case equalFold(u, "km"):
		return 1000, nil
	case equalFold(u, "ft"):
		return 0.3048, nil
	case equalFold(u, "mi"):
		return 1609.34, nil
	}
	return 0, ErrGeoUnit
}

// --- GEOADD ---

// geoadd is GEOADD key [NX|XX] [CH] longitude latitude member ...: ZADD
// of the members at their geohash scores, as Redis runs it (event
// "zadd"). It is logged as given.
func geoadd(c *Ctx) error {
	key := c.Args[1]
	var flags backend.ZAddFlags
	ch := false
	i := 2
options:
	for ; i < len(c.Args); i++ {
		switch opt := c.Args[i]; {
		case equalFold(opt, "nx"):
			flags |= backend.ZAddNX
		case equalFold(opt, "xx"):
			flags |= backend.ZAddXX
		case equalFold(opt, "ch"):
			ch = true
		default:
			break options
		}
	}
	rest := c.Args[i:]
	if len(rest)%3 != 0 || len(rest) == 0 || flags == backend.ZAddNX|backend.ZAddXX {
		return ErrSyntax
	}
	pairs := make([]backend.ScoredMember, len(rest)/3)
	for j := range pairs {
		lon, lat, err := parseLonLat(rest[3*j], rest[3*j+1])
		if err != nil {
			return err
		}
		pairs[j] = backend.ScoredMember{Member: rest[3*j+2], Score: geoScore(lon, lat)}
	}
	absent, err := c.absentForNew(key)
	if err != nil {
		return err
	}
	res, err := c.Tx.ZAdd(key, flags, pairs)
	if err != nil {
		return err
	}
	if changed := res.Added + res.Updated; changed > 0 {
		c.Dirty(changed)
		c.notifyNew(absent && res.Added > 0, key)
		c.Notify(NotifyZSet, "zadd", key)
	}
	if res.Added > 0 {
		signalList(c, key)
	}
	if ch {
		c.Int(res.Added + res.Updated)
	} else {
		c.Int(res.Added)
	}
	return nil
}

// --- GEODIST, GEOHASH, GEOPOS ---

// geodist is GEODIST key member1 member2 [unit]: the distance, "%.4f",
// null if a member (or the key) is missing.
func geodist(c *Ctx) error {
	toMeters := 1.0
	switch {
	case len(c.Args) == 5:
		var err error
		if toMeters, err = parseGeoUnit(c.Args[4]); err != nil {
			return err
		}
	case len(c.Args) > 5:
		return ErrSyntax
	}
	key := c.Args[1]
	s1, ok1, err := c.Tx.ZScore(key, c.Args[2])
	if err != nil {
		return err
	}
	s2, ok2, err := c.Tx.ZScore(key, c.Args[3])
	if err != nil {
		return err
	}
	if !ok1 || !ok2 {
		c.Null()
		return nil
	}
	lon1, lat1 := geoDecodeScore(s1)
	lon2, lat2 := geoDecodeScore(s2)
	var buf [64]byte
	c.Bulk(appendDistance(buf[:0], geoDistanceExact(lon1, lat1, lon2, lat2)/toMeters))
	return nil
}

// geohash is GEOHASH key member ...: each member's standard geohash, null
// for a missing one.
func geohash(c *Ctx) error {
	var buf [16]byte
	return geoEachMember(c, func(s float64) { c.Bulk(appendGeohash(buf[:0], s)) }, c.Null)
}

// geopos is GEOPOS key member ...: each member's [longitude, latitude],
// a null array for a missing one.
func geopos(c *Ctx) error {
	return geoEachMember(c, func(s float64) { c.geoCoords(geoDecodeScore(s)) }, c.NullArray)
}

// geoEachMember replies to key member ... with an array of found(score)
// for each member, or missing() for one the set does not hold.
func geoEachMember(c *Ctx, found func(score float64), missing func()) error {
	key := c.Args[1]
	if _, err := c.Tx.ZLen(key); err != nil { // WRONGTYPE even without members
		return err
	}
	c.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		s, ok, err := c.Tx.ZScore(key, m)
		if err != nil {
			return err
		}
		if ok {
			found(s)
		} else {
			missing()
		}
	}
	return nil
}

// geoCoords writes a [longitude, latitude] pair.
func (c *Ctx) geoCoords(lon, lat float64) {
	c.Array(2)
	c.humanDouble(lon)
	c.humanDouble(lat)
}

// humanDouble writes a coordinate as Redis's addReplyHumanLongDouble: a
// double in RESP3, a bulk string in RESP2, both "%.17Lf" without trailing
// zeros.
func (c *Ctx) humanDouble(f float64) {
	var buf [48]byte
	if c.resp3() {
		c.out = append(appendCoord(append(c.out, ','), f), '\r', '\n')
		return
	}
	c.Bulk(appendCoord(buf[:0], f))
}

// --- the searches ---

// geoForm is the variant of the search command: where the center comes
// from and which options it takes.
type geoForm uint8

const (
	geoFormRadius      geoForm = iota // GEORADIUS[_RO] key lon lat radius unit
	geoFormByMember                   // GEORADIUSBYMEMBER[_RO] key member radius unit
	geoFormSearch                     // GEOSEARCH key
	geoFormSearchStore                // GEOSEARCHSTORE dst key
)

func georadius(c *Ctx) error           { return geoSearchCmd(c, geoFormRadius, true) }
func georadiusRO(c *Ctx) error         { return geoSearchCmd(c, geoFormRadius, false) }
func georadiusbymember(c *Ctx) error   { return geoSearchCmd(c, geoFormByMember, true) }
func georadiusbymemberRO(c *Ctx) error { return geoSearchCmd(c, geoFormByMember, false) }
func geosearch(c *Ctx) error           { return geoSearchCmd(c, geoFormSearch, false) }
func geosearchstore(c *Ctx) error      { return geoSearchCmd(c, geoFormSearchStore, false) }

// geoSort is the order of the results.
type geoSort uint8

const (
	geoUnsorted geoSort = iota
	geoAsc
	geoDesc
)

// geoQuery is a parsed search.
type geoQuery struct {
	src, dst                      []byte // dst nil: reply with the results
	storeDist                     bool
	shape                         geoShape
	withDist, withHash, withCoord bool
	sort                          geoSort
	any                           bool
	count                         int64 // 0: all
}

// parseGeoQuery parses a search command as Redis's georadiusGeneric, in
// its order, so that the first error is Redis's: the center and shape of
// the GEORADIUS forms, then the options. exists says whether the source
// exists: a missing one skips the lookups of members.
func parseGeoQuery(c *Ctx, form geoForm, storeOK, exists bool) (geoQuery, error) {
	var q geoQuery
	args := c.Args
	base := 0
	var err error
	switch form {
	case geoFormRadius:
		q.src, base = args[1], 6
		if q.shape.xy[0], q.shape.xy[1], err = parseLonLat(args[2], args[3]); err != nil {
			return q, err
		}
		if err = q.shape.parseRadius(args[4], args[5]); err != nil {
			return q, err
		}
	case geoFormByMember:
		q.src, base = args[1], 5
		if exists {
			if err = geoMemberCenter(c, q.src, args[2], &q.shape); err != nil {
				return q, err
			}
			if err = q.shape.parseRadius(args[3], args[4]); err != nil {
				return q, err
			}
		}
	case geoFormSearch:
		q.src, base = args[1], 2
	case geoFormSearchStore:
		q.dst, q.src, base = args[1], args[2], 3
	}
	search := form == geoFormSearch || form == geoFormSearchStore
	var fromMember, fromLonLat, byRadius, byBox bool
	for i := base; i < len(args); i++ {
		left := len(args) - i - 1
		switch opt := args[i]; {
		case equalFold(opt, "withdist"):
			q.withDist = true
		case equalFold(opt, "withhash"):
			q.withHash = true
		case equalFold(opt, "withcoord"):
			q.withCoord = true
		case equalFold(opt, "any"):
			q.any = true
		case equalFold(opt, "asc"):
			q.sort = geoAsc
		case equalFold(opt, "desc"):
			q.sort = geoDesc
		case equalFold(opt, "count") && left >= 1:
			if q.count, err = parseInt(args[i+1]); err != nil {
				return q, err
			}
			if q.count <= 0 {
				return q, ErrGeoCount
			}
			i++
		case storeOK && (equalFold(opt, "store") || equalFold(opt, "storedist")) && left >= 1:
			q.dst, q.storeDist = args[i+1], equalFold(opt, "storedist")
			i++
		case form == geoFormSearchStore && equalFold(opt, "storedist"):
			q.storeDist = true
		case search && !fromLonLat && equalFold(opt, "frommember") && left >= 1:
			if exists {
				if err = geoMemberCenter(c, q.src, args[i+1], &q.shape); err != nil {
					return q, err
				}
			}
			fromMember = true
			i++
		case search && !fromMember && equalFold(opt, "fromlonlat") && left >= 2:
			if q.shape.xy[0], q.shape.xy[1], err = parseLonLat(args[i+1], args[i+2]); err != nil {
				return q, err
			}
			fromLonLat = true
			i += 2
		case search && !byBox && equalFold(opt, "byradius") && left >= 2:
			if err = q.shape.parseRadius(args[i+1], args[i+2]); err != nil {
				return q, err
			}
			byRadius = true
			i += 2
		case search && !byRadius && equalFold(opt, "bybox") && left >= 3:
			if err = q.shape.parseBox(args[i+1], args[i+2], args[i+3]); err != nil {
				return q, err
			}
			byBox = true
			i += 3
		default:
			return q, ErrSyntax
		}
	}
	switch {
	case (q.dst != nil || q.storeDist) && (q.withDist || q.withHash || q.withCoord):
		if form == geoFormSearchStore {
			return q, ErrGeoSearchStoreWith
		}
		return q, ErrGeoStoreWith
	case search && !fromMember && !fromLonLat:
		return q, GeoNeedsFrom(args[0])
	case search && !byRadius && !byBox:
		return q, GeoNeedsBy(args[0])
	case q.any && q.count == 0:
		return q, ErrGeoAnyCount
	}
	return q, nil
}

// geoMemberCenter sets the shape's center to member's position.
func geoMemberCenter(c *Ctx, key, member []byte, s *geoShape) error {
	score, ok, err := c.Tx.ZScore(key, member)
	if err != nil {
		return err
	}
	if !ok {
		return ErrGeoMember
	}
	s.xy[0], s.xy[1] = geoDecodeScore(score)
	return nil
}

// parseRadius makes s the circle of radius unit (extractDistanceOrReply).
func (s *geoShape) parseRadius(radius, unit []byte) error {
	r, ok := parseScore(radius)
	if !ok {
		return ErrGeoRadiusNotFloat
	}
	if r < 0 {
		return ErrGeoRadiusNegative
	}
	conv, err := parseGeoUnit(unit)
	if err != nil {
		return err
	}
	s.box, s.radius, s.conversion = false, r, conv
	return nil
}

// parseBox makes s the box of width by height unit (extractBoxOrReply).
func (s *geoShape) parseBox(width, height, unit []byte) error {
	w, ok := parseScore(width)
	if !ok {
		return ErrGeoWidthNotFloat
	}
	h, ok := parseScore(height)
	if !ok {
		return ErrGeoHeightNotFloat
	}
	if h < 0 || w < 0 {
		return ErrGeoBoxNegative
	}
	conv, err := parseGeoUnit(unit)
	if err != nil {
		return err
	}
	s.box, s.width, s.height, s.conversion = true, w, h, conv
	return nil
}

// geoSearchCmd runs every search command: GEORADIUS and GEORADIUSBYMEMBER
// (storeOK: they take STORE and STOREDIST), their _RO forms, GEOSEARCH and
// GEOSEARCHSTORE.
func geoSearchCmd(c *Ctx, form geoForm, storeOK bool) error {
	src := c.Args[1]
	if form == geoFormSearchStore {
		src = c.Args[2]
	}
	size, err := c.Tx.ZLen(src) // WRONGTYPE before any argument is looked at
	if err != nil {
		return err
	}
	exists := size > 0
	q, err := parseGeoQuery(c, form, storeOK, exists)
	if err != nil {
		return err
	}
	if c.spec != nil && c.spec.Flags&Write != 0 {
		c.readLookup(src, exists) // ReadOnly commands get theirs from the dispatcher
	}
	if !exists {
		if q.dst != nil {
			return storeResult(c, q.dst, nil, "")
		}
		c.Array(0)
		return nil
	}
	if q.count != 0 && q.sort == geoUnsorted && !q.any {
		q.sort = geoAsc // the nearest count, as Redis
	}
	q.shape.noDist = !q.withDist && q.sort == geoUnsorted && !q.storeDist
	var limit int
	if q.any {
		limit = int(min(q.count, int64(maxGeoLimit)))
	}
	points, err := geoCollect(c, src, &q.shape, limit)
	defer geoRelease(c)
	if err != nil {
		return err
	}
	n := len(points)
	if q.count != 0 && int64(n) > q.count {
		n = int(q.count)
	}
	if q.sort != geoUnsorted {
		cmp := geoDistOrder(&q.shape, q.sort == geoDesc)
		if n == len(points) {
			geoStableSort(points, &c.rareBufs().geo.sorted, cmp) // glibc's qsort: a merge sort
		} else {
			pqsort(points, cmp, 0, n-1)
		}
	}
	points = points[:n]
	if q.dst != nil {
		event := "georadiusstore"
		if form == geoFormSearchStore {
			event = "geosearchstore"
		}
		return geoStore(c, &q, points, event)
	}
	geoReply(c, &q, points)
	return nil
}

// maxGeoLimit bounds ANY's count as an int.
const maxGeoLimit = 1 << 30

// geoPoint is a found member (Redis's geoPoint). member is a copy.
// exact says that dist is glibc's (geoDistanceExact); dist may be 0 when
// the search uses no distances (geoShape.noDist).
type geoPoint struct {
	lon, lat, dist, score float64
	member                []byte
	exact                 bool
}

// geoDistOrder returns Redis's comparison of found points by distance
// from the center of s (sort_gp_asc, or its opposite). Distances so close
// that Go's and glibc's could order them differently are replaced by
// glibc's first, so that near ties sort as in Redis.
func geoDistOrder(s *geoShape, desc bool) func(a, b *geoPoint) int {
	fix := func(p *geoPoint) {
		if !p.exact {
			p.dist, p.exact = geoDistanceExact(s.xy[0], s.xy[1], p.lon, p.lat), true
		}
	}
	return func(a, b *geoPoint) int {
		if !(a.exact && b.exact) && math.Abs(a.dist-b.dist) <= 1e-12*max(a.dist, b.dist) {
			fix(a)
			fix(b)
		}
		r := -1
		switch {
		case a.dist > b.dist:
			r = 1
		case a.dist == b.dist:
			r = 0
		}
		if desc {
			return -r
		}
		return r
	}
}

// geoStableSort sorts a as glibc's qsort does: a stable merge sort (any
// stable sort orders alike).
func geoStableSort(a []geoPoint, tmp *[]geoPoint, cmp func(x, y *geoPoint) int) {
	if len(a) < 2 {
		return
	}
	if cap(*tmp) < len(a) {
		*tmp = make([]geoPoint, len(a))
	}
	geoMergeSort(a, (*tmp)[:len(a)], cmp)
	clear(*tmp) // it held copies of the points' members
}

func geoMergeSort(a, tmp []geoPoint, cmp func(x, y *geoPoint) int) {
	n := len(a)
	if n < 2 {
		return
	}
	h := n / 2
	geoMergeSort(a[:h], tmp[:h], cmp)
	geoMergeSort(a[h:], tmp[h:], cmp)
	i, j, k := 0, h, 0
	for i < h && j < n {
		if cmp(&a[i], &a[j]) <= 0 {
			tmp[k] = a[i]
			i++
		} else {
			tmp[k] = a[j]
			j++
		}
		k++
	}
	k += copy(tmp[k:], a[i:h])
	copy(tmp[k:], a[j:n])
	copy(a, tmp[:n])
}

// geoCollect returns the members of key inside s, in the order Redis
// finds them: box by box (the center's, then the neighbours'), each in
// score order; with limit > 0 it stops once it has that many.
func geoCollect(c *Ctx, key []byte, s *geoShape, limit int) ([]geoPoint, error) {
	a := s.areas()
	boxes := [9]geoHashBits{a.hash}
	copy(boxes[1:], a.neighbors[:])
	// The score ranges of the boxes to search, in order. A box whose
	// range starts where the previous one's ends joins it: one walk
	// finds the same members in the same order.
	var spans [9][2]uint64
	n, last := 0, 0
	for i, h := range boxes {
		if h.zero() {
			continue
		}
		// Huge radiuses make neighbours repeat: skip a box equal to the
		// last one searched (never compared with the center's, as in Redis).
		if last != 0 && h == boxes[last] {
			continue
		}
		lo := geoAlign52(h)
		h.bits++
		hi := geoAlign52(h)
		if n > 0 && spans[n-1][1] == lo {
			spans[n-1][1] = hi
		} else {
			spans[n] = [2]uint64{lo, hi}
			n++
		}
		last = i
	}
	g := &c.rareBufs().geo
	if g.addFn == nil {
		g.addFn = g.add // bound once: a search makes no closure
	}
	g.shape, g.limit = *s, limit // a copy: s stays on its caller's stack
	g.points, g.arena = g.points[:0], g.arena[:0]
	for _, sp := range spans[:n] {
		if limit > 0 && len(g.points) >= limit {
			break
		}
		r := backend.ZRange{
			By:    backend.ZByScore,
			Min:   backend.ScoreBound{Value: float64(sp[0])},
			Max:   backend.ScoreBound{Value: float64(sp[1]), Exclusive: true},
			Count: -1,
		}
		if err := c.Tx.ZRange(key, r, g.addFn); err != nil {
			return nil, err
		}
	}
	return g.points, nil
}

// geoCollector gathers what geoCollect finds. A Ctx keeps one and reuses
// its buffers, so that a search allocates nothing once they have grown:
// the points geoCollect returns (and their members, in arena) are valid
// until the next search on the same Ctx, which the command's end
// precedes (geoRelease).
type geoCollector struct {
	shape  geoShape
	limit  int
	points []geoPoint
	arena  []byte     // the members' bytes
	sorted []geoPoint // geoStableSort's buffer
	addFn  func(m []byte, score float64) bool
}

// add is the ZRange callback: it keeps the member if it is inside the
// shape, and says whether to go on.
func (g *geoCollector) add(m []byte, score float64) bool {
	if !g.shape.cells.has(score) {
		return true // outside: nothing changed since the last call said go on
	}
	lon, lat := geoDecodeScore(score)
	if d, ok := g.shape.within(lon, lat); ok {
		// A member's bytes are never written again once appended, even
		// when the arena grows elsewhere.
		start := len(g.arena)
		g.arena = append(g.arena, m...)
		g.points = append(g.points, geoPoint{lon: lon, lat: lat, dist: d, score: score, member: g.arena[start:len(g.arena):len(g.arena)]})
	}
	return g.limit == 0 || len(g.points) < g.limit
}

// geoKeepPoints and geoKeepArena bound the buffers a Ctx keeps between
// searches; a search that grew them further lets them go.
const (
	geoKeepPoints = 1024
	geoKeepArena  = 64 << 10
)

// geoRelease ends a search: the buffers are kept for the next one unless
// they grew too big.
func geoRelease(c *Ctx) {
	g := &c.rareBufs().geo
	if cap(g.points) > geoKeepPoints || cap(g.arena) > geoKeepArena {
		g.points, g.arena, g.sorted = nil, nil, nil
	}
}

// geoReply writes the found points with the options asked for.
func geoReply(c *Ctx, q *geoQuery, points []geoPoint) {
	opts := 0
	for _, on := range []bool{q.withDist, q.withHash, q.withCoord} {
		if on {
			opts++
		}
	}
	c.Array(len(points))
	var buf [64]byte
	for i := range points {
		p := &points[i]
		if opts > 0 {
			c.Array(opts + 1)
		}
		c.Bulk(p.member)
		if q.withDist {
			c.Bulk(distanceText(buf[:0], p.dist, q.shape.conversion, func() float64 {
				return geoDistanceExact(q.shape.xy[0], q.shape.xy[1], p.lon, p.lat)
			}))
		}
		if q.withHash {
			c.Int(cInt64(p.score))
		}
		if q.withCoord {
			c.geoCoords(p.lon, p.lat)
		}
	}
}

// geoStore replaces q.dst with the found points, scored by geohash or,
// with STOREDIST, by distance in the query's unit.
func geoStore(c *Ctx, q *geoQuery, points []geoPoint, event string) error {
	result := make([]backend.ScoredMember, len(points))
	for i := range points {
		p := &points[i]
		score := p.score
		if q.storeDist { // shown in full: glibc's distance
			if !p.exact {
				p.dist = geoDistanceExact(q.shape.xy[0], q.shape.xy[1], p.lon, p.lat)
			}
			score = p.dist / q.shape.conversion
		}
		result[i] = backend.ScoredMember{Member: p.member, Score: score}
	}
	return storeResult(c, q.dst, result, event)
}

// pqsort sorts a far enough that a[lo..hi] hold the elements a full sort
// would put there: Redis's pqsort (Bentley & McIlroy's quicksort that
// skips the partitions outside lo..hi), step for step, so that equal
// elements land where Redis puts them.
func pqsort(a []geoPoint, cmp func(x, y *geoPoint) int, lo, hi int) {
	pqsortRange(a, 0, len(a), cmp, lo, hi)
}

func pqsortRange(a []geoPoint, base, n int, cmp func(x, y *geoPoint) int, lo, hi int) {
	swap := func(i, j int) { a[i], a[j] = a[j], a[i] }
	less := func(i, j int) int { return cmp(&a[i], &a[j]) }
	insertion := func() {
		for pm := base + 1; pm < base+n; pm++ {
			for pl := pm; pl > base && less(pl-1, pl) > 0; pl-- {
				swap(pl, pl-1)
			}
		}
	}
	med3 := func(x, y, z int) int {
		if less(x, y) < 0 {
			if less(y, z) < 0 {
				return y
			}
			if less(x, z) < 0 {
				return z
			}
			return x
		}
		if less(y, z) > 0 {
			return y
		}
		if less(x, z) < 0 {
			return x
		}
		return z
	}
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	outside := func(start, count int) bool {
		end := start + count - 1
		return (lo < start && hi < start) || (lo > end && hi > end)
	}
	for {
		if n < 7 {
			insertion()
			return
		}
		pm := base + n/2
		if n > 7 {
			pl, pn := base, base+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(base, pm)
		pa, pb := base+1, base+1
		pc, pd := base+n-1, base+n-1
		swapped := false
		for {
			for pb <= pc {
				r := less(pb, base)
				if r > 0 {
					break
				}
				if r == 0 {
					swapped = true
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := less(pc, base)
				if r < 0 {
					break
				}
				if r == 0 {
					swapped = true
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			swapped = true
			pb++
			pc--
		}
		if !swapped {
			insertion()
			return
		}
		pn := base + n
		r := min(pa-base, pb-pa)
		vecswap(base, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 && !outside(base, r) {
			pqsortRange(a, base, r, cmp, lo, hi)
		}
		if r = pd - pc; r > 1 {
			base, n = pn-r, r
			if !outside(base, n) {
				continue
			}
		}
		return
	}
}
