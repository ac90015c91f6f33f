package server_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// Differential tests of the bitmap family (SETBIT, GETBIT, BITCOUNT,
// BITPOS, BITOP, BITFIELD, BITFIELD_RO) against a real Redis, byte for
// byte, in RESP2 and RESP3 on both backends.

func TestDiffBitmaps(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("RPUSH", "list", "x")
		cases := [][]string{
			// SETBIT and GETBIT.
			{"SETBIT", "b", "7", "1"}, {"SETBIT", "b", "7", "1"}, {"SETBIT", "b", "7", "0"}, {"GET", "b"},
			{"SETBIT", "b", "100", "1"}, {"GET", "b"}, {"STRLEN", "b"}, {"GETBIT", "b", "100"}, {"GETBIT", "b", "101"},
			{"GETBIT", "b", "100000"}, {"GETBIT", "nope", "0"}, {"GETBIT", "list", "0"}, {"SETBIT", "list", "0", "1"},
			{"SETBIT", "b", "-1", "1"}, {"SETBIT", "b", "x", "1"}, {"SETBIT", "b", "1", "2"}, {"SETBIT", "b", "1", "-1"},
			{"SETBIT", "b", "1", "x"}, {"SETBIT", "b", "1", ""}, {"SETBIT", "b", "1", " 1"}, {"SETBIT", "b", "01", "1"},
			{"SETBIT", "b", "4294967296", "1"}, {"SETBIT", "b", "9223372036854775807", "1"}, {"SETBIT", "b", "+1", "1"},
			{"GETBIT", "b", "4294967295"}, {"GETBIT", "b", "4294967296"}, {"GETBIT", "b", "-1"}, {"GETBIT", "b", "1.5"},
			{"SETBIT", "list", "-1", "1"}, {"SETBIT", "b", "1"}, {"GETBIT", "b"}, {"SETBIT", "b", "1", "1", "1"},
			{"SET", "n", "12"}, {"GETBIT", "n", "2"}, {"GETBIT", "n", "3"}, {"SETBIT", "n", "6", "1"}, {"GET", "n"},
			{"SET", "n2", "7"}, {"SETBIT", "n2", "6", "0"}, {"GET", "n2"}, {"SET", "seven", "7"}, {"GET", "seven"},
			{"SET", "e", "v", "EX", "1000"}, {"SETBIT", "e", "0", "1"}, {"TTL", "e"}, {"TYPE", "b"},
			{"SETBIT", "new", "0", "0"}, {"EXISTS", "new"}, {"GET", "new"}, {"SETBIT", "new2", "15", "0"}, {"STRLEN", "new2"},
			// BITCOUNT.
			{"SET", "s", "foobar"}, {"BITCOUNT", "s"}, {"BITCOUNT", "s", "0", "0"}, {"BITCOUNT", "s", "1", "1"},
			{"BITCOUNT", "s", "1", "-1"}, {"BITCOUNT", "s", "-2", "-1"}, {"BITCOUNT", "s", "-1", "-2"}, {"BITCOUNT", "s", "5", "1"},
			{"BITCOUNT", "s", "-100", "100"}, {"BITCOUNT", "s", "100", "200"}, {"BITCOUNT", "s", "-100", "-50"},
			{"BITCOUNT", "s", "0", "-100"}, {"BITCOUNT", "s", "1", "1", "BYTE"}, {"BITCOUNT", "s", "5", "30", "BIT"},
			{"BITCOUNT", "s", "5", "30", "bit"}, {"BITCOUNT", "s", "0", "0", "BIT"}, {"BITCOUNT", "s", "1", "6", "BIT"},
			{"BITCOUNT", "s", "-3", "-1", "BIT"}, {"BITCOUNT", "s", "-1", "-3", "BIT"}, {"BITCOUNT", "s", "9", "9", "BIT"},
			{"BITCOUNT", "s", "0", "47", "BIT"}, {"BITCOUNT", "s", "0", "48", "BIT"}, {"BITCOUNT", "s", "47", "1000", "BIT"},
			{"BITCOUNT", "s", "-48", "-1", "BIT"}, {"BITCOUNT", "s", "-49", "-1", "BIT"}, {"BITCOUNT", "s", "3", "2", "BIT"},
			{"BITCOUNT", "s", "1"}, {"BITCOUNT", "s", "1", "2", "3"}, {"BITCOUNT", "s", "1", "2", "BIT", "x"},
			{"BITCOUNT", "s", "a", "1"}, {"BITCOUNT", "s", "1", "a"}, {"BITCOUNT", "s", "a", "b", "BOGUS"},
			{"BITCOUNT", "s", "0", "1", "BOGUS"}, {"BITCOUNT", "nope"}, {"BITCOUNT", "nope", "1"}, {"BITCOUNT", "nope", "a", "b"},
			{"BITCOUNT", "nope", "0", "1", "x"}, {"BITCOUNT", "list"}, {"BITCOUNT", "list", "a"}, {"BITCOUNT"},
			{"BITCOUNT", "n"}, {"BITCOUNT", "n", "0", "3", "BIT"}, {"SET", "empty", ""}, {"BITCOUNT", "empty"},
			{"BITCOUNT", "empty", "0", "-1"}, {"BITCOUNT", "empty", "0", "-1", "BIT"},
			{"BITCOUNT", "s", "-9223372036854775808", "9223372036854775807"}, {"BITCOUNT", "s", "0", "9223372036854775807", "BIT"},
			{"BITCOUNT", "s", "-9223372036854775808", "-1", "BIT"},
			// BITPOS.
			{"SET", "ones", "\xff\xff\xff"}, {"BITPOS", "ones", "0"}, {"BITPOS", "ones", "1"}, {"BITPOS", "ones", "0", "1"},
			{"BITPOS", "ones", "0", "1", "2"}, {"BITPOS", "ones", "0", "1", "-1"}, {"BITPOS", "ones", "0", "0", "100"},
			{"BITPOS", "ones", "0", "5"}, {"BITPOS", "ones", "0", "-100"}, {"BITPOS", "ones", "0", "0", "23", "BIT"},
			{"BITPOS", "ones", "0", "0", "-1", "BIT"}, {"BITPOS", "ones", "1", "3", "5", "BIT"}, {"BITPOS", "ones", "0", "3", "5", "BIT"},
			{"SET", "zeros", "\x00\x00\x00"}, {"BITPOS", "zeros", "1"}, {"BITPOS", "zeros", "0"}, {"BITPOS", "zeros", "1", "1"},
			{"BITPOS", "zeros", "1", "0", "-1"}, {"BITPOS", "zeros", "0", "2"}, {"BITPOS", "zeros", "1", "0", "23", "BIT"},
			{"SET", "mix", "\x00\xff\xf0"}, {"BITPOS", "mix", "1"}, {"BITPOS", "mix", "0"}, {"BITPOS", "mix", "1", "2"},
			{"BITPOS", "mix", "1", "2", "-1"}, {"BITPOS", "mix", "0", "1"}, {"BITPOS", "mix", "0", "1", "1"},
			{"BITPOS", "mix", "0", "1", "2"}, {"BITPOS", "mix", "1", "7", "15", "BIT"}, {"BITPOS", "mix", "1", "9", "15", "BIT"},
			{"BITPOS", "mix", "0", "8", "15", "BIT"}, {"BITPOS", "mix", "0", "8", "19", "BIT"}, {"BITPOS", "mix", "0", "8", "20", "BIT"},
			{"BITPOS", "mix", "0", "10", "12", "BIT"}, {"BITPOS", "mix", "1", "-5", "-1", "BIT"}, {"BITPOS", "mix", "0", "-5", "-1", "BIT"},
			{"BITPOS", "mix", "1", "16", "19", "BIT"}, {"BITPOS", "mix", "0", "16", "19", "BIT"}, {"BITPOS", "mix", "1", "20", "23", "BIT"},
			{"BITPOS", "mix", "1", "0", "0", "BYTE"}, {"BITPOS", "mix", "1", "0", "1", "byte"}, {"BITPOS", "mix", "1", "3", "1"},
			{"BITPOS", "mix", "1", "-1", "-3"}, {"BITPOS", "mix", "1", "0", "100", "BIT"}, {"BITPOS", "mix", "0", "0", "100", "BIT"},
			{"BITPOS", "nope", "1"}, {"BITPOS", "nope", "0"}, {"BITPOS", "nope", "1", "a"}, {"BITPOS", "nope", "0", "1", "2", "BOGUS"},
			{"BITPOS", "nope", "2"}, {"BITPOS", "nope", "x"}, {"BITPOS", "mix", "2"}, {"BITPOS", "mix", "-1"}, {"BITPOS", "mix", ""},
			{"BITPOS", "mix", "1", "a"}, {"BITPOS", "mix", "1", "0", "a"}, {"BITPOS", "mix", "1", "0", "1", "BOGUS"},
			{"BITPOS", "mix", "1", "a", "b", "c"}, {"BITPOS", "mix", "1", "0", "b", "c"}, {"BITPOS", "mix", "1", "0", "1", "BIT", "x"},
			{"BITPOS", "list", "1"}, {"BITPOS", "list", "2"}, {"BITPOS", "list", "1", "a"}, {"BITPOS", "mix"}, {"BITPOS"},
			{"BITPOS", "empty", "0"}, {"BITPOS", "empty", "1"}, {"BITPOS", "empty", "0", "0", "-1"}, {"BITPOS", "n", "1"},
			{"BITPOS", "n", "0"}, {"BITPOS", "mix", "0", "-9223372036854775808", "9223372036854775807", "BIT"},
			// BITOP.
			{"SET", "a", "\xff\x0f\x33abcdefghijk"}, {"SET", "c", "\x0f\xff"}, {"BITOP", "AND", "d", "a", "c"}, {"GET", "d"},
			{"BITOP", "OR", "d", "a", "c"}, {"GET", "d"}, {"BITOP", "xor", "d", "a", "c", "s"}, {"GET", "d"},
			{"BITOP", "NOT", "d", "a"}, {"GET", "d"}, {"BITOP", "not", "d", "c"}, {"GET", "d"},
			{"BITOP", "AND", "d", "a", "nope"}, {"GET", "d"}, {"BITOP", "OR", "d", "nope", "a"}, {"GET", "d"},
			{"BITOP", "AND", "d", "nope"}, {"EXISTS", "d"}, {"BITOP", "AND", "d", "nope"}, {"BITOP", "OR", "d", "empty"},
			{"BITOP", "NOT", "d", "a", "c"}, {"BITOP", "NOT", "d"}, {"BITOP", "NAND", "d", "a"}, {"BITOP", "AND", "d"},
			{"BITOP", "AND", "d", "a", "list"}, {"BITOP", "AND", "d", "list", "nope"}, {"BITOP", "BOGUS", "d", "list"},
			{"BITOP", "NOT", "d", "list"}, {"BITOP", "AND", "list", "a"}, {"TYPE", "list"}, {"GET", "list"},
			{"RPUSH", "list", "x"}, {"BITOP", "AND", "list", "nope"}, {"EXISTS", "list"}, {"RPUSH", "list", "x"},
			{"BITOP", "AND", "a", "a", "c"}, {"GET", "a"}, {"BITOP", "XOR", "n", "n", "n"}, {"GET", "n"},
			{"SET", "t", "x", "EX", "1000"}, {"BITOP", "OR", "t", "c"}, {"TTL", "t"}, {"BITOP", "OR", "d", "seven", "s"}, {"GET", "d"},
			{"BITOP", "and", "d", "empty", "c"}, {"GET", "d"}, {"BITOP", "XOR", "d", "c", "c"}, {"GET", "d"},
			// BITFIELD.
			{"BITFIELD", "f", "SET", "i8", "0", "-100", "GET", "i8", "0", "GET", "u8", "0"}, {"GET", "f"},
			{"BITFIELD", "f", "INCRBY", "i8", "0", "-100"}, {"BITFIELD", "f", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1"},
			{"BITFIELD", "f", "SET", "u8", "#1", "255", "GET", "u4", "#2", "GET", "i4", "#3", "get", "u4", "#100"},
			{"GET", "f"}, {"STRLEN", "f"}, {"BITFIELD", "f"}, {"BITFIELD", "nope"}, {"EXISTS", "nope"},
			{"BITFIELD", "nope", "GET", "i64", "0"}, {"EXISTS", "nope"}, {"BITFIELD", "f", "GET", "i64", "0", "GET", "u63", "1"},
			{"BITFIELD", "f", "GET", "u64", "0"}, {"BITFIELD", "f", "GET", "i65", "0"}, {"BITFIELD", "f", "GET", "i0", "0"},
			{"BITFIELD", "f", "GET", "x8", "0"}, {"BITFIELD", "f", "GET", "", "0"}, {"BITFIELD", "f", "GET", "i", "0"},
			{"BITFIELD", "f", "GET", "i-1", "0"}, {"BITFIELD", "f", "GET", "I8", "0"}, {"BITFIELD", "f", "GET", "i08", "0"},
			{"BITFIELD", "f", "GET", "i8", "-1"}, {"BITFIELD", "f", "GET", "i8", "#-1"}, {"BITFIELD", "f", "GET", "i8", "#"},
			{"BITFIELD", "f", "GET", "i8", "x"}, {"BITFIELD", "f", "GET", "i8", "4294967295"}, {"BITFIELD", "f", "GET", "i8", "4294967296"},
			{"BITFIELD", "f", "GET", "i8", "#536870911"}, {"BITFIELD", "f", "GET", "i8", "#536870912"},
			{"BITFIELD", "f", "GET", "i64", "#1152921504606846976"}, {"BITFIELD", "f", "GET", "u8", "##1"},
			{"BITFIELD", "f", "GET", "i8"}, {"BITFIELD", "f", "GET"}, {"BITFIELD", "f", "SET", "i8", "0"},
			{"BITFIELD", "f", "INCRBY", "i8", "0"}, {"BITFIELD", "f", "OVERFLOW"}, {"BITFIELD", "f", "OVERFLOW", "BOGUS"},
			{"BITFIELD", "f", "OVERFLOW", "BOGUS", "GET", "x", "y"}, {"BITFIELD", "f", "BOGUS", "i8", "0"},
			{"BITFIELD", "f", "SET", "i8", "0", "x"}, {"BITFIELD", "f", "SET", "x8", "0", "x"}, {"BITFIELD", "f", "SET", "i8", "x", "x"},
			{"BITFIELD", "f", "GET", "i8", "0", "SET", "i8", "0", "1.5"}, {"BITFIELD", "f", "GET", "i8", "0", "BOGUS"},
			{"BITFIELD", "f", "OVERFLOW", "WRAP"}, {"BITFIELD", "f", "overflow", "sat", "set", "i8", "0", "1000", "get", "i8", "0"},
			{"BITFIELD", "f", "OVERFLOW", "SAT", "SET", "i8", "0", "-1000", "GET", "i8", "0"},
			{"BITFIELD", "f", "OVERFLOW", "WRAP", "SET", "i8", "0", "1000", "GET", "i8", "0"},
			{"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "i8", "0", "1000", "GET", "i8", "0", "SET", "i8", "0", "127"},
			{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "8", "300", "OVERFLOW", "WRAP", "INCRBY", "u8", "8", "300"},
			{"BITFIELD", "f", "SET", "u8", "8", "-1", "OVERFLOW", "SAT", "SET", "u8", "8", "-1", "GET", "u8", "8"},
			{"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "8", "-1", "SET", "u8", "8", "256", "SET", "u8", "8", "255"},
			{"BITFIELD", "g", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1", "GET", "i64", "0"},
			{"BITFIELD", "g", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "-9223372036854775808"},
			{"BITFIELD", "g", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0", "-1"},
			{"BITFIELD", "g", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-1", "INCRBY", "i64", "0", "9223372036854775807"},
			{"BITFIELD", "g", "SET", "u63", "3", "9223372036854775807", "INCRBY", "u63", "3", "1", "GET", "u63", "3"},
			{"BITFIELD", "g", "OVERFLOW", "SAT", "INCRBY", "u63", "3", "-9223372036854775808", "INCRBY", "u63", "3", "9223372036854775807"},
			{"BITFIELD", "g", "SET", "i1", "5", "1", "GET", "i1", "5", "INCRBY", "i1", "5", "1", "OVERFLOW", "SAT", "INCRBY", "i1", "5", "-5"},
			{"BITFIELD", "g", "SET", "u1", "5", "1", "INCRBY", "u1", "5", "1", "OVERFLOW", "SAT", "INCRBY", "u1", "5", "5"},
			{"GET", "g"}, {"BITFIELD", "h", "OVERFLOW", "FAIL", "INCRBY", "u8", "100", "300"}, {"EXISTS", "h"}, {"GET", "h"},
			{"BITFIELD", "h2", "SET", "u8", "0", "0"}, {"GET", "h2"}, {"BITFIELD", "h2", "SET", "u8", "0", "0"},
			{"BITFIELD", "list", "GET", "u8", "0"}, {"BITFIELD", "list", "SET", "u8", "0", "1"}, {"BITFIELD", "list", "GET", "u8", "x"},
			{"BITFIELD", "n", "GET", "u8", "0", "SET", "u4", "4", "9"}, {"GET", "n"}, {"BITFIELD"},
			{"BITFIELD", "f", "GET", "u8\x00x", "0"}, {"BITFIELD", "f", "GET", "u8 ", "0"}, {"BITFIELD", "f", "GET", "u+8", "0"},
			// BITFIELD_RO.
			{"BITFIELD_RO", "f", "GET", "u8", "0", "GET", "i4", "#3"}, {"BITFIELD_RO", "f"}, {"BITFIELD_RO", "nope", "GET", "u8", "0"},
			{"BITFIELD_RO", "f", "SET", "u8", "0", "1"}, {"BITFIELD_RO", "f", "INCRBY", "u8", "0", "1"},
			{"BITFIELD_RO", "f", "GET", "u8", "0", "SET", "u8", "0", "x"}, {"BITFIELD_RO", "f", "OVERFLOW", "SAT"},
			{"BITFIELD_RO", "f", "GET", "u64", "0"}, {"BITFIELD_RO", "list", "GET", "u8", "0"}, {"BITFIELD_RO", "list", "SET", "u8", "0", "1"},
			{"BITFIELD_RO", "f", "BOGUS"}, {"BITFIELD_RO"}, {"GET", "f"},
			// The value as other commands see it.
			{"TYPE", "f"}, {"SETRANGE", "f", "1", "xyz"}, {"BITCOUNT", "f"}, {"APPEND", "f", "!"},
			{"BITFIELD", "f", "GET", "u16", "#1"},
		}
		for _, c := range cases {
			d.Do(c...)
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffBitmapsLarge compares the word-at-a-time paths on values longer
// than a few words: BITCOUNT and BITPOS over every alignment of a range,
// BITOP of strings of different lengths, SETBIT far out.
func TestDiffBitmapsLarge(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rng := rand.New(rand.NewPCG(1, uint64(proto)))
		val := make([]byte, 300)
		for i := range val {
			val[i] = byte(rng.IntN(256))
		}
		// Runs of zeros and ones for BITPOS to skip.
		for i := 40; i < 140; i++ {
			val[i] = 0
		}
		for i := 160; i < 260; i++ {
			val[i] = 0xff
		}
		d.Both("SET", "v", string(val))
		d.Do("BITCOUNT", "v")
		for _, start := range []int{0, 1, 7, 8, 9, 39, 41, 150, 299, -1, -33} {
			for _, end := range []int{0, 8, 31, 33, 139, 161, 259, 299, 400, -1, -9} {
				a, z := strconv.Itoa(start), strconv.Itoa(end)
				d.Do("BITCOUNT", "v", a, z)
				d.Do("BITCOUNT", "v", a+"3", z+"5", "BIT")
				d.Do("BITPOS", "v", "1", a, z)
				d.Do("BITPOS", "v", "0", a, z)
				d.Do("BITPOS", "v", "1", a+"1", z+"7", "BIT")
				d.Do("BITPOS", "v", "0", a+"1", z+"7", "BIT")
			}
		}
		for _, start := range []string{"40", "41", "160", "161"} {
			d.Do("BITPOS", "v", "1", start)
			d.Do("BITPOS", "v", "0", start)
		}
		d.Both("SET", "ones", strings.Repeat("\xff", 100))
		d.Do("BITPOS", "ones", "0")
		d.Do("BITPOS", "ones", "0", "3")
		d.Do("BITPOS", "ones", "0", "3", "-1")
		d.Do("BITPOS", "ones", "0", "3", "799", "BIT")
		d.Both("SET", "w", string(val[7:150]))
		for _, op := range []string{"AND", "OR", "XOR"} {
			d.Do("BITOP", op, "dst", "v", "w", "ones")
			d.Do("GET", "dst")
			d.Do("BITOP", op, "dst", "w", "nope", "v")
			d.Do("GET", "dst")
		}
		d.Do("BITOP", "NOT", "dst", "v")
		d.Do("GET", "dst")
		d.Do("SETBIT", "far", "8000000", "1")
		d.Do("STRLEN", "far")
		d.Do("BITCOUNT", "far")
		d.Do("BITPOS", "far", "1")
		d.Do("BITPOS", "far", "0", "2")
		d.Do("BITFIELD", "far", "INCRBY", "i64", "7999990", "12345", "GET", "u63", "7999980")
		d.Do("BITCOUNT", "far")
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffBitmapsRandom runs random sequences of SETBIT, BITFIELD, BITOP,
// BITCOUNT, BITPOS and GETBIT on a few small keys, on both servers, and
// compares every reply and the values at the end.
func TestDiffBitmapsRandom(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, b servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		rng := rand.New(rand.NewPCG(42, uint64(proto)))
		keys := []string{"k1", "k2", "k3", "k4"}
		key := func() string { return keys[rng.IntN(len(keys))] }
		num := func(n int) string { return strconv.Itoa(rng.IntN(2*n+1) - n) }
		types := func() string {
			if rng.IntN(2) == 0 {
				return "i" + strconv.Itoa(1+rng.IntN(64))
			}
			return "u" + strconv.Itoa(1+rng.IntN(63))
		}
		value := func() string {
			switch rng.IntN(4) {
			case 0:
				return strconv.FormatInt(rng.Int64(), 10)
			case 1:
				return strconv.FormatInt(-rng.Int64(), 10)
			default:
				return num(300)
			}
		}
		for range 1500 {
			switch rng.IntN(8) {
			case 0, 1:
				d.Do("SETBIT", key(), strconv.Itoa(rng.IntN(400)), strconv.Itoa(rng.IntN(2)))
			case 2:
				args := []string{"BITFIELD", key()}
				for range 1 + rng.IntN(4) {
					switch rng.IntN(4) {
					case 0:
						args = append(args, "GET", types(), strconv.Itoa(rng.IntN(300)))
					case 1:
						args = append(args, "SET", types(), strconv.Itoa(rng.IntN(300)), value())
					case 2:
						args = append(args, "INCRBY", types(), strconv.Itoa(rng.IntN(300)), value())
					default:
						args = append(args, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[rng.IntN(3)])
					}
				}
				d.Do(args...)
			case 3:
				op := []string{"AND", "OR", "XOR", "NOT"}[rng.IntN(4)]
				args := []string{"BITOP", op, key(), key()}
				if op != "NOT" {
					for range rng.IntN(3) {
						args = append(args, key())
					}
				}
				d.Do(args...)
			case 4:
				if rng.IntN(3) == 0 {
					d.Do("BITCOUNT", key())
				} else {
					d.Do("BITCOUNT", key(), num(60), num(60), []string{"BYTE", "BIT"}[rng.IntN(2)])
				}
			case 5:
				args := []string{"BITPOS", key(), strconv.Itoa(rng.IntN(2))}
				switch rng.IntN(4) {
				case 1:
					args = append(args, num(60))
				case 2:
					args = append(args, num(60), num(60))
				case 3:
					args = append(args, num(480), num(480), "BIT")
				}
				d.Do(args...)
			case 6:
				d.Do("GETBIT", key(), strconv.Itoa(rng.IntN(400)))
			default:
				d.Do("BITFIELD_RO", key(), "GET", types(), strconv.Itoa(rng.IntN(300)))
			}
		}
		for _, k := range keys {
			d.Do("GET", k)
		}
		t.Logf("compared %d commands with Redis", d.Cases)
	})
}

// TestDiffBitmapsNotify compares the keyspace events of the bitmap
// commands with Redis's: "setbit" only when a bit or the length changes,
// "set" and "del" for BITOP's destination, "new" and "keymiss".
func TestDiffBitmapsNotify(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Do("CONFIG", "SET", "notify-keyspace-events", "AKEnm")
		sub := dialPair(t, r.Addr, s.Addr, proto)
		sub.do("PSUBSCRIBE __key*__:*")
		for i, script := range [][][]string{
			{{"SETBIT", "b", "3", "1"}, {"SETBIT", "b", "3", "1"}, {"SETBIT", "b", "3", "0"}, {"SETBIT", "b", "20", "0"}, {"GETBIT", "nope", "1"}},
			{{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "100", "300"}, {"BITFIELD", "f", "SET", "u8", "0", "0"},
				{"BITFIELD", "f", "SET", "u8", "0", "1", "INCRBY", "u8", "0", "1"}, {"BITFIELD", "nope", "GET", "u8", "0"},
				{"BITFIELD_RO", "nope", "GET", "u8", "0"}, {"BITFIELD", "g", "SET", "u8", "0", "0"}},
			{{"SET", "a", "x"}, {"BITOP", "AND", "d", "a", "nope"}, {"BITOP", "OR", "d", "a", "nope"}, {"BITOP", "OR", "d", "a"},
				{"BITOP", "AND", "d", "nope"}, {"BITOP", "AND", "d", "nope"}},
			{{"BITCOUNT", "nope"}, {"BITPOS", "nope", "1"}, {"BITCOUNT", "a"}},
		} {
			d.Do("FLUSHALL")
			for _, args := range script {
				d.Do(args...)
			}
			mark := "bits" + strconv.Itoa(i)
			d.Do("PUBLISH", "__keymark__:end", mark)
			sub.until(mark, mark)
		}
	})
}

// TestDiffBitmapsChanges compares what the bitmap writes count as changes
// (INFO's rdb_changes_since_last_save): a SETBIT that changes nothing
// counts none, a BITFIELD one per op that changed its field.
func TestDiffBitmapsChanges(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackend(t, func(t *testing.T, bk servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, 2)
		rc, pc := d.Conns()
		changes := func(c *servertest.Conn) int {
			info := c.Do("INFO", "persistence")
			_, rest, _ := strings.Cut(info, "rdb_changes_since_last_save:")
			n, _ := strconv.Atoi(rest[:strings.Index(rest, "\r\n")])
			return n
		}
		for _, args := range [][]string{
			{"SETBIT", "b", "3", "1"}, {"SETBIT", "b", "3", "1"}, {"SETBIT", "b", "3", "0"}, {"SETBIT", "b", "30", "0"},
			{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "100", "300"}, {"BITFIELD", "f", "SET", "u8", "0", "0"},
			{"BITFIELD", "f", "INCRBY", "u8", "0", "1", "INCRBY", "u8", "8", "1", "SET", "u8", "16", "0", "GET", "u8", "0"},
			{"BITFIELD", "g", "SET", "u8", "8", "0", "SET", "u4", "0", "0"},
			{"BITOP", "AND", "d", "nope"}, {"SET", "d", "x"}, {"BITOP", "AND", "d", "nope"}, {"BITOP", "OR", "d", "b", "f"},
			{"GETBIT", "b", "1"}, {"BITFIELD_RO", "f", "GET", "u8", "0"},
		} {
			r0, p0 := changes(rc), changes(pc)
			d.Do(args...)
			if got, want := changes(pc)-p0, changes(rc)-r0; got != want {
				t.Errorf("%s: %d changes, Redis %d", servertest.Quote(args), got, want)
			}
		}
	})
}

// TestDiffBitmapsWatch compares what the bitmap writes do to a WATCHed
// key: a change aborts the EXEC, a SETBIT or BITFIELD that changes
// nothing does not, and BITOP touches its destination only.
func TestDiffBitmapsWatch(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackendProto(t, func(t *testing.T, bk servertest.Backend, proto int) {
		s := servertest.Start(t, servertest.WithConfig(bk.Apply))
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Both("SETBIT", "b", "1", "1")
		d.Both("SET", "src", "abc")
		for _, write := range [][]string{
			{"SETBIT", "b", "1", "1"}, {"SETBIT", "b", "1", "0"}, {"SETBIT", "b", "100", "0"},
			{"BITFIELD", "b", "SET", "u8", "0", "0"}, {"BITFIELD", "b", "SET", "u8", "0", "7"},
			{"BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", "500", "300"}, {"BITFIELD", "b", "GET", "u8", "0"},
			{"BITFIELD_RO", "b", "GET", "u8", "0"}, {"GETBIT", "b", "1"}, {"BITCOUNT", "b"},
			{"BITOP", "OR", "d", "b", "src"}, {"BITOP", "OR", "b", "src"}, {"BITOP", "AND", "b", "nope"},
			{"BITOP", "AND", "b", "nope"},
		} {
			for _, watched := range []string{"b", "src"} {
				d.Do("WATCH", watched)
				d.Do(write...)
				d.Do("MULTI")
				d.Do("PING")
				d.Do("EXEC")
			}
			d.Both("SETBIT", "b", "1", "1")
		}
	})
}

// TestBitmapsAOFReplay checks that the bitmap writes, logged as
// themselves, rebuild the same values when the AOF is replayed.
func TestBitmapsAOFReplay(t *testing.T) {
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncAlways), server.Options{})
	c := servertest.Dial(t, s.Addr)
	for _, args := range [][]string{
		{"SETBIT", "b", "100", "1"}, {"SETBIT", "b", "3", "1"}, {"SETBIT", "b", "3", "1"}, {"SETBIT", "b", "200", "0"},
		{"BITFIELD", "f", "SET", "i8", "#2", "-5", "OVERFLOW", "SAT", "INCRBY", "u4", "3", "100", "GET", "u8", "0"},
		{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000"}, {"SET", "s", "foobar"},
		{"BITOP", "XOR", "x", "b", "f", "s"}, {"BITOP", "NOT", "n", "s"}, {"BITOP", "AND", "s", "nope"},
	} {
		c.Do(args...)
	}
	keys := []string{"b", "f", "x", "n", "s"}
	want := make([]string, len(keys))
	for i, k := range keys {
		want[i] = c.Do("GET", k)
	}
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	for i, k := range keys {
		c.Expect(want[i], "GET", k)
	}
}
