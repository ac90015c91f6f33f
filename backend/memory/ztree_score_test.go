package memory

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestZTreeAscendScore checks ascendScore against the ranks count finds,
// on trees of 0 to 3,000 elements with many equal scores, -0 and 0, and
// bounds on, between and beyond the scores, inclusive and exclusive; and
// that it stops when fn says so.
func TestZTreeAscendScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, size := range []int{0, 1, 2, 63, 64, 65, 200, 3000} {
		var tr ztree
		for i := range size {
			s := float64(rng.IntN(size/3 + 2))
			if s == 0 && rng.IntN(2) == 0 {
				s = math.Copysign(0, -1)
			}
			tr.insert(zelem{member: fmt.Sprint("m", i), score: s})
		}
		var all []zelem
		tr.ascend(0, func(e zelem) bool { all = append(all, e); return true })
		bounds := []float64{math.Inf(-1), math.Inf(1), math.Copysign(0, -1), 0, -1, 0.5, float64(size / 3), float64(size/3 + 2)}
		for range 40 {
			bounds = append(bounds, float64(rng.IntN(size/3+4)-1))
		}
		for _, min := range bounds {
			for _, excl := range []bool{false, true} {
				lo := tr.count(func(e zelem) bool { return e.score < min || excl && e.score == min })
				var got []zelem
				tr.ascendScore(min, excl, func(e zelem) bool { got = append(got, e); return true })
				if !slices.Equal(got, all[lo:]) {
					t.Fatalf("size %d, min %v excl %v: got %d elements from %v, want %d from rank %d", size, min, excl, len(got), got[:1], len(all)-lo, lo)
				}
				if len(got) > 1 {
					n := 0
					tr.ascendScore(min, excl, func(zelem) bool { n++; return n < 2 })
					if n != 2 {
						t.Fatalf("size %d, min %v: %d calls after fn said stop at 2", size, min, n)
					}
				}
			}
		}
	}
}
