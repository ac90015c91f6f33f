package command

import (
	"math/rand"
	"strconv"
	"testing"
)

// Benchmarks of the geo commands through the whole dispatcher on a real
// memory backend (bench/compare.sh compares them with Redis over the
// wire): GEOADD of an existing member, and searches over 10,000 points
// spread over a degree square around Palermo (about one per km²) with a
// radius that finds about 10 of them.

func benchGeo(b *testing.B) (*Engine, *Ctx) {
	b.Helper()
	e, c := benchEngine(b)
	rng := rand.New(rand.NewSource(1))
	args := benchArgs("GEOADD", "geo")
	for i := range 10000 {
		lon := strconv.FormatFloat(13+rng.Float64(), 'f', 6, 64)
		lat := strconv.FormatFloat(38+rng.Float64(), 'f', 6, 64)
		args = append(args, []byte(lon), []byte(lat), []byte("member:"+itoa(i)))
	}
	e.Exec(c, args)
	c.Reset()
	return e, c
}

func benchGeoReply(b *testing.B, e *Engine, c *Ctx, args [][]byte) {
	b.Helper()
	e.Exec(c, args)
	want := string(c.Out())
	c.Reset()
	benchExec(b, e, c, args, want)
}

func BenchmarkGeoAddExisting(b *testing.B) {
	e, c := benchGeo(b)
	benchExec(b, e, c, benchArgs("GEOADD", "geo", "13.5", "38.5", "member:500"), ":0\r\n")
}

func BenchmarkGeoPos(b *testing.B) {
	e, c := benchGeo(b)
	benchGeoReply(b, e, c, benchArgs("GEOPOS", "geo", "member:500"))
}

func BenchmarkGeoDist(b *testing.B) {
	e, c := benchGeo(b)
	benchGeoReply(b, e, c, benchArgs("GEODIST", "geo", "member:500", "member:501", "km"))
}

func BenchmarkGeoSearch(b *testing.B) {
	e, c := benchGeo(b)
	benchGeoReply(b, e, c, benchArgs("GEOSEARCH", "geo", "FROMLONLAT", "13.5", "38.5", "BYRADIUS", "1.8", "km"))
}

func BenchmarkGeoSearchWithDistAsc(b *testing.B) {
	e, c := benchGeo(b)
	benchGeoReply(b, e, c, benchArgs("GEOSEARCH", "geo", "FROMLONLAT", "13.5", "38.5", "BYRADIUS", "1.8", "km", "ASC", "WITHDIST", "WITHCOORD"))
}

func BenchmarkGeoSearchBox(b *testing.B) {
	e, c := benchGeo(b)
	benchGeoReply(b, e, c, benchArgs("GEOSEARCH", "geo", "FROMLONLAT", "13.5", "38.5", "BYBOX", "3", "3", "km", "COUNT", "5"))
}
