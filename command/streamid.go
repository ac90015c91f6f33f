package command

import (
	"math"

	"redpool/backend"
	"redpool/session/resp"
)

// Stream id parsing, shared by every stream command: Redis 7.0's
// streamGenericParseIDOrReply.

// maxStreamIDText is the longest id argument Redis parses (its buffer).
const maxStreamIDText = 127

// streamIDOpts says what an id argument may be.
type streamIDOpts struct {
	// missingSeq is the seq of an id given as "ms" alone (0 for a start,
	// max for an end).
	missingSeq uint64
	// strict refuses "-" and "+".
	strict bool
	// autoSeq accepts "ms-*" (XADD): the seq is left to the caller.
	autoSeq bool
}

// parseStreamID parses an id argument: "-" (0-0), "+" (the max), "ms",
// "ms-seq", and with o.autoSeq "ms-*" (seqGiven false). Anything else is
// ErrInvalidStreamID.
func parseStreamID(arg []byte, o streamIDOpts) (id backend.StreamID, seqGiven bool, err error) {
	if len(arg) > maxStreamIDText {
		return id, false, ErrInvalidStreamID
	}
	if len(arg) == 1 && !o.strict {
		switch arg[0] {
		case '-':
			return backend.StreamID{}, true, nil
		case '+':
			return backend.MaxStreamID, true, nil
		}
	}
	msPart, seqPart, hasSeq := arg, []byte(nil), false
	for i, c := range arg {
		if c == '-' {
			msPart, seqPart, hasSeq = arg[:i], arg[i+1:], true
			break
		}
	}
	ms, ok := parseULL(msPart)
	if !ok {
		return id, false, ErrInvalidStreamID
	}
	switch {
	case !hasSeq:
		return backend.StreamID{Ms: ms, Seq: o.missingSeq}, true, nil
	case o.autoSeq && len(seqPart) == 1 && seqPart[0] == '*':
		return backend.StreamID{Ms: ms}, false, nil
	}
	seq, ok := parseULL(seqPart)
	if !ok {
		return id, false, ErrInvalidStreamID
	}
	return backend.StreamID{Ms: ms, Seq: seq}, true, nil
}

// parseULL parses an unsigned 64-bit number as Redis's string2ull: a
// canonical non-negative long long, or else what C's strtoull takes
// whole (leading white space, a sign, decimal digits, no overflow; a
// minus negates modulo 2^64, as strtoull does).
func parseULL(s []byte) (uint64, bool) {
	if v, ok := resp.ParseInt(s); ok {
		return uint64(v), v >= 0
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	var v uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}
