package server_test

import (
	"strconv"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffStreamTrimFloor compares with Redis what every read sees of a
// stream whose head was trimmed in whole nodes of 100 entries (on bolt:
// behind the stream's trim floor, the trimmed keys left to the sweeper):
// XTRIM and XADD with "~" and "=", XINFO, XLEN, ranges across the trimmed
// head, XDEL of a trimmed id, a group's pending entries that were
// trimmed (XPENDING, XCLAIM, XAUTOCLAIM, XREADGROUP of the history),
// COPY and RENAME of the trimmed stream, and an entry added below the
// trimmed ids after XSETID.
func TestDiffStreamTrimFloor(t *testing.T) {
	cmds := script("XGROUP CREATE s g $ MKSTREAM")
	for i := 1; i <= 1000; i++ {
		cmds = append(cmds, []string{"XADD", "s", strconv.Itoa(i) + "-0", "f", "v" + strconv.Itoa(i)})
	}
	cmds = append(cmds, script(
		"XREADGROUP GROUP g c COUNT 5 STREAMS s >",
		"XTRIM s MAXLEN ~ 250", "XLEN s", "XINFO STREAM s", "XINFO GROUPS s",
		"XRANGE s - + COUNT 3", "XRANGE s 300 702", "XREVRANGE s 702 - COUNT 5", "XREVRANGE s 700 -",
		"XREAD COUNT 2 STREAMS s 0", "XDEL s 5-0", "XDEL s 650-0 701-0", "XLEN s",
		"XPENDING s g", "XPENDING s g - + 10",
		"XREADGROUP GROUP g c STREAMS s 0",
		"XCLAIM s g c2 0 1-0 2-0 JUSTID", "XPENDING s g",
		"XAUTOCLAIM s g c2 0 0-0", "XPENDING s g", "XINFO GROUPS s",
		"XTRIM s MINID ~ 905", "XINFO STREAM s",
		"XADD s MAXLEN = 50 2000-0 f v", "XLEN s", "XINFO STREAM s", "XRANGE s - + COUNT 2",
		"XTRIM s MAXLEN ~ 10 LIMIT 30", "XTRIM s MAXLEN ~ 10 LIMIT 100", "XINFO STREAM s",
		"COPY s s2", "XINFO STREAM s2", "XRANGE s2 - + COUNT 2", "XREVRANGE s2 + - COUNT 1", "XINFO GROUPS s2",
		"RENAME s2 s3", "XLEN s3", "XRANGE s3 - + COUNT 1",
		"DEL s s3", "EXISTS s",
	)...)
	for i := 1; i <= 300; i++ {
		cmds = append(cmds, []string{"XADD", "t", strconv.Itoa(i) + "-0", "f", "v"})
	}
	cmds = append(cmds, script(
		"XTRIM t MAXLEN 0", "XINFO STREAM t", "XSETID t 5-0", "XADD t 7-0 a b", "XADD t 8-0 a c",
		"XRANGE t - +", "XLEN t", "XINFO STREAM t", "XDEL t 7-0", "XRANGE t - +",
	)...)
	diffScriptWith(t, cmds, func(t *testing.T, d *servertest.Diff, c []string) {
		d.DoMasked(func(s string) string { return maskGroupTimes(maskRadixNodes(s)) }, c...)
	})
}
