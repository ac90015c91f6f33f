package memory_test

import (
	"strconv"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

// Streams of a million entries, as the command layer builds them: nodes
// of 100 entries (stream-node-max-entries), entries "sensor" <n>
// "temperature" <n> (the master's field names, so only the values are
// stored).

const bigStream = 1_000_000

var streamKey = []byte("stream")

// streamFields returns entry i's fields, reusing f.
func streamFields(f [][]byte, i int) [][]byte {
	f = append(f[:0], []byte("sensor"), strconv.AppendInt(nil, int64(i%1000), 10),
		[]byte("temperature"), strconv.AppendInt(nil, int64(15+i%20), 10))
	return f
}

func streamID(i int) backend.StreamID {
	return backend.StreamID{Ms: 1_700_000_000_000 + uint64(i/10), Seq: uint64(i % 10)}
}

// appendEntries appends entries from..to-1 to key in one transaction.
func appendEntries(tb testing.TB, m *memory.Memory, key []byte, from, to int) {
	tb.Helper()
	var f [][]byte
	err := m.Update(backend.TxOptions{Keys: [][]byte{key}}, func(tx backend.Tx) error {
		for i := from; i < to; i++ {
			if err := tx.XAppend(key, streamID(i), streamFields(f, i), i%100 == 0, 12); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func newBigStream(tb testing.TB) *memory.Memory {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	tb.Cleanup(func() { m.Close() })
	for i := 0; i < bigStream; i += 100_000 {
		appendEntries(tb, m, streamKey, i, i+100_000)
	}
	return m
}

func BenchmarkXAppend(b *testing.B) {
	m := memory.New(memory.Options{ExpiryInterval: -1})
	defer m.Close()
	appendEntries(b, m, streamKey, 0, bigStream)
	opts := backend.TxOptions{Keys: [][]byte{streamKey}}
	f := make([][]byte, 0, 4)
	vals := make([][]byte, 1000)
	for i := range vals {
		vals[i] = []byte(strconv.Itoa(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := bigStream; i < bigStream+b.N; i++ {
		f = append(f[:0], []byte("sensor"), vals[i%1000], []byte("temperature"), vals[i%20])
		m.Update(opts, func(tx backend.Tx) error {
			return tx.XAppend(streamKey, streamID(i), f, i%100 == 0, 12)
		})
	}
}

func BenchmarkXRange10Middle(b *testing.B) {
	m := newBigStream(b)
	opts := backend.TxOptions{Keys: [][]byte{streamKey}}
	start := streamID(bigStream / 2)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n := 0
		m.View(opts, func(tx backend.Tx) error {
			return tx.XRange(streamKey, start, backend.MaxStreamID, false, func(backend.StreamID, [][]byte) bool {
				n++
				return n < 10
			})
		})
		if n != 10 {
			b.Fatalf("%d entries", n)
		}
	}
}

func BenchmarkXDelete(b *testing.B) {
	m := newBigStream(b)
	opts := backend.TxOptions{Keys: [][]byte{streamKey}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%bigStream == 0 {
			b.StopTimer()
			m = newBigStream(b)
			b.StartTimer()
		}
		// Spread over the stream: every 7th entry, wrapping with an offset.
		j := (i * 7) % bigStream
		j = (j + i/(bigStream/7+1)) % bigStream
		m.Update(opts, func(tx backend.Tx) error {
			_, err := tx.XDelete(streamKey, streamID(j))
			return err
		})
	}
}

// BenchmarkXTrim1000Nodes: one op removes the first 1000 nodes (100,000
// entries), as XTRIM MAXLEN ~ does, in one transaction.
func BenchmarkXTrim1000Nodes(b *testing.B) {
	m := newBigStream(b)
	opts := backend.TxOptions{Keys: [][]byte{streamKey}}
	next := 0 // the next node to remove, in entries
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if next >= bigStream {
			b.StopTimer()
			m = newBigStream(b)
			next = 0
			b.StartTimer()
		}
		m.Update(opts, func(tx backend.Tx) error {
			for range 1000 {
				if n, err := tx.XRemoveNode(streamKey, streamID(next)); n != 100 || err != nil {
					b.Fatalf("XRemoveNode = %d, %v", n, err)
				}
				next += 100
			}
			return nil
		})
	}
}

func BenchmarkDeleteBigStream(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		m := newBigStream(b)
		b.StartTimer()
		m.Update(backend.TxOptions{Keys: [][]byte{streamKey}}, func(tx backend.Tx) error {
			_, err := tx.Delete(streamKey)
			return err
		})
	}
}

// BenchmarkCopyBigStream: COPY of the stream (the value's clone), and the
// first write to the copy (which copies the node it writes).
func BenchmarkCopyBigStream(b *testing.B) {
	m := newBigStream(b)
	dst := []byte("copy")
	opts := backend.TxOptions{Keys: [][]byte{streamKey, dst}}
	f := make([][]byte, 0, 4)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.Update(opts, func(tx backend.Tx) error {
			if _, err := tx.Copy(streamKey, 0, dst, true); err != nil {
				return err
			}
			return tx.XAppend(dst, streamID(bigStream), streamFields(f, 1), false, 12)
		})
	}
}

// TestStreamMemoryPerEntry reports what a million-entry stream takes per
// entry on the Go heap and in UsedBytes, and bounds their ratio.
func TestStreamMemoryPerEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-entry stream and measures the heap")
	}
	h0 := heapLive()
	m := memory.New(memory.Options{ExpiryInterval: -1})
	defer m.Close()
	for i := 0; i < bigStream; i += 100_000 {
		appendEntries(t, m, streamKey, i, i+100_000)
	}
	h1 := heapLive()
	u := m.UsedBytes()
	heap, used := float64(h1-h0)/bigStream, float64(u)/bigStream
	t.Logf("1M entries (2 fields, values of 1-3 digits): heap %.1f bytes/entry, UsedBytes %.1f bytes/entry, used/heap %.3f", heap, used, used/heap)
	if r := used / heap; r < 0.8 || r > 1.2 {
		t.Errorf("UsedBytes is %.2f times the heap the stream takes", r)
	}
}
