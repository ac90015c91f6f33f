package resp

import (
	"math"
	"strconv"
)

// The Append functions encode RESP values by appending to dst and
// returning the extended slice, like append. They never allocate unless
// dst must grow. Those named after a RESP3 type (AppendNil, AppendMapLen,
// AppendSetLen, AppendPushLen, AppendDouble, AppendBool, AppendVerbatim,
// AppendBigNumber) write the RESP3 encoding only; choosing between RESP2
// and RESP3 is the caller's job (command.Ctx's reply methods).

// AppendSimple appends the simple string "+s\r\n". CR and LF in s are
// replaced by spaces so that the reply stays one line.
func AppendSimple(dst []byte, s string) []byte {
	return appendLine(append(dst, '+'), s)
}

// AppendError appends the error "-msg\r\n"; msg already includes its
// prefix, as in "ERR unknown command". CR and LF in msg are replaced by
// spaces, as Redis does.
func AppendError(dst []byte, msg string) []byte {
	return appendLine(append(dst, '-'), msg)
}

// appendLine appends s with CR and LF mapped to spaces, then "\r\n".
func appendLine(dst []byte, s string) []byte {
	n := len(dst)
	dst = append(dst, s...)
	for i := n; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends the integer ":n\r\n".
func AppendInt(dst []byte, n int64) []byte {
	dst = strconv.AppendInt(append(dst, ':'), n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends b as the bulk string "$len\r\nb\r\n".
func AppendBulk(dst []byte, b []byte) []byte {
	dst = strconv.AppendInt(append(dst, '$'), int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends s as a bulk string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = strconv.AppendInt(append(dst, '$'), int64(len(s)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendBulkInt appends the decimal form of n as a bulk string.
func AppendBulkInt(dst []byte, n int64) []byte {
	dst = strconv.AppendInt(append(dst, '$'), int64(intLen(n)), 10)
	dst = append(dst, '\r', '\n')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// intLen returns the length of the decimal form of n.
func intLen(n int64) int {
	l := 1
	u := uint64(n)
	if n < 0 {
		l++
		u = -u
	}
	for u >= 10 {
		u /= 10
		l++
	}
	return l
}

// AppendNull appends the null bulk string "$-1\r\n".
func AppendNull(dst []byte) []byte {
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends the null array "*-1\r\n".
func AppendNullArray(dst []byte) []byte {
	return append(dst, "*-1\r\n"...)
}

// AppendArrayLen appends the array header "*n\r\n"; the n elements
// follow.
func AppendArrayLen(dst []byte, n int) []byte {
	dst = strconv.AppendInt(append(dst, '*'), int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendNil appends the RESP3 null "_\r\n", which stands for both
// RESP2 nulls ($-1 and *-1).
func AppendNil(dst []byte) []byte {
	return append(dst, "_\r\n"...)
}

// AppendMapLen appends the RESP3 map header "%n\r\n"; n keys, each
// followed by its value, follow.
func AppendMapLen(dst []byte, n int) []byte {
	dst = strconv.AppendInt(append(dst, '%'), int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendSetLen appends the RESP3 set header "~n\r\n"; the n members
// follow.
func AppendSetLen(dst []byte, n int) []byte {
	dst = strconv.AppendInt(append(dst, '~'), int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendPushLen appends the RESP3 push header ">n\r\n" of an
// out-of-band message (Pub/Sub, client tracking); the n elements follow.
func AppendPushLen(dst []byte, n int) []byte {
	dst = strconv.AppendInt(append(dst, '>'), int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendDouble appends f as the RESP3 double ",f\r\n", formatted as
// Redis 7.0 does ("%.17g", and inf, -inf, nan).
func AppendDouble(dst []byte, f float64) []byte {
	dst = AppendFloat17(append(dst, ','), f)
	return append(dst, '\r', '\n')
}

// AppendFloat17 appends f as C's "%.17g" prints it, the form Redis 7.0
// gives doubles (ZSCORE and the like) in both protocols: 17 significant
// digits, trailing zeros removed, an exponent below 1e-4 and from 1e17;
// infinities are "inf" and "-inf", NaN "nan".
func AppendFloat17(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// AppendBool appends the RESP3 boolean "#t\r\n" or "#f\r\n".
func AppendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "#t\r\n"...)
	}
	return append(dst, "#f\r\n"...)
}

// AppendVerbatim appends b as the RESP3 verbatim string
// "=len\r\nfmt:b\r\n"; format is three bytes ("txt" or "mkd").
func AppendVerbatim(dst []byte, format string, b []byte) []byte {
	dst = strconv.AppendInt(append(dst, '='), int64(len(b)+len(format)+1), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, format...)
	dst = append(dst, ':')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBigNumber appends the decimal digits s (with an optional leading
// '-') as the RESP3 big number "(s\r\n".
func AppendBigNumber(dst []byte, s string) []byte {
	return appendLine(append(dst, '('), s)
}

// AppendCommand appends args as a multibulk request, the form clients
// send and the AOF stores.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}

// AppendCommandStrings is AppendCommand for string arguments.
func AppendCommandStrings(dst []byte, args ...string) []byte {
	dst = AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = AppendBulkString(dst, a)
	}
	return dst
}
