package rdb

import (
	"strconv"

	"redpool/backend"
)

// parseInt parses b as Redis's string2ll does when it decides whether a
// string is stored as an integer (backend.ParseCanonicalInt).
func parseInt(b []byte) (int64, bool) { return backend.ParseCanonicalInt(b) }

// appendInt appends n in decimal.
func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }
