package server_test

import (
	"fmt"
	"strings"
	"testing"
)

// zpackDiffCases grows a sorted set one member at a time across the
// memory backend's packing limit (32 members, backend/memory/zpack.go)
// and shrinks it back, reading it every way at each size, and crosses
// the member-length limit (64 bytes): both forms must answer as Redis.
// OBJECT ENCODING is compared while the set grows only (Redis keeps a
// skiplist once converted; redpool answers from the elements it holds).
func zpackDiffCases() [][]string {
	reads := func(n int) []string {
		m := fmt.Sprintf("m%d", n/2)
		return []string{
			"ZRANGE z 0 -1 WITHSCORES", "ZREVRANGE z 1 5 WITHSCORES", "ZCARD z",
			"ZRANGEBYSCORE z 2 +inf WITHSCORES LIMIT 1 4", "ZREVRANGEBYSCORE z 20 (-3 LIMIT 2 3",
			"ZCOUNT z -inf (7.5",
			"ZRANK z " + m, "ZREVRANK z " + m, "ZSCORE z " + m, "ZMSCORE z m0 nope " + m,
			"ZRANGE z (3 12 BYSCORE REV LIMIT 0 4", "~ ZSCAN z 0 COUNT 100",
		}
	}
	var lines []string
	var first []string
	for i := range 30 {
		first = append(first, fmt.Sprint(i%7-3), fmt.Sprintf("m%d", i))
	}
	lines = append(lines, "ZADD z "+strings.Join(first, " "))
	for n := 30; n < 36; n++ {
		lines = append(lines, fmt.Sprintf("ZADD z %d.25 m%d", n-20, n), "OBJECT ENCODING z")
		lines = append(lines, reads(n)...)
	}
	lines = append(lines, "ZINCRBY z 1.5 m3", "ZADD z GT CH 100 m4 -1 m5", "ZPOPMIN z 2", "ZPOPMAX z")
	for n := 32; n > 2; n -= 3 {
		lines = append(lines, fmt.Sprintf("ZREM z m%d m%d m%d", n, n-1, n-2))
		lines = append(lines, reads(n)...)
	}
	lines = append(lines,
		"ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYSCORE z -inf 0", "ZRANGE z 0 -1 WITHSCORES",
		"ZADD s 1 a 2 b 3 c", "ZADD s 4 "+strings.Repeat("x", 64), "OBJECT ENCODING s",
		"ZADD s 5 "+strings.Repeat("y", 65), "OBJECT ENCODING s", "ZRANGE s 0 -1 WITHSCORES",
		"ZADD u 1 a 2 b", "ZUNIONSTORE dst 2 s u WEIGHTS 1 2", "ZRANGE dst 0 -1 WITHSCORES", "OBJECT ENCODING dst",
		"ZRANGESTORE dst2 s 0 1", "ZRANGE dst2 0 -1 WITHSCORES", "OBJECT ENCODING dst2",
		"COPY s s2", "ZRANGE s2 0 -1 WITHSCORES", "ZPOPMIN s 10", "EXISTS s",
		"ZADD n 0 a -0 b 1e300 c -inf d 9007199254740993 e 1.5 f", "ZRANGE n 0 -1 WITHSCORES", "ZSCORE n b",
	)
	// Lex ranges, defined on equal scores, on both sides of the limit.
	for n := 30; n < 35; n++ {
		lines = append(lines, fmt.Sprintf("ZADD lx 0 m%02d", n))
	}
	for i := range 30 {
		lines = append(lines, fmt.Sprintf("ZADD lx 0 m%02d", i))
		if i%9 == 0 {
			lines = append(lines, "ZRANGEBYLEX lx [m05 (m31", "ZREVRANGEBYLEX lx + (m10 LIMIT 1 3", "ZLEXCOUNT lx - [m20",
				"ZREMRANGEBYLEX lx (m32 +", "ZRANGE lx 0 -1")
		}
	}
	return script(lines...)
}

func TestDiffZPackThreshold(t *testing.T) { diffScript(t, zpackDiffCases()) }
