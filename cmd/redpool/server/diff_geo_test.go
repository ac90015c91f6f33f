package server_test

import (
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the geo family against a real Redis, in RESP2 and
// RESP3 on every backend: scores, positions, hashes and distances as Redis
// computes and prints them, the members a search finds and their order,
// what the STORE forms leave behind, and every error in Redis's order.

var geoAddCases = script(
	"SET str x",
	"GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "ZRANGE Sicily 0 -1 WITHSCORES", "TYPE Sicily",
	"GEOADD Sicily 13.361389 38.115556 Palermo", "GEOADD Sicily CH 13.361389 38.115556 Palermo 13 38 new",
	"GEOADD Sicily CH 13.5 38 Palermo", "GEOADD Sicily NX 1 1 Palermo 2 2 nxnew", "GEOADD Sicily XX 3 3 Palermo 4 4 xxnew",
	"GEOADD Sicily XX CH 5 5 Palermo", "GEOADD Sicily NX CH 13.361389 38.115556 Palermo", "GEOADD Sicily CH NX XX 1 1 a",
	"GEOADD Sicily ch ch 1 1 a", "GEOADD Sicily xx ch nx 1 1 a", "ZRANGE Sicily 0 -1 WITHSCORES",
	"GEOADD k nx xx 1 2 m", "GEOADD k ch ch ch", "GEOADD k xx 1 2", "GEOADD k gt 1 2 m", "GEOADD k gt 1 2", "GEOADD k 1 2 m 3",
	"GEOADD k 1 x m", "GEOADD k x 1 m", "GEOADD k 1 100 m", "GEOADD k 200 10 m", "GEOADD k -181 0 m", "GEOADD k 0 -86 m",
	"GEOADD k inf 10 m", "GEOADD k 10 -inf m", "GEOADD k 1e300 10 m", "GEOADD k nan 1 m", "GEOADD k 1 2 a 200 1 b", "EXISTS k",
	"GEOADD k '' 1 m", "GEOADD k 1e-400 1 m", "GEOADD k 0x10 1 m", "GEOADD str 1 2 m", "GEOADD str 1 200 m", "GEOADD str x 1 m",
	"GEOADD", "GEOADD k", "GEOADD k 1 2", "GEOADD k NX 1 2",
	"GEOADD lim 180 85.05112878 a -180 -85.05112878 b 0 0 c -0 -0 d 179.9999999 -85.0511287 e", "ZRANGE lim 0 -1 WITHSCORES",
	"GEOPOS lim a b c d e", "GEOHASH lim a b c d e", "GEODIST lim a b", "GEODIST lim c d",
	"GEOADD dup 1 1 a 2 2 a", "ZRANGE dup 0 -1 WITHSCORES", "OBJECT ENCODING dup",
	"COMMAND GETKEYS GEOADD k 1 2 m",
)

var geoQueryCases = script(
	"SET str x",
	"GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
	"GEOPOS Sicily Palermo nope Catania", "GEOPOS Sicily", "GEOPOS nokey a b", "GEOPOS nokey", "GEOPOS str a", "GEOPOS str", "GEOPOS",
	"GEOHASH Sicily Palermo Catania nope edge1 edge2", "GEOHASH Sicily", "GEOHASH nokey a", "GEOHASH str a", "GEOHASH str",
	"GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Catania m", "GEODIST Sicily Palermo Catania km",
	"GEODIST Sicily Palermo Catania KM", "GEODIST Sicily Palermo Catania mi", "GEODIST Sicily Palermo Catania Ft",
	"GEODIST Sicily Palermo Catania x", "GEODIST Sicily Palermo Catania km x", "GEODIST Sicily Palermo Palermo",
	"GEODIST Sicily Palermo nope", "GEODIST Sicily nope Palermo", "GEODIST nokey a b", "GEODIST nokey a b x", "GEODIST str a b",
	"GEODIST str a b x", "GEODIST str a b km x", "GEODIST Sicily a", "GEODIST Sicily edge1 edge2 km",
	"ZADD Sicily -1 neg 1e20 big 5.5 frac inf pinf -inf ninf 4503599627370496 p52 9007199254740992 p53 9223372036854775808 p63",
	"GEOPOS Sicily neg big frac pinf ninf p52 p53 p63", "GEOHASH Sicily neg big frac pinf ninf p52 p53 p63",
	"GEODIST Sicily neg pinf", "GEODIST Sicily frac p52 km",
	"GEORADIUS Sicily -180 -85 100 km WITHHASH WITHCOORD", "GEORADIUS Sicily 180 85 100 km WITHHASH WITHCOORD",
)

var geoSearchCases = script(
	"SET str x",
	"GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
	"GEORADIUS Sicily 15 37 200 km", "GEORADIUS Sicily 15 37 200 km WITHDIST", "GEORADIUS Sicily 15 37 200 km WITHCOORD",
	"GEORADIUS Sicily 15 37 200 km WITHHASH", "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH ASC",
	"GEORADIUS Sicily 15 37 400 km DESC WITHDIST", "GEORADIUS Sicily 15 37 400 km COUNT 2", "GEORADIUS Sicily 15 37 400 km COUNT 2 DESC",
	"GEORADIUS Sicily 15 37 400 km COUNT 1 ANY", "GEORADIUS Sicily 15 37 400 km COUNT 3 ANY DESC", "GEORADIUS Sicily 15 37 400 km ANY COUNT 10",
	"GEORADIUS Sicily 15 37 400 km ANY", "GEORADIUS Sicily 15 37 400 km COUNT 0", "GEORADIUS Sicily 15 37 400 km COUNT -1",
	"GEORADIUS Sicily 15 37 400 km COUNT x", "GEORADIUS Sicily 15 37 400 km COUNT", "GEORADIUS Sicily 15 37 400 km asc count 1 count 2",
	"GEORADIUS Sicily 15 37 400 km withdist withdist asc desc", "GEORADIUS Sicily 15 37 400000 m", "GEORADIUS Sicily 15 37 250 mi WITHDIST",
	"GEORADIUS Sicily 15 37 1000000 ft WITHDIST", "GEORADIUS Sicily 15 37 0 km", "GEORADIUS Sicily 15 37 1 km",
	"GEORADIUS Sicily 15 37 -1 km", "GEORADIUS Sicily 15 37 x km", "GEORADIUS Sicily 15 37 1 kmm", "GEORADIUS Sicily x 37 1 km",
	"GEORADIUS Sicily 15 x 1 km", "GEORADIUS Sicily 200 37 1 km", "GEORADIUS Sicily 15 37 200 km bogus", "GEORADIUS Sicily 15 37 200 km store",
	"GEORADIUS Sicily 15 37 200 km STORE d WITHDIST", "GEORADIUS Sicily 15 37 200 km STOREDIST d WITHCOORD",
	"GEORADIUS nokey 15 37 200 km", "GEORADIUS nokey 200 37 200 km", "GEORADIUS nokey 15 37 -1 km", "GEORADIUS nokey 15 37 1 km bogus",
	"GEORADIUS nokey 15 37 1 km ANY", "GEORADIUS str 15 37 200 km", "GEORADIUS str 200 37 200 km", "GEORADIUS Sicily 15 37 200",
	"GEORADIUS Sicily 15 37 20000 km WITHDIST", "GEORADIUS Sicily -165 -37 20000 km WITHDIST COUNT 3",
	"GEORADIUS_RO Sicily 15 37 200 km WITHDIST", "GEORADIUS_RO Sicily 15 37 200 km STORE d", "GEORADIUS_RO Sicily 15 37 200 km STOREDIST d",
	"GEORADIUS_RO nokey 15 37 200 km", "GEORADIUS_RO str 15 37 200 km",
	"GEORADIUSBYMEMBER Sicily Palermo 200 km", "GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST WITHCOORD WITHHASH",
	"GEORADIUSBYMEMBER Sicily Palermo 400 km DESC COUNT 2", "GEORADIUSBYMEMBER Sicily nope 200 km", "GEORADIUSBYMEMBER Sicily Palermo -1 km",
	"GEORADIUSBYMEMBER Sicily nope -1 km", "GEORADIUSBYMEMBER nokey nope -1 km", "GEORADIUSBYMEMBER nokey nope 1 km bogus",
	"GEORADIUSBYMEMBER nokey nope 1 km ANY", "GEORADIUSBYMEMBER Sicily Palermo 200 km STORE d WITHDIST", "GEORADIUSBYMEMBER str a 1 km",
	"GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHDIST", "GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE d",
	"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST WITHCOORD WITHHASH",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km DESC COUNT 2",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 0 0 km", "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 0 0 km WITHDIST",
	"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 0 km WITHDIST", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 200 500 mi WITHDIST",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1000000 100000 ft", "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km COUNT 1 ANY DESC",
	"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 500 km COUNT 1 ANY", "GEOSEARCH Sicily byradius 200 km asc desc",
	"GEOSEARCH Sicily frommember Palermo asc withdist desc", "GEOSEARCH Sicily fromlonlat 15 37 asc withdist desc",
	"GEOSEARCH nokey frommember Palermo asc withdist desc", "geosearch Sicily byradius 200 km asc desc",
	"GEOSEARCH Sicily frommember Palermo fromlonlat 1 2 byradius 1 km", "GEOSEARCH Sicily fromlonlat 1 2 frommember Palermo byradius 1 km",
	"GEOSEARCH Sicily frommember Palermo byradius 1 km bybox 1 1 km", "GEOSEARCH Sicily frommember Palermo bybox 1 1 km byradius 1 km",
	"GEOSEARCH Sicily frommember nope byradius 1 km", "GEOSEARCH nokey frommember nope byradius 1 km", "GEOSEARCH nokey frommember nope byradius -1 km",
	"GEOSEARCH Sicily frommember Palermo byradius 1 km any", "GEOSEARCH Sicily frommember Palermo byradius 1 km count 0",
	"GEOSEARCH Sicily frommember Palermo byradius 1 km count x", "GEOSEARCH Sicily frommember Palermo byradius x km",
	"GEOSEARCH Sicily frommember Palermo bybox x 1 km", "GEOSEARCH Sicily frommember Palermo bybox 1 x km",
	"GEOSEARCH Sicily frommember Palermo bybox -1 1 km", "GEOSEARCH Sicily frommember Palermo bybox 1 -1 km",
	"GEOSEARCH Sicily frommember Palermo bybox 1 1 kmx", "GEOSEARCH Sicily frommember Palermo byradius 200 km storedist",
	"GEOSEARCH Sicily frommember Palermo byradius 200 km store d", "GEOSEARCH Sicily fromlonlat 200 1 byradius 1 km",
	"GEOSEARCH Sicily fromlonlat 1 byradius 1 km", "GEOSEARCH Sicily frommember Palermo byradius 1",
	"GEOSEARCH Sicily frommember Palermo byradius 1 km frommember Catania", "GEOSEARCH Sicily fromlonlat 1 2 fromlonlat 15 37 byradius 200 km",
	"GEOSEARCH Sicily fromlonlat 15 37 byradius 1 km byradius 200 km", "GEOSEARCH Sicily fromlonlat 15 37 bybox 1 1 km bybox 400 400 km",
	"GEOSEARCH str frommember x bybox 1 1 km", "GEOSEARCH str bogus bogus bogus bogus bogus", "GEOSEARCH Sicily frommember",
	"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST COUNT 1 COUNT 3",
	"COMMAND GETKEYS GEORADIUS k 0 0 1 km STORE d", "COMMAND GETKEYS GEORADIUS k 0 0 1 km", "COMMAND GETKEYS GEORADIUS k 0 0 1 km STORE a STOREDIST b",
	"COMMAND GETKEYS GEORADIUS k 0 0 1 km STOREDIST b STORE a", "COMMAND GETKEYS GEORADIUS k 0 0 1 km STORE", "COMMAND GETKEYS GEORADIUS k 0 0 1 km STORE a STORE b",
	"COMMAND GETKEYS GEORADIUSBYMEMBER k m 1 km STORE d COUNT 2", "COMMAND GETKEYS GEORADIUSBYMEMBER k store 1 km",
	"COMMAND GETKEYS GEORADIUS k store d 1 km", "COMMAND GETKEYS GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km",
	"COMMAND GETKEYS GEORADIUS_RO k 0 0 1 km STORE d", "COMMAND GETKEYS GEOSEARCH k FROMMEMBER m BYRADIUS 1 km",
	"COMMAND GETKEYS GEODIST k a b", "COMMAND GETKEYS GEOPOS k a",
)

var geoStoreCases = script(
	"SET str x",
	"GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
	"GEORADIUS Sicily 15 37 200 km STORE d", "ZRANGE d 0 -1 WITHSCORES", "TYPE d", "GEOPOS d Palermo",
	"GEORADIUS Sicily 15 37 200 km STOREDIST d", "ZRANGE d 0 -1 WITHSCORES", "GEORADIUS Sicily 15 37 400 km STOREDIST d COUNT 2 DESC",
	"ZRANGE d 0 -1 WITHSCORES", "GEORADIUS Sicily 15 37 200 km STOREDIST d STORE e", "ZRANGE e 0 -1 WITHSCORES",
	"GEORADIUS Sicily 15 37 200 km STORE d STOREDIST e", "ZRANGE e 0 -1 WITHSCORES", "GEORADIUS Sicily 15 37 1 km STORE d", "EXISTS d",
	"GEORADIUS Sicily 15 37 200 km STORE d", "GEORADIUS nokey 15 37 200 km STORE d", "EXISTS d", "GEORADIUS nokey 15 37 200 km STORE d",
	"GEORADIUS Sicily 15 37 200 mi STOREDIST str", "TYPE str", "ZRANGE str 0 -1 WITHSCORES", "SET str x", "EXPIRE str 100",
	"GEORADIUS Sicily 15 37 200 ft STORE str", "TTL str", "GEORADIUS Sicily 15 37 200 km STORE str", "TTL str",
	"GEORADIUSBYMEMBER Sicily Palermo 200 km STORE d", "ZRANGE d 0 -1 WITHSCORES", "GEORADIUSBYMEMBER Sicily Palermo 300 km STOREDIST d ASC COUNT 2",
	"ZRANGE d 0 -1 WITHSCORES", "GEORADIUSBYMEMBER nokey m 1 km STORE d", "EXISTS d", "GEORADIUSBYMEMBER Sicily nope 1 km STORE d",
	"GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3", "ZRANGE d 0 -1 WITHSCORES",
	"GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3 STOREDIST", "ZRANGE d 0 -1 WITHSCORES",
	"GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYRADIUS 100 mi STOREDIST", "ZRANGE d 0 -1 WITHSCORES",
	"GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYRADIUS 1 m", "ZRANGE d 0 -1 WITHSCORES", "GEOSEARCHSTORE d Sicily FROMLONLAT 0 0 BYRADIUS 1 m",
	"EXISTS d", "GEOSEARCHSTORE d nokey FROMLONLAT 0 0 BYRADIUS 1 m", "GEOSEARCHSTORE d str FROMLONLAT 0 0 BYRADIUS 1 m",
	"GEOSEARCHSTORE str Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "TYPE str", "GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYBOX 1 1 km ANY WITHDIST",
	"GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYBOX 1 1 km WITHCOORD STOREDIST", "GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYBOX 1 1 km STORE x",
	"GEOSEARCHSTORE d Sicily FROMMEMBER x BYBOX 1 1 km", "GEOSEARCHSTORE d Sicily BYBOX 1 1 km asc", "geosearchstore d Sicily fromlonlat 1 1 asc desc",
	"GEOSEARCHSTORE Sicily Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "ZRANGE Sicily 0 -1 WITHSCORES",
	"MULTI", "GEOADD m 1 1 a", "GEOSEARCHSTORE m2 m FROMLONLAT 1 1 BYRADIUS 1 km STOREDIST", "GEORADIUS m 1 1 1 km STORE m3", "EXEC",
	"ZRANGE m2 0 -1 WITHSCORES", "ZRANGE m3 0 -1 WITHSCORES",
	"GEORADIUS Sicily 15 37 200 km STORE a STORE b", "EXISTS a", "ZRANGE b 0 -1",
	"MULTI", "GEORADIUS Sicily 15 37 200 km STORE a STOREDIST b STORE c", "EXEC", "EXISTS a b", "ZRANGE c 0 -1 WITHSCORES",
	"GEORADIUS Sicily 15 37 400 km COUNT 9223372036854775807", "GEORADIUS Sicily 15 37 400 km COUNT 9223372036854775807 ANY",
	"GEORADIUS Sicily 15 37 400 km COUNT 9223372036854775808",
	"WATCH w", "GEOSEARCHSTORE w Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "MULTI", "PING", "EXEC",
	"WATCH w2", "GEOSEARCHSTORE w2 nokey FROMLONLAT 15 37 BYRADIUS 200 km", "MULTI", "PING", "EXEC",
	"WATCH w", "GEORADIUS Sicily 15 37 1 km STORE w", "MULTI", "PING", "EXEC", "EXISTS w",
	"WATCH Sicily", "GEOADD Sicily 13.361389 38.115556 Palermo", "MULTI", "PING", "EXEC",
	"WATCH Sicily", "GEOADD Sicily 1 1 newone", "MULTI", "PING", "EXEC",
)

// geoScriptCases run the geo commands from Lua, whose conversions of
// their replies (coordinates as strings, nested arrays) must be Redis's.
var geoScriptCases = [][]string{
	{"EVAL", "return redis.call('GEORADIUS', KEYS[1], 15, 37, 200, 'km', 'STORE', KEYS[2])", "2", "Sicily", "ev"},
	{"ZCARD", "ev"},
	{"EVAL", "return redis.call('GEOPOS', KEYS[1], 'Palermo', 'nope')", "1", "Sicily"},
	{"EVAL", "return redis.call('GEOSEARCH', KEYS[1], 'FROMMEMBER', 'Palermo', 'BYRADIUS', 200, 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH')", "1", "Sicily"},
	{"EVAL", "return redis.call('GEODIST', KEYS[1], 'Palermo', 'Catania')", "1", "Sicily"},
	{"EVAL", "return redis.pcall('GEOADD', KEYS[1], 200, 1, 'x')", "1", "Sicily"},
}

func TestDiffGeoAdd(t *testing.T)    { diffScript(t, geoAddCases) }
func TestDiffGeoQuery(t *testing.T)  { diffScript(t, geoQueryCases) }
func TestDiffGeoSearch(t *testing.T) { diffScript(t, geoSearchCases) }
func TestDiffGeoStore(t *testing.T)  { diffScript(t, append(geoStoreCases, geoScriptCases...)) }

// TestDiffGeoEdges searches around the poles' limits, the antimeridian
// and with radiuses that wrap the globe, where the 9 boxes repeat or are
// dropped, and ties of members at one position.
func TestDiffGeoEdges(t *testing.T) {
	var cmds [][]string
	add := func(args ...string) { cmds = append(cmds, args) }
	points := [][2]string{
		{"179.99", "0"}, {"-179.99", "0"}, {"180", "10"}, {"-180", "-10"}, {"0", "85.05"}, {"0", "-85.05"},
		{"90", "84"}, {"-90", "-84"}, {"0.0001", "0"}, {"-0.0001", "0"}, {"0", "0"}, {"45", "45"}, {"-45", "-45"},
		{"179.5", "85"}, {"-179.5", "-85"}, {"100", "70"}, {"-100", "-70"},
	}
	geoadd := []string{"GEOADD", "g"}
	for i, p := range points {
		geoadd = append(geoadd, p[0], p[1], "p"+strconv.Itoa(i))
	}
	add(geoadd...)
	// Members at the same position: equal distances, in member order.
	add("GEOADD", "g", "10", "10", "tie-c", "10", "10", "tie-a", "10", "10", "tie-b", "10", "10", "tie-d")
	for _, c := range [][2]string{{"0", "0"}, {"180", "0"}, {"-180", "0"}, {"179.999", "85.05"}, {"0", "-85.05112878"}, {"10", "10"}, {"-120", "70"}} {
		for _, r := range []string{"1", "100", "1000", "5000", "10000", "20000", "40000"} {
			add("GEORADIUS", "g", c[0], c[1], r, "km", "WITHDIST")
			add("GEOSEARCH", "g", "FROMLONLAT", c[0], c[1], "BYBOX", r, r, "km", "WITHDIST", "ASC")
			add("GEOSEARCH", "g", "FROMLONLAT", c[0], c[1], "BYRADIUS", r, "km", "ASC", "COUNT", "3")
		}
	}
	// Partial sorts (COUNT) among ties: Redis's pqsort order.
	add("GEOADD", "h", "0", "0", "a", "1", "0", "b", "2", "0", "c", "3", "0", "d", "4", "0", "e", "5", "0", "f", "6", "0", "g",
		"7", "0", "h", "8", "0", "i", "5", "0", "t1", "5", "0", "t2", "5", "0", "t3")
	for _, n := range []string{"1", "3", "5", "8", "11", "12", "13"} {
		add("GEOSEARCH", "h", "FROMLONLAT", "0", "0", "BYRADIUS", "10000", "km", "DESC", "COUNT", n)
		add("GEOSEARCH", "h", "FROMLONLAT", "0", "0", "BYRADIUS", "10000", "km", "ASC", "COUNT", n)
		add("GEOSEARCH", "g", "FROMLONLAT", "180", "0", "BYRADIUS", "40000", "km", "ASC", "COUNT", n)
	}
	add("GEORADIUSBYMEMBER", "g", "tie-c", "0", "km", "WITHDIST")
	add("GEORADIUSBYMEMBER", "g", "tie-c", "1", "km", "COUNT", "2")
	add("GEORADIUSBYMEMBER", "g", "tie-c", "1", "km", "ASC")
	add("GEORADIUSBYMEMBER", "g", "tie-c", "1", "km", "DESC")
	add("GEORADIUSBYMEMBER", "g", "tie-c", "1", "km", "COUNT", "3", "ANY")
	add("GEORADIUSBYMEMBER", "g", "p0", "30000", "km", "WITHDIST", "WITHHASH")
	add("GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "p5", "BYRADIUS", "20000", "km", "STOREDIST")
	add("ZRANGE", "d", "0", "-1", "WITHSCORES")
	diffScript(t, cmds)
}

// TestDiffGeoRandom compares searches around random centers in a set of
// random points, of every shape, option and unit, with their distances,
// coordinates and hashes, and the sets the STORE forms write.
func TestDiffGeoRandom(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rng := rand.New(rand.NewSource(int64(proto)*7 + int64(len(b.Name))))
		ftoa := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
		// Points clustered around a few centers, and spread over the globe.
		centers := [][2]float64{{2.35, 48.85}, {-73.98, 40.75}, {139.69, 35.68}, {-179.5, -60}, {18.4, -33.9}}
		args := []string{"GEOADD", "pts"}
		for i := range 1500 {
			var lon, lat float64
			if i%3 == 0 {
				lon, lat = rng.Float64()*360-180, rng.Float64()*170-85
			} else {
				c := centers[rng.Intn(len(centers))]
				lon = max(-180, min(180, c[0]+rng.NormFloat64()*2))
				lat = max(-85, min(85, c[1]+rng.NormFloat64()*2))
			}
			args = append(args, ftoa(lon), ftoa(lat), "m"+strconv.Itoa(i))
		}
		d.Do(args...)
		units := []string{"m", "km", "mi", "ft"}
		perKm := map[string]float64{"m": 1000, "km": 1, "mi": 0.621371, "ft": 3280.84}
		for i := range 300 {
			var from []string
			if rng.Intn(3) == 0 {
				from = []string{"FROMMEMBER", "m" + strconv.Itoa(rng.Intn(1500))}
			} else {
				c := centers[rng.Intn(len(centers))]
				from = []string{"FROMLONLAT", ftoa(c[0] + rng.NormFloat64()*2), ftoa(max(-85, min(85, c[1]+rng.NormFloat64()*2)))}
			}
			unit := units[rng.Intn(len(units))]
			km := []float64{1, 10, 50, 200, 1000, 5000}[rng.Intn(6)] * rng.Float64()
			var by []string
			if rng.Intn(2) == 0 {
				by = []string{"BYRADIUS", ftoa(km * perKm[unit]), unit}
			} else {
				by = []string{"BYBOX", ftoa(2 * km * perKm[unit]), ftoa(2 * km * rng.Float64() * perKm[unit]), unit}
			}
			var opts []string
			switch rng.Intn(4) {
			case 0:
				opts = append(opts, "ASC")
			case 1:
				opts = append(opts, "DESC")
			}
			if rng.Intn(3) == 0 {
				opts = append(opts, "COUNT", strconv.Itoa(1+rng.Intn(20)))
				if rng.Intn(3) == 0 {
					opts = append(opts, "ANY")
				}
			}
			search := append(append(append([]string{"GEOSEARCH", "pts"}, from...), by...), opts...)
			if i%10 == 0 {
				store := append(append(append([]string{"GEOSEARCHSTORE", "dst", "pts"}, from...), by...), opts...)
				if rng.Intn(2) == 0 {
					store = append(store, "STOREDIST")
				}
				d.Do(store...)
				diffScoresULP(t, d, "ZRANGE", "dst", "0", "-1", "WITHSCORES")
			}
			for _, w := range []string{"WITHDIST", "WITHCOORD", "WITHHASH"} {
				if rng.Intn(2) == 0 {
					search = append(search, w)
				}
			}
			d.Do(search...)
		}
		t.Logf("%d cases compared", d.Cases)
	})
}

