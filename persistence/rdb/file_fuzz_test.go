package rdb

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzFileReader feeds arbitrary bytes to the file reader, with the size
// known and unknown: it must end with io.EOF or an error of the package,
// never panic, and never hand out a record after an error.
func FuzzFileReader(f *testing.F) {
	for _, name := range []string{"strings.rdb", "all.rdb", "stream.rdb"} {
		data := golden(f, name)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte("REDIS0010\xff\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("REDIS0003\xfe\x01\x00\x01k\x01v\xff"))
	f.Add([]byte("REDIS0010\xfa\x81\x7f\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("REDIS0010\xfe\x00\x0e\x01l\x81\x00\x00\x00\x10\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, size := range []int64{0, int64(len(data))} {
			r, err := NewFileReader(bytes.NewReader(data), size)
			if err != nil {
				if !errors.Is(err, ErrNotRDB) && !errors.Is(err, ErrVersion) {
					t.Fatalf("header: %v", err)
				}
				continue
			}
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					if rec != nil {
						t.Fatal("a record with an error")
					}
					if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrChecksum) &&
						!errors.Is(err, ErrNotSupported) && !errors.Is(err, ErrPayload) {
						t.Fatalf("unexpected error: %v", err)
					}
					if _, err2 := r.Next(); err2 == nil || err2.Error() != err.Error() {
						t.Fatalf("the error is not sticky: %v then %v", err, err2)
					}
					break
				}
			}
		}
	})
}
