package resp

import "strconv"

// The Append functions encode RESP2 values by appending to dst and
// returning the extended slice, like append. They never allocate unless
// dst must grow.

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