// diffScoresULP compares a reply holding distances stored by STOREDIST,
// printed with 17 digits, allowing a difference of a few ulps: glibc
// 2.36's sin, cos and asin are not quite correctly rounded (each is an ulp
// off about once in 700 calls, so a few distances in a thousand come out
// an ulp or two off), where redpool's are.
func diffScoresULP(t *testing.T, d *servertest.Diff, args ...string) {
	t.Helper()
	rc, pc := d.Conns()
	want, got := rc.Do(args...), pc.Do(args...)
	d.Cases++
	if got == want {
		return
	}
	lines := func(raw string) []string {
		var out []string
		for _, l := range strings.Split(raw, "\r\n") {
			if !strings.HasPrefix(l, "$") {
				out = append(out, strings.TrimPrefix(l, ","))
			}
		}
		return out
	}
	wl, gl := lines(want), lines(got)
	ok := len(wl) == len(gl)
	for i := 0; ok && i < len(wl); i++ {
		if wl[i] == gl[i] {
			continue
		}
		w, err1 := strconv.ParseFloat(wl[i], 64)
		g, err2 := strconv.ParseFloat(gl[i], 64)
		ok = err1 == nil && err2 == nil && ulpsApart(w, g) <= 4
	}
	if !ok {
		t.Errorf("differs from Redis by more than an ulp: %s\n redpool: %q\n   redis: %q", servertest.Quote(args), got, want)
	}
}

