package resp

import "bytes"

// SplitArgs splits line into arguments as Redis's sdssplitargs does (the
// inline parser's rules, splitArgs); ok is false on unbalanced quotes.
// line is not changed; the arguments are a copy's slices.
func SplitArgs(line []byte) (args [][]byte, ok bool) {
	buf := bytes.Clone(line)
	offs, ok := splitArgs(buf, nil)
	if !ok {
		return nil, false
	}
	for i := 0; i+1 < len(offs); i += 2 {
		args = append(args, buf[offs[i]:offs[i+1]])
	}
	return args, true
}
