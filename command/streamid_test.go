package command

import (
	"math"
	"testing"

	"redpool/backend"
)

func TestParseStreamID(t *testing.T) {
	max := uint64(math.MaxUint64)
	cases := []struct {
		in       string
		o        streamIDOpts
		want     backend.StreamID
		seqGiven bool
		ok       bool
	}{
		{"-", streamIDOpts{}, backend.StreamID{}, true, true},
		{"+", streamIDOpts{}, backend.MaxStreamID, true, true},
		{"-", streamIDOpts{strict: true}, backend.StreamID{}, false, false},
		{"+", streamIDOpts{strict: true}, backend.StreamID{}, false, false},
		{"5", streamIDOpts{missingSeq: max}, backend.StreamID{Ms: 5, Seq: max}, true, true},
		{"5-3", streamIDOpts{}, backend.StreamID{Ms: 5, Seq: 3}, true, true},
		{"5-*", streamIDOpts{autoSeq: true}, backend.StreamID{Ms: 5}, false, true},
		{"5-*", streamIDOpts{}, backend.StreamID{}, false, false},
		{"18446744073709551615-18446744073709551615", streamIDOpts{}, backend.MaxStreamID, true, true},
		{"18446744073709551616-0", streamIDOpts{}, backend.StreamID{}, false, false},
		{"+5-1", streamIDOpts{}, backend.StreamID{Ms: 5, Seq: 1}, true, true},
		{" 5-1", streamIDOpts{}, backend.StreamID{Ms: 5, Seq: 1}, true, true},
		{"-1", streamIDOpts{}, backend.StreamID{}, false, false},
		{"5--1", streamIDOpts{}, backend.StreamID{}, false, false},
		{"5-", streamIDOpts{}, backend.StreamID{}, false, false},
		{"a-1", streamIDOpts{}, backend.StreamID{}, false, false},
		{"", streamIDOpts{}, backend.StreamID{}, false, false},
		{"1-2-3", streamIDOpts{}, backend.StreamID{}, false, false},
	}
	for _, c := range cases {
		id, seqGiven, err := parseStreamID([]byte(c.in), c.o)
		if ok := err == nil; ok != c.ok || ok && (id != c.want || seqGiven != c.seqGiven) {
			t.Errorf("parseStreamID(%q, %+v) = %v, %v, %v; want %v, %v, ok %v", c.in, c.o, id, seqGiven, err, c.want, c.seqGiven, c.ok)
		}
	}
}
