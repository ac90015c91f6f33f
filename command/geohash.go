package command

import (
	"math"
	"strconv"
)

// The geohash arithmetic of Redis 7.0 (geohash.c, geohash_helper.c), in
// the same floating-point steps so that scores, boxes, distances and the
// points a search finds are Redis's own.
//
// A position is stored as a sorted-set score: its longitude and latitude,
// each as a 26-bit fraction of the range (-180..180, -85.05112878..
// 85.05112878), interleaved into 52 bits (latitude bits in the even
// positions). A search covers its shape with 9 geohash boxes of a step
// estimated from the radius; each box is one score range of the set.

// The limits of the coordinates (EPSG:900913), and the precision of a score.
const (
	geoLongMin  = -180.0
	geoLongMax  = 180.0
	geoLatMin   = -85.05112878
	geoLatMax   = 85.05112878
	geoStepMax  = 26
	earthRadius = 6372797.560856 // meters, Redis's EARTH_RADIUS_IN_METERS
	mercatorMax = 20037726.37
	degToRad    = math.Pi / 180.0
)

// geoHashBits is a geohash of step*2 bits (GeoHashBits). The zero value
// (bits and step 0) is Redis's "zero" hash: a box not to search.
type geoHashBits struct {
	bits uint64
	step uint8
}

func (h geoHashBits) zero() bool { return h.bits == 0 && h.step == 0 }

// geoRange is one coordinate's range (GeoHashRange).
type geoRange struct{ min, max float64 }

// geoArea is a box's extent (GeoHashArea).
type geoArea struct{ lon, lat geoRange }

// The coordinate ranges scores are encoded in, and the standard ones
// GEOHASH re-encodes in.
var (
	geoLongRange = geoRange{geoLongMin, geoLongMax}
	geoLatRange  = geoRange{geoLatMin, geoLatMax}
	stdLatRange  = geoRange{-90, 90}
)

func degRad(a float64) float64 { return a * degToRad }
func radDeg(a float64) float64 { return a / degToRad }

