// Command keysload writes, in RESP, the commands that load a keyspace of
// distinct keys, for redis-cli --pipe (bench/keysmem.sh). Unlike
// redis-benchmark -r, whose random keys repeat, every key it names is new:
// key:000000000000, key:000000000001, ...
//
//	keysload -type string -n 1000000 -d 64 | redis-cli --pipe
//
// -type string sends SET key value (a value of -d bytes); hash sends HSET
// key with -m fields f0..f<m-1> of -d-byte values; set sends SADD key with
// -m members m:0..; zset sends ZADD key with -m members m:0.. scored 0..m-1.
// The members and fields are not integers, so that Redis keeps a set in
// its hashtable or listpack encoding rather than an intset.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
)

func main() {
	typ := flag.String("type", "string", "string, hash, set or zset")
	n := flag.Int("n", 1000000, "keys")
	m := flag.Int("m", 10, "fields or members per key (hash, set, zset)")
	d := flag.Int("d", 64, "value size in bytes (string, hash)")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	if err := load(w, *typ, *n, *m, *d); err != nil {
		fmt.Fprintln(os.Stderr, "keysload:", err)
		os.Exit(2)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "keysload:", err)
		os.Exit(1)
	}
}

// load writes n commands of type typ to w.
func load(w *bufio.Writer, typ string, n, m, d int) error {
	val := make([]byte, d)
	for i := range val {
		val[i] = 'x'
	}
	var args [][]byte
	for i := range n {
		key := fmt.Appendf(nil, "key:%012d", i)
		switch typ {
		case "string":
			args = append(args[:0], []byte("SET"), key, val)
		case "hash":
			args = append(args[:0], []byte("HSET"), key)
			for j := range m {
				args = append(args, []byte("f"+strconv.Itoa(j)), val)
			}
		case "set":
			args = append(args[:0], []byte("SADD"), key)
			for j := range m {
				args = append(args, []byte("m:"+strconv.Itoa(j)))
			}
		case "zset":
			args = append(args[:0], []byte("ZADD"), key)
			for j := range m {
				args = append(args, []byte(strconv.Itoa(j)), []byte("m:"+strconv.Itoa(j)))
			}
		default:
			return fmt.Errorf("unknown -type %q", typ)
		}
		writeCommand(w, args)
	}
	return nil
}

// writeCommand writes args as a RESP array of bulk strings.
func writeCommand(w *bufio.Writer, args [][]byte) {
	fmt.Fprintf(w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(w, "$%d\r\n", len(a))
		w.Write(a)
		w.WriteString("\r\n")
	}
}
