package command

import (
	"bytes"
	"math"
	"math/rand"
	"strconv"
	"testing"
)

// Scores, positions and hashes below are what Redis 7.0.15 answers.

func TestGeoScore(t *testing.T) {
	for _, tc := range []struct {
		lon, lat float64
		score    uint64
	}{
		{13.361389, 38.115556, 3479099956230698}, // Palermo
		{15.087269, 37.502669, 3479447370796909}, // Catania
		{180, 85.05112878, 13510798882111488},    // both ends: bits 52 and 53
		{-180, -85.05112878, 0},                  // the first box
		{12.758489, 38.788135, 3479273021651468}, // edge1
		{17.241510, 38.788135, 3481342659049484}, // edge2
		{0, 0, 3377699720527872},                 // the middle
		{-179.99, 0, 1125899909603456},           // near the antimeridian (rounded)
		{179.99, 0, 4128299655662122},            // ... on the other side
		{10, 10, 3386427883058495},               // a tie of the edge tests
		{0.0001, 0, 3377699720528392},            // one box east of the middle
		{100, 70, 4299851715244075},              // p15 of the edge tests
		{-0.0001, 0, 1876499844737186},           // one box west (p9)
		{-179.5, -85, 9545470573},                // p14
		{0, 85.05, 3752999689392132},             // p4
		{180, 10, 10138940401276180},             // above 2^53: rounded as a double
	} {
		if got := geoScore(tc.lon, tc.lat); got != float64(tc.score) {
			t.Errorf("geoScore(%v, %v) = %.0f, want %d", tc.lon, tc.lat, got, tc.score)
		}
	}
}