// interleave64 spreads the bits of x over the even positions and those of
// y over the odd ones.
func interleave64(x32, y32 uint32) uint64 {
	x, y := uint64(x32), uint64(y32)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	y = (y | y<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	y = (y | y<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	y = (y | y<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	y = (y | y<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	y = (y | y<<1) & 0x5555555555555555
	return x | y<<1
}

// deinterleave64 undoes interleave64: the even bits in the low 32, the
// odd ones in the high 32.
func deinterleave64(v uint64) uint64 {
	x, y := v, v>>1
	x &= 0x5555555555555555
	y &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	y = (y | y>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	y = (y | y>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	y = (y | y>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	y = (y | y>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	y = (y | y>>16) & 0x00000000FFFFFFFF
	return x | y<<32
}

// geohashEncode encodes a position at step in the given ranges
// (geohashEncode); ok is false outside the limits.
func geohashEncode(lonR, latR geoRange, lon, lat float64, step uint8) (geoHashBits, bool) {
	if lon > geoLongMax || lon < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoHashBits{}, false
	}
	if lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return geoHashBits{}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min)
	latOff *= float64(uint64(1) << step)
	lonOff *= float64(uint64(1) << step)
	return geoHashBits{bits: interleave64(uint32(latOff), uint32(lonOff)), step: step}, true
}

// geohashDecode returns the box of h in the given ranges.
func geohashDecode(lonR, latR geoRange, h geoHashBits) geoArea {
	sep := deinterleave64(h.bits)
	ilat, ilon := uint32(sep), uint32(sep>>32)
	div := float64(uint64(1) << h.step)
	latScale, lonScale := latR.max-latR.min, lonR.max-lonR.min
	// ilat+1 wraps as C's uint32_t arithmetic does.
	return geoArea{
		lat: geoRange{latR.min + (float64(ilat)/div)*latScale, latR.min + (float64(ilat+1)/div)*latScale},
		lon: geoRange{lonR.min + (float64(ilon)/div)*lonScale, lonR.min + (float64(ilon+1)/div)*lonScale},
	}
}

// geoAlign52 is the 52-bit score of the first position in h's box.
func geoAlign52(h geoHashBits) uint64 { return h.bits << (52 - uint(h.step)*2) }

// geoScore is the score GEOADD stores for a valid position.
func geoScore(lon, lat float64) float64 {
	h, _ := geohashEncode(geoLongRange, geoLatRange, lon, lat, geoStepMax)
	return float64(geoAlign52(h))
}

// geoDecodeScore returns the position a score stands for: the center of
// its box, within the limits. Any score decodes, converted to an integer
// as Redis's (uint64_t) cast does on x86-64.
func geoDecodeScore(score float64) (lon, lat float64) {
	a := geohashDecode(geoLongRange, geoLatRange, geoHashBits{bits: cUint64(score), step: geoStepMax})
	lon = min(max((a.lon.min+a.lon.max)/2, geoLongMin), geoLongMax)
	lat = min(max((a.lat.min+a.lat.max)/2, geoLatMin), geoLatMax)
	return lon, lat
}

// cUint64 converts f as gcc's (uint64_t) cast does on x86-64, out of
// range values included: below 2^63 cvttsd2si (the "integer indefinite"
// 1<<63 when out of int64's range), else f-2^63 converted likewise with
// the top bit flipped.
func cUint64(f float64) uint64 {
	const two63 = 9223372036854775808.0
	if f < two63 {
		return uint64(cInt64(f))
	}
	return uint64(cInt64(f-two63)) ^ 1<<63
}

// cInt64 converts f as x86-64's cvttsd2si: truncation, and math.MinInt64
// when f is out of range (or NaN).
func cInt64(f float64) int64 {
	const two63 = 9223372036854775808.0
	if f >= -two63 && f < two63 {
		return int64(f)
	}
	return math.MinInt64
}

// geoNeighbors are the 8 boxes around a box, in Redis's GeoHashNeighbors
// order of search: north, south, east, west, north-east, north-west,
// south-east, south-west.
type geoNeighbors [8]geoHashBits

const (
	nbNorth = iota
	nbSouth
	nbEast
	nbWest
	nbNorthEast
	nbNorthWest
	nbSouthEast
	nbSouthWest
)

// move moves h one box east or west (axis: the longitude bits, the odd
// ones) or north or south (the latitude bits, the even ones): forward if
// d > 0, wrapping around.
func (h geoHashBits) move(d int, axis uint64) geoHashBits {
	shift := 64 - uint(h.step)*2
	v, fixed := h.bits&axis, h.bits&^axis
	zz := ^axis >> shift
	if d > 0 {
		v += zz + 1
	} else {
		v |= zz
		v -= zz + 1
	}
	h.bits = v&(axis>>shift) | fixed
	return h
}

const (
	geoAxisX uint64 = 0xaaaaaaaaaaaaaaaa // longitude bits
	geoAxisY uint64 = 0x5555555555555555 // latitude bits
)

func (h geoHashBits) moveX(d int) geoHashBits { return h.move(d, geoAxisX) }
func (h geoHashBits) moveY(d int) geoHashBits { return h.move(d, geoAxisY) }

func (h geoHashBits) neighbors() geoNeighbors {
	var n geoNeighbors
	n[nbEast] = h.moveX(1)
	n[nbWest] = h.moveX(-1)
	n[nbSouth] = h.moveY(-1)
	n[nbNorth] = h.moveY(1)
	n[nbNorthWest] = h.moveX(-1).moveY(1)
	n[nbNorthEast] = h.moveX(1).moveY(1)
	n[nbSouthEast] = h.moveX(1).moveY(-1)
	n[nbSouthWest] = h.moveX(-1).moveY(-1)
	return n
}

// geoEstimateSteps is the step of the boxes that cover a radius at a
// latitude (geohashEstimateStepsByRadius).
func geoEstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// geoShape is a search area: a circle of radius, or a box of width and
// height, in the unit whose size in meters is conversion, around xy
// (longitude, latitude).
type geoShape struct {
	box           bool
	xy            [2]float64
	conversion    float64
	radius        float64
	width, height float64
	cosLat        float64 // cos of the center's latitude, set by areas
	cells         geoCells
	// noDist says the search uses no distances (no WITHDIST, no sort, no
	// STOREDIST): within may then decide by the haversine's a against
	// aMax, sin² of half the radius's angle, without the arcsine, when
	// a is clearly on one side. aMax is set by areas, 0 when not used.
	noDist bool
	aMax   float64
}

// geoCells are the cells of the 26-step grid (a score's latitude and
// longitude halves) whose centers can lie inside a shape, with a margin:
// a search decodes and measures only the members in them. The bounds
// follow from the haversine formula itself (see setCells), so a member
// outside them is one Redis's arithmetic finds outside too.
type geoCells struct{ latLo, latHi, lonLo, lonHi uint32 }

// has reports whether score's cell is in c.
func (c *geoCells) has(score float64) bool {
	sep := deinterleave64(cUint64(score))
	lat, lon := uint32(sep), uint32(sep>>32)
	return lat-c.latLo <= c.latHi-c.latLo && lon-c.lonLo <= c.lonHi-c.lonLo
}

// setCells sets s.cells, with cosLat set. A point at distance d <= r
// from the center (haversine, angular distance δ = r/R) has
// sin²(Δlat/2) <= a <= sin²(δ/2), so |Δlat| <= δ; and
// cos(lat0)·cos(lat)·sin²(Δlon/2) <= a, so |sin(Δlon/2)| <=
// sin(δ/2)/sqrt(cos(lat0)·cos(latmax)), latmax the largest |latitude|
// within δ. A box's point has |Δlat| <= h/R (half the height) and, its
// width measured along its own latitude, |sin(Δlon/2)| <=
// sin(w/2R)/cos(latmax). The bounds get a relative margin of 1e-9 (Go's
// and glibc's functions differ by an ulp or so) and a cell on each side;
// a bound reaching the end of the grid, or a longitude band crossing the
// antimeridian (Δlon wraps), leaves that side open.
func (s *geoShape) setCells() {
	const margin = 1 + 1e-9
	lat0 := degRad(s.xy[1])
	var latHalf, sinLon float64
	if s.box {
		latHalf = s.height * s.conversion / 2 / earthRadius
		latMax := math.Abs(lat0) + latHalf*margin
		sinLon = math.Sin(min(s.width*s.conversion/2/earthRadius/2, math.Pi/2)) / math.Cos(latMax)
		if latMax >= math.Pi/2 {
			sinLon = 1
		}
	} else {
		latHalf = s.radius * s.conversion / earthRadius
		latMax := math.Abs(lat0) + latHalf*margin
		sinLon = math.Sin(min(latHalf/2, math.Pi/2)) / math.Sqrt(s.cosLat*math.Cos(latMax))
		if latMax >= math.Pi/2 {
			sinLon = 1
		}
	}
	latHalf = latHalf*margin + 1e-15
	s.cells.latLo, s.cells.latHi = geoCellBounds(radDeg(lat0-latHalf), radDeg(lat0+latHalf), geoLatRange)
	s.cells.lonLo, s.cells.lonHi = 0, math.MaxUint32
	if !(sinLon < 1) { // NaN included
		return
	}
	lonHalf := radDeg(2*math.Asin(sinLon)*margin + 1e-15)
	lon0 := s.xy[0]
	if lon0-lonHalf > geoLongMin && lon0+lonHalf < geoLongMax {
		s.cells.lonLo, s.cells.lonHi = geoCellBounds(lon0-lonHalf, lon0+lonHalf, geoLongRange)
	}
}

// geoCellBounds returns the cells of the 26-step grid of r whose centers
// can lie in lo..hi, one more on each side; the top one is open
// (math.MaxUint32) at the grid's end, where out-of-range scores decode.
func geoCellBounds(lo, hi float64, r geoRange) (uint32, uint32) {
	const cells = 1 << geoStepMax
	cell := func(x float64) float64 {
		return math.Floor((x - r.min) / (r.max - r.min) * cells)
	}
	l, h := cell(lo)-1, cell(hi)+1
	if !(h < cells-1) { // NaN included
		h = math.MaxUint32
	}
	if !(l > 0) {
		l = 0
	}
	return uint32(l), uint32(max(h, l))
}

// boundingBox returns the shape's bounds: min longitude, min latitude,
// max longitude, max latitude (geohashBoundingBox).
func (s *geoShape) boundingBox() [4]float64 {
	lon, lat := s.xy[0], s.xy[1]
	var height, width float64
	if s.box {
		height, width = s.conversion*(s.height/2), s.conversion*(s.width/2)
	} else {
		height, width = s.conversion*s.radius, s.conversion*s.radius
	}
	latDelta := radDeg(height / earthRadius)
	lonDeltaTop := radDeg(width / earthRadius / math.Cos(degRad(lat+latDelta)))
	lonDeltaBottom := radDeg(width / earthRadius / math.Cos(degRad(lat-latDelta)))
	var b [4]float64
	if lat < 0 {
		b[0], b[2] = lon-lonDeltaBottom, lon+lonDeltaBottom
	} else {
		b[0], b[2] = lon-lonDeltaTop, lon+lonDeltaTop
	}
	b[1], b[3] = lat-latDelta, lat+latDelta
	return b
}

// geoAreas are the boxes a search walks: the one of the center, then its
// neighbours (zero ones are skipped).
type geoAreas struct {
	hash      geoHashBits
	neighbors geoNeighbors
}

// areas computes the 9 boxes covering s (geohashCalculateAreasByShapeWGS84).
func (s *geoShape) areas() geoAreas {
	s.cosLat = math.Cos(degRad(s.xy[1]))
	s.setCells()
	s.aMax = 0
	if s.noDist && !s.box {
		// Only for half-angles below 90° (where sin grows) and well
		// below a = 1, far from the end of sqrt's and asin's domain
		// (Redis's asin of an a rounded above 1 is NaN: outside).
		if half := s.radius * s.conversion / earthRadius / 2; half < math.Pi/2 {
			if h := math.Sin(half); h*h < 0.9 {
				s.aMax = h * h
			}
		}
	}
	b := s.boundingBox()
	minLon, minLat, maxLon, maxLat := b[0], b[1], b[2], b[3]
	lon, lat := s.xy[0], s.xy[1]
	radius := s.radius
	if s.box {
		radius = math.Sqrt((s.width/2)*(s.width/2) + (s.height/2)*(s.height/2))
	}
	radius *= s.conversion
	steps := geoEstimateSteps(radius, lat)
	hash, _ := geohashEncode(geoLongRange, geoLatRange, lon, lat, steps)
	nb := hash.neighbors()
	area := geohashDecode(geoLongRange, geoLatRange, hash)

	// A step too coarse for the edges of the area: one step less.
	north := geohashDecode(geoLongRange, geoLatRange, nb[nbNorth])
	south := geohashDecode(geoLongRange, geoLatRange, nb[nbSouth])
	east := geohashDecode(geoLongRange, geoLatRange, nb[nbEast])
	west := geohashDecode(geoLongRange, geoLatRange, nb[nbWest])
	decrease := north.lat.max < maxLat || south.lat.min > minLat ||
		east.lon.max < maxLon || west.lon.min > minLon
	if steps > 1 && decrease {
		steps--
		hash, _ = geohashEncode(geoLongRange, geoLatRange, lon, lat, steps)
		nb = hash.neighbors()
		area = geohashDecode(geoLongRange, geoLatRange, hash)
	}

	// Drop the boxes that cannot hold a point of the area.
	if steps >= 2 {
		if area.lat.min < minLat {
			nb[nbSouth], nb[nbSouthWest], nb[nbSouthEast] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.lat.max > maxLat {
			nb[nbNorth], nb[nbNorthEast], nb[nbNorthWest] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.lon.min < minLon {
			nb[nbWest], nb[nbSouthWest], nb[nbNorthWest] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.lon.max > maxLon {
			nb[nbEast], nb[nbSouthEast], nb[nbNorthEast] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
	}
	return geoAreas{hash: hash, neighbors: nb}
}

// geoLatDistance is the distance in meters between two latitudes on a
// meridian (geohashGetLatDistance).
func geoLatDistance(lat1, lat2 float64) float64 {
	return earthRadius * math.Abs(degRad(lat2)-degRad(lat1))
}

// geoDistance is the haversine distance in meters (geohashGetDistance).
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	return geoDistanceCos(lon1, lat1, lon2, lat2, math.Cos(degRad(lat1)))
}

// geoDistanceCos is geoDistance given cos1, the cosine of lat1 in
// radians, which a search computes once for its center.
func geoDistanceCos(lon1, lat1, lon2, lat2, cos1 float64) float64 {
	a, ok := geoHaversineA(lon1, lat1, lon2, lat2, cos1)
	if !ok {
		return geoLatDistance(lat1, lat2)
	}
	return 2.0 * earthRadius * math.Asin(math.Sqrt(a))
}

// geoHaversineA is the haversine's a (the distance is 2R·asin(√a)), in
// geohashGetDistance's steps; ok is false when the longitudes' sine is 0,
// where Redis measures along the meridian instead.
func geoHaversineA(lon1, lat1, lon2, lat2, cos1 float64) (a float64, ok bool) {
	lon1r, lon2r := degRad(lon1), degRad(lon2)
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return 0, false
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := math.Sin((lat2r - lat1r) / 2)
	return float64(u*u) + float64(float64(float64(cos1*math.Cos(lat2r))*v)*v), true
}

// within reports whether the point at lon, lat is inside s, and its
// distance in meters from the center (geoWithinShape). A distance within
// a hair of the edge is computed again as glibc would. It needs areas
// called first.
func (s *geoShape) within(lon, lat float64) (float64, bool) {
	if !s.box {
		r := s.radius * s.conversion
		// The distance is at least the latitudes' (the haversine's a is
		// at least sin² of half their difference): a point clearly
		// beyond r by latitude alone needs no sines.
		if geoLatDistance(lat, s.xy[1]) > r*(1+1e-9) {
			return 0, false
		}
		if s.aMax > 0 {
			// a is computed to about an ulp by Go and glibc alike; the
			// full distance (and nearEdge) decides only near the edge.
			if a, ok := geoHaversineA(s.xy[0], s.xy[1], lon, lat, s.cosLat); ok {
				if a < s.aMax*(1-1e-9) {
					return 0, true
				}
				if a > s.aMax*(1+1e-9) {
					return 0, false
				}
			}
		}
		d := geoDistanceCos(s.xy[0], s.xy[1], lon, lat, s.cosLat)
		if nearEdge(d, r) {
			d = geoDistanceExact(s.xy[0], s.xy[1], lon, lat)
		}
		return d, d <= r
	}
	if geoLatDistance(lat, s.xy[1]) > s.height*s.conversion/2 {
		return 0, false
	}
	d, w := geoDistance(lon, lat, s.xy[0], lat), s.width*s.conversion/2
	if nearEdge(d, w) {
		d = geoDistanceExact(lon, lat, s.xy[0], lat)
	}
	if d > w {
		return 0, false
	}
	return geoDistanceCos(s.xy[0], s.xy[1], lon, lat, s.cosLat), true
}

// nearEdge reports whether d, a distance of Go's math, is so close to
// edge that glibc's could fall on the other side of it.
func nearEdge(d, edge float64) bool { return math.Abs(d-edge) <= 1e-12*edge }

// distanceText formats d meters in the unit of size conv as "%.4f" of
// glibc's distance: when Go's d lies too close to a rounding boundary,
// exact (glibc's) is asked for it.
func distanceText(dst []byte, d, conv float64, exact func() float64) []byte {
	x := d / conv * 1e4
	if frac := x - math.Floor(x); math.Abs(frac-0.5) <= 1e-12*x+1e-9 {
		d = exact()
	}
	return appendDistance(dst, d/conv)
}

// geoBase32 is the geohash alphabet.
const geoBase32 = "0123456789bcdefghjkmnpqrstuvwxyz"

// appendGeohash appends the standard 11-character geohash of the position
// a score stands for: decoded, then re-encoded in the standard latitude
// range, the last character always '0' (52 bits only).
func appendGeohash(dst []byte, score float64) []byte {
	lon, lat := geoDecodeScore(score)
	h, _ := geohashEncode(geoLongRange, stdLatRange, lon, lat, geoStepMax)
	for i := range 10 {
		dst = append(dst, geoBase32[(h.bits>>(52-(i+1)*5))&0x1f])
	}
	return append(dst, '0')
}

// appendCoord appends a coordinate as Redis's addReplyHumanLongDouble:
// "%.17Lf" of the exact value, trailing zeros (and a bare point) removed,
// "-0" as "0".
func appendCoord(dst []byte, f float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 17, 64)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// appendDistance appends a distance as Redis's "%.4f".
func appendDistance(dst []byte, d float64) []byte {
	return strconv.AppendFloat(dst, d, 'f', 4, 64)
}

// --- distances as glibc computes them ---
//
// Go's math.Sin, Cos and Asin may differ from glibc's by an ulp, which a
// distance stored by STOREDIST (printed with 17 digits) would show.
// glibc's are correctly rounded but for rare cases, so geoDistanceExact
// evaluates them in double-double arithmetic (about 106 bits) and rounds
// once. It costs some hundred nanoseconds, so searches use geoDistance
// and call it only where a distance shows in full or sits on an edge.

// dd is a double-double: the unevaluated sum hi + lo, |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func (x dd) add(y dd) dd {
	s := twoSum(x.hi, y.hi)
	t := twoSum(x.lo, y.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func (x dd) neg() dd { return dd{-x.hi, -x.lo} }

func (x dd) mul(y dd) dd {
	p := x.hi * y.hi
	e := math.FMA(x.hi, y.hi, -p)
	e += float64(x.hi*y.lo) + float64(x.lo*y.hi)
	return quickTwoSum(p, e)
}

// divInt divides x by a small positive integer n.
func (x dd) divInt(n float64) dd {
	q1 := x.hi / n
	// r = x - q1*n, exactly enough.
	p := q1 * n
	pe := math.FMA(q1, n, -p)
	r := twoSum(x.hi, -p)
	r.lo += x.lo - pe
	q2 := (r.hi + r.lo) / n
	return quickTwoSum(q1, q2)
}

// π/2 to about 160 bits, in three parts.
const (
	pio2Hi  = 1.5707963267948966
	pio2Mid = 6.123233995736766e-17
	pio2Lo  = -1.4973849048591698e-33
)

// sinCosDD returns sin x and cos x in double-double, for |x| <= 4.
func sinCosDD(x float64) (sin, cos dd) {
	k := math.Round(x / pio2Hi)
	r := twoSum(x, -k*pio2Hi) // k*pio2Hi is exact for |k| <= 4
	r = r.add(dd{-k * pio2Mid, -math.FMA(k, pio2Mid, -k*pio2Mid)})
	r = r.add(dd{-k * pio2Lo, 0})
	r2 := r.mul(r)
	// Taylor series of both on |r| <= π/4.
	s, term := r, r
	c, cterm := dd{1, 0}, dd{1, 0}
	for n := 1.0; n < 30; n++ {
		term = term.mul(r2).divInt((2 * n) * (2*n + 1)).neg()
		cterm = cterm.mul(r2).divInt((2*n - 1) * (2 * n)).neg()
		s = s.add(term)
		c = c.add(cterm)
		if math.Abs(term.hi) < 1e-36 && math.Abs(cterm.hi) < 1e-36 {
			break
		}
	}
	switch int(k) & 3 {
	case 0:
		return s, c
	case 1:
		return c, s.neg()
	case 2:
		return s.neg(), c.neg()
	}
	return c.neg(), s
}

func sinExact(x float64) float64 {
	s, _ := sinCosDD(x)
	return s.hi + s.lo
}

func cosExact(x float64) float64 {
	_, c := sinCosDD(x)
	return c.hi + c.lo
}

// asinExact refines math.Asin(y), 0 <= y <= 1, by one Newton step on
// sin in double-double.
func asinExact(y float64) float64 {
	t := math.Asin(y)
	if y >= 0.9999999 {
		return t
	}
	s, c := sinCosDD(t)
	diff := dd{y, 0}.add(s.neg())
	delta := (diff.hi + diff.lo) / (c.hi + c.lo)
	r := twoSum(t, delta)
	return r.hi + r.lo
}

// geoDistanceExact is geoDistance with glibc's results.
func geoDistanceExact(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := degRad(lon1), degRad(lon2)
	v := sinExact((lon2r - lon1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := sinExact((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(cosExact(lat1r)*cosExact(lat2r))*v)*v)
	return 2.0 * earthRadius * asinExact(math.Sqrt(a))
}
