package command

import (
	"math"
	"math/rand/v2"
	"testing"
)

// geoWithinCases calls fn for searches and scores that reach the edges of
// what within decides: radiuses and boxes from a meter to 40,000 km,
// centers anywhere including next to the poles' limit and the
// antimeridian; members around each center, on and just across its edge
// (the destination of a bearing and distance), anywhere, and scores of
// any value (out-of-range ones decode to the limits). s has had areas
// called; fn must not change it.
func geoWithinCases(fn func(s *geoShape, score float64)) {
	rng := rand.New(rand.NewPCG(11, 11))
	dest := func(lon, lat, bearing, d float64) (float64, float64) {
		p1, l1, dr := degRad(lat), degRad(lon), d/earthRadius
		p2 := math.Asin(math.Sin(p1)*math.Cos(dr) + math.Cos(p1)*math.Sin(dr)*math.Cos(bearing))
		l2 := l1 + math.Atan2(math.Sin(bearing)*math.Sin(dr)*math.Cos(p1), math.Cos(dr)-math.Sin(p1)*math.Sin(p2))
		lon2 := math.Mod(radDeg(l2)+540, 360) - 180
		return lon2, min(max(radDeg(p2), geoLatMin), geoLatMax)
	}
	centers := [][2]float64{{13.5, 38.5}, {179.9999, 0}, {-180, 85.05}, {0, -85.05112878}, {-179.99, -60}, {45, 84.9}}
	for range 300 {
		centers = append(centers, [2]float64{rng.Float64()*360 - 180, rng.Float64()*2*geoLatMax - geoLatMax})
	}
	for i, c := range centers {
		size := math.Pow(10, rng.Float64()*7.6) // 1 m to 40,000 km
		s := geoShape{xy: c, conversion: 1, radius: size}
		if i%2 == 1 {
			s = geoShape{box: true, xy: c, conversion: 1, width: size * 2 * rng.Float64(), height: size * 2 * rng.Float64()}
		}
		s.areas()
		reach := max(size, s.width, s.height)
		for j := range 400 {
			var score float64
			switch j % 4 {
			case 0, 1: // on the edge, a hair either way, or anywhere near
				f := 1 + (rng.Float64()-0.5)*1e-9
				if j%4 == 1 {
					f = rng.Float64() * 1.5
				}
				lon, lat := dest(c[0], c[1], rng.Float64()*2*math.Pi, reach*f)
				score = geoScore(lon, lat)
			case 2:
				score = geoScore(rng.Float64()*360-180, rng.Float64()*2*geoLatMax-geoLatMax)
			default:
				score = float64(rng.Uint64() >> rng.IntN(64))
				if rng.IntN(4) == 0 {
					score = -score
				}
			}
			fn(&s, score)
		}
	}
}

// TestGeoCellsKeepInside checks the grid prefilter of a search: every
// member within a shape (by the exact test, within) is in its cells.
func TestGeoCellsKeepInside(t *testing.T) {
	kept, outside := 0, 0
	geoWithinCases(func(s *geoShape, score float64) {
		lon, lat := geoDecodeScore(score)
		if _, in := s.within(lon, lat); in {
			kept++
			if !s.cells.has(score) {
				t.Fatalf("shape %+v: member at %v,%v (score %v) is inside but not in cells %+v", *s, lon, lat, score, s.cells)
			}
		} else if !s.cells.has(score) {
			outside++
		}
	})
	if kept < 1000 || outside < 10000 {
		t.Fatalf("%d members inside, %d left out by the cells: the test does not reach the filter", kept, outside)
	}
}

// TestGeoNoDistDecides checks that a search without distances (noDist:
// within compares the haversine's a with aMax) finds exactly the members
// the full distance finds.
func TestGeoNoDistDecides(t *testing.T) {
	fast, in := 0, 0
	geoWithinCases(func(s *geoShape, score float64) {
		if s.box {
			return
		}
		lon, lat := geoDecodeScore(score)
		_, want := s.within(lon, lat)
		q := *s
		q.noDist = true
		q.areas()
		if q.aMax > 0 {
			fast++
		}
		if _, got := q.within(lon, lat); got != want {
			t.Fatalf("shape %+v: member at %v,%v: within %v without distances, %v with", q, lon, lat, got, want)
		}
		if want {
			in++
		}
	})
	if fast < 10000 || in < 500 {
		t.Fatalf("%d cases with aMax, %d inside: the test does not reach the shortcut", fast, in)
	}
}