func TestGeoDecode(t *testing.T) {
	for _, tc := range []struct {
		score    float64
		lon, lat string
		hash     string
	}{
		{3479099956230698, "13.36138933897018433", "38.11555639549629859", "sqc8b49rny0"},
		{3479447370796909, "15.08726745843887329", "37.50266842333162032", "sqdtr74hyu0"},
		{13510798882111488, "180", "85.0511287799999991", "bp05b5048p0"}, // clamped to the limits
		{0, "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
		// Scores no GEOADD writes, converted as gcc's (uint64_t) on x86-64.
		{-1, "180", "85.0511287799999991", "bp05b5048p0"},
		{1e20, "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
		{5.5, "-179.99999731779098511", "-85.05111990847595393", "00bh0hbj240"},
		{math.Inf(1), "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
		{math.Inf(-1), "180", "-85.05112751263942528", "00bh0hbj200"},
		{4503599627370496, "-179.99999731779098511", "85.0511287799999991", "bp05b5048p0"},
		{9007199254740992, "180", "-85.05112751263942528", "00bh0hbj200"},
		{4503599627370495, "179.99999731779098511", "85.05112751263942528", "zzpgzgpfxz0"},
	} {
		lon, lat := geoDecodeScore(tc.score)
		if got := string(appendCoord(nil, lon)); got != tc.lon {
			t.Errorf("longitude of %v = %s, want %s", tc.score, got, tc.lon)
		}
		if got := string(appendCoord(nil, lat)); got != tc.lat {
			t.Errorf("latitude of %v = %s, want %s", tc.score, got, tc.lat)
		}
		if got := string(appendGeohash(nil, tc.score)); got != tc.hash {
			t.Errorf("geohash of %v = %s, want %s", tc.score, got, tc.hash)
		}
	}
}

// TestGeoEncodeDecodeRoundTrip: a decoded position encodes to its score.
func TestGeoEncodeDecodeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for range 10000 {
		lon, lat := rng.Float64()*360-180, rng.Float64()*170-85
		s := geoScore(lon, lat)
		dlon, dlat := geoDecodeScore(s)
		if math.Abs(dlon-lon) > 360.0/(1<<26) || math.Abs(dlat-lat) > 171.0/(1<<26) {
			t.Fatalf("%v,%v decodes to %v,%v", lon, lat, dlon, dlat)
		}
		if s2 := geoScore(dlon, dlat); s2 != s {
			t.Fatalf("%v,%v: score %v, re-encoded %v", lon, lat, s, s2)
		}
	}
}

func TestGeoInterleave(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for range 1000 {
		x, y := rng.Uint32(), rng.Uint32()
		v := interleave64(x, y)
		for i := range 32 {
			if (v>>(2*i))&1 != uint64(x>>i)&1 || (v>>(2*i+1))&1 != uint64(y>>i)&1 {
				t.Fatalf("interleave64(%x, %x) = %x", x, y, v)
			}
		}
		if d := deinterleave64(v); uint32(d) != x || uint32(d>>32) != y {
			t.Fatalf("deinterleave64(%x) = %x", v, d)
		}
	}
}

func TestGeoCasts(t *testing.T) {
	for _, tc := range []struct {
		f float64
		u uint64
		i int64
	}{
		{5.5, 5, 5},
		{-1, math.MaxUint64, -1},
		{1e20, 0, math.MinInt64},
		{math.Inf(1), 0, math.MinInt64},
		{math.Inf(-1), 1 << 63, math.MinInt64},
		{9223372036854775808, 1 << 63, math.MinInt64},
		{18446744073709551616, 0, math.MinInt64},
	} {
		if got := cUint64(tc.f); got != tc.u {
			t.Errorf("cUint64(%v) = %d, want %d", tc.f, got, tc.u)
		}
		if got := cInt64(tc.f); got != tc.i {
			t.Errorf("cInt64(%v) = %d, want %d", tc.f, got, tc.i)
		}
	}
}

// TestGeoDistance checks distances against Redis's GEODIST and STOREDIST.
func TestGeoDistance(t *testing.T) {
	plon, plat := geoDecodeScore(3479099956230698)
	clon, clat := geoDecodeScore(3479447370796909)
	for _, tc := range []struct {
		unit float64
		want string
	}{{1, "166274.1516"}, {1000, "166.2742"}, {1609.34, "103.3182"}, {0.3048, "545518.8700"}} {
		if got := appendDistance(nil, geoDistanceExact(plon, plat, clon, clat)/tc.unit); string(got) != tc.want {
			t.Errorf("Palermo-Catania in %v m = %s, want %s", tc.unit, got, tc.want)
		}
	}
	// STOREDIST from (15, 37) in km: all 17 digits.
	for _, tc := range []struct {
		lon, lat float64
		want     string
	}{{plon, plat, "190.44242984775784"}, {clon, clat, "56.441257870158204"}} {
		got := strconv.FormatFloat(geoDistanceExact(15, 37, tc.lon, tc.lat)/1000, 'g', 17, 64)
		if got != tc.want {
			t.Errorf("distance from 15,37 = %s, want %s", got, tc.want)
		}
	}
}

// TestGeoExactMath checks the double-double sin, cos and asin against
// correctly rounded values.
func TestGeoExactMath(t *testing.T) {
	for _, tc := range []struct {
		f    func(float64) float64
		x    float64
		want float64
	}{
		{sinExact, 0.5, 0.479425538604203},
		{cosExact, 0.5, 0.8775825618903728},
		{sinExact, 3, 0.1411200080598672},
		{cosExact, -3, -0.9899924966004454},
		{asinExact, 0.5, 0.5235987755982989},
		{asinExact, 0, 0},
		{sinExact, 0, 0},
	} {
		if got := tc.f(tc.x); got != tc.want {
			t.Errorf("f(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}

// TestPqsortRange: pqsort leaves the asked range as a full sort would,
// whatever the rest.
func TestPqsortRange(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	cmp := geoDistOrder(&geoShape{}, false)
	for range 500 {
		n := 1 + rng.Intn(100)
		pts := make([]geoPoint, n)
		for i := range pts {
			pts[i] = geoPoint{dist: float64(rng.Intn(50)), exact: true, member: []byte(strconv.Itoa(i))}
		}
		sorted := append([]geoPoint(nil), pts...)
		geoStableSort(sorted, new([]geoPoint), cmp)
		hi := rng.Intn(n)
		pqsort(pts, cmp, 0, hi)
		for i := 0; i <= hi; i++ {
			if pts[i].dist != sorted[i].dist {
				t.Fatalf("n %d hi %d: position %d has %v, want %v", n, hi, i, pts[i].dist, sorted[i].dist)
			}
		}
	}
}

func TestAppendCoord(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{{0, "0"}, {math.Copysign(0, -1), "0"}, {1.5, "1.5"}, {-180, "-180"}, {1e-18, "0"}, {-1e-18, "0"}, {0.1, "0.10000000000000001"}} {
		if got := appendCoord(nil, tc.f); !bytes.Equal(got, []byte(tc.want)) {
			t.Errorf("appendCoord(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