// TestDiffGeoNotify compares the keyspace events of the geo commands with
// Redis's: GEOADD's "zadd", the STORE forms' "georadiusstore" and
// "geosearchstore" (or "del" when they store nothing), "keymiss" for a
// missing source.
func TestDiffGeoNotify(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Do("CONFIG", "SET", "notify-keyspace-events", "AKEnm")
		sub := dialPair(t, r.Addr, s.Addr, proto)
		sub.do("PSUBSCRIBE __key*__:*")
		for _, line := range []string{
			"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "GEOADD g 13.361389 38.115556 Palermo",
			"GEOADD g XX 1 1 nope", "GEOADD g CH 13 38 Palermo", "GEOPOS g Palermo", "GEOPOS nokey a", "GEODIST nokey a b",
			"GEORADIUS g 15 37 200 km STORE d", "GEORADIUS g 15 37 200 km STOREDIST d", "GEORADIUS g 15 37 1 km STORE d",
			"GEORADIUS nokey 15 37 1 km STORE d", "GEORADIUS nokey 15 37 1 km", "GEORADIUS_RO nokey 15 37 1 km",
			"GEOSEARCHSTORE e g FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCHSTORE e g FROMLONLAT 15 37 BYRADIUS 1 km",
			"GEOSEARCHSTORE e nokey FROMLONLAT 15 37 BYRADIUS 1 km", "GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 1 km",
			"GEORADIUSBYMEMBER g Palermo 100 km STORE f", "GEORADIUSBYMEMBER nokey m 100 km",
		} {
			d.Do(strings.Fields(line)...)
		}
		d.Do("PUBLISH", "__keymark__:end", "geo")
		sub.until("geo", "geo")
		d.Do("CONFIG", "SET", "notify-keyspace-events", "")
	})
}

// ulpsApart is the number of doubles from a to b (both finite, of one sign).
func ulpsApart(a, b float64) uint64 {
	x, y := math.Float64bits(a), math.Float64bits(b)
	if x > y {
		return x - y
	}
	return y - x
}
