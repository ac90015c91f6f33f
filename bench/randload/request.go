package main

// A request may be several commands sent together and counted as one, a
// transaction for instance: the words of its commands are separated by
// ";" words, as in
//
//	randload MULTI ";" SET k v ";" INCR n ";" EXEC
//
// Each of a request's commands is sent and its reply read; the
// throughput counts whole requests.

// requestSep separates the commands of one request.
const requestSep = ";"

// splitRequest splits words at requestSep into the commands of one
// request; a single command is a request of one.
func splitRequest(words []string) [][]string {
	var req [][]string
	start := 0
	for i, w := range words {
		if w == requestSep {
			req = append(req, words[start:i])
			start = i + 1
		}
	}
	return append(req, words[start:])
}

// appendRequest appends the commands of req, with __rand_dec__ replaced
// by x in each.
func appendRequest(dst []byte, req [][]string, x int64) []byte {
	for _, words := range req {
		dst = appendCommand(dst, words, x)
	}
	return dst
}
