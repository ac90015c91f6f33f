//go:build unix

package session

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestVecWriterWritesAll writes more buffers than one writev takes, and
// more bytes than the socket may hold, to a reader that starts late:
// every byte arrives, in order.
func TestVecWriterWritesAll(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })

	var bufs [][]byte
	var want []byte
	for i := range 3000 {
		b := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%977)
		if i%100 == 0 {
			b = nil // empty buffers are skipped
		}
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	got := make(chan []byte, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // the socket fills first
		b, _ := io.ReadAll(client)
		got <- b
	}()
	var v vecWriter
	n, err := v.writeTo(server, bufs)
	if err != nil || n != int64(len(want)) {
		t.Fatalf("writeTo = %d, %v; want %d, nil", n, err, len(want))
	}
	_ = server.Close()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("read %d bytes, not the %d written in order", len(b), len(want))
	}
	// A write to a closed connection fails.
	if _, err := v.writeTo(server, [][]byte{[]byte("x")}); err == nil {
		t.Fatal("writeTo on a closed connection: no error")
	}
}
