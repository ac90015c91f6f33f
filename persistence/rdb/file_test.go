package rdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"redpool/backend"
	"redpool/backend/memory"
)

// readAll reads every record of an RDB file into lines: "fn <code>" for a
// function library, "db key type expireAt items..." for a key.
func readAll(t testing.TB, data []byte) ([]string, *FileReader, error) {
	t.Helper()
	return readAllSize(t, data, 0)
}

// readAllSize is readAll telling the reader the size (0: unknown).
func readAllSize(t testing.TB, data []byte, size int64) ([]string, *FileReader, error) {
	t.Helper()
	f, err := NewFileReader(bytes.NewReader(data), size)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for {
		rec, err := f.Next()
		if err == io.EOF {
			return out, f, nil
		}
		if err != nil {
			return out, f, err
		}
		switch rec.Kind {
		case RecordFunction:
			out = append(out, "fn "+strings.SplitN(string(rec.Library), "\n", 2)[0])
		case RecordKey:
			e := rec.Entry
			out = append(out, fmt.Sprintf("%d %s %s %d %q", e.DB, e.Key, e.Type, e.ExpireAt, e.Items))
		}
	}
}

func golden(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestFileReaderStrings(t *testing.T) {
	got, f, err := readAll(t, golden(t, "strings.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version() != 10 {
		t.Errorf("version %d", f.Version())
	}
	aux := map[string]string{}
	for _, kv := range f.Aux() {
		aux[kv[0]] = kv[1]
	}
	if aux["redis-ver"] != "7.0.15" || aux["redis-bits"] != "64" || aux["aof-base"] != "0" {
		t.Errorf("aux %q", f.Aux())
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		"fn #!lua name=mylib",
		`0 s2 string 0 ["12345"]`,
		`0 s3 string 0 ["-7"]`,
		`0 s4 string 0 ["3000000000"]`,
		`0 emptystr string 0 [""]`,
		`3 db3key string 0 ["v"]`,
		`15 last string 0 ["1"]`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %s in\n%s", want, joined)
		}
	}
	if len(got) != 9 {
		t.Errorf("%d records:\n%s", len(got), joined)
	}
	for _, line := range got {
		if strings.HasPrefix(line, "0 s1 ") && strings.Contains(line, " 0 [") {
			t.Errorf("s1 has no expiry: %s", line)
		}
	}
}

// memSnapshot is a backend.Snapshot of entries in a slice.
type memSnapshot []backend.Entry

func (s memSnapshot) Each(_ context.Context, fn func(e *backend.Entry) error) error {
	for i := range s {
		if err := fn(&s[i]); err != nil {
			return err
		}
	}
	return nil
}

func (memSnapshot) Close() error { return nil }

func (memSnapshot) Aux() map[string][]byte { return nil }

func TestFileRoundTrip(t *testing.T) {
	snap := memSnapshot{
		{DB: 0, Key: []byte("a"), Type: backend.TypeString, Items: [][]byte{[]byte("1")}},
		{DB: 0, Key: []byte("b"), Type: backend.TypeString, ExpireAt: 4102444800123, Items: [][]byte{[]byte("x y")}},
		{DB: 7, Key: []byte(""), Type: backend.TypeString, Items: [][]byte{{}}},
	}
	var buf bytes.Buffer
	err := WriteSnapshot(context.Background(), &buf, snap, [][]byte{[]byte("#!lua name=l\nredis.register_function('f', function() end)")}, FileOptions{Created: 1700000000})
	if err != nil {
		t.Fatal(err)
	}
	got, f, err := readAll(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"fn #!lua name=l",
		`0 a string 0 ["1"]`,
		`0 b string 4102444800123 ["x y"]`,
		`7  string 0 [""]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if fmt.Sprint(f.Aux()) != "[[redis-ver 7.0.15] [redis-bits 64] [ctime 1700000000] [used-mem 0] [aof-base 0]]" {
		t.Errorf("aux %q", f.Aux())
	}
}

func TestFileReaderErrors(t *testing.T) {
	good := golden(t, "strings.rdb")
	flipped := bytes.Clone(good)
	flipped[0x60] ^= 0x01 // inside the library code
	noSum := bytes.Clone(good)
	clear(noSum[len(noSum)-8:])
	for _, tc := range []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"empty", nil, ErrNotRDB, "shorter than the 9-byte header"},
		{"magic", []byte("REDIX0010\xff"), ErrNotRDB, `it starts with "REDIX"`},
		{"version digits", []byte("REDIS00x0\xff"), ErrNotRDB, `bad version "00x0"`},
		{"version 11", []byte("REDIS0011\xff"), ErrVersion, "RDB version 11: this redpool reads versions 1 to 10"},
		{"version 0", []byte("REDIS0000\xff"), ErrVersion, "version 0"},
		{"flipped", flipped, ErrChecksum, "checksum mismatch"},
		{"truncated header", good[:12], ErrTruncated, "unexpected end of file"},
		{"truncated sum", good[:len(good)-3], ErrTruncated, "the checksum after EOF"},
		{"no EOF", good[:len(good)-9], ErrTruncated, "unexpected end"},
		{"module aux", []byte("REDIS0010\xf7\x81\x00\x00\x00\x00\x00\x00\x00\x00"), ErrNotSupported, "auxiliary data of module \"AAAAAAAAA\""},
		{"pre-release function", []byte("REDIS0010\xf6"), ErrNotSupported, "pre-release function format"},
		{"unknown opcode", []byte("REDIS0010\xf0\x01a"), ErrCorrupt, ""},
		{"hostile length", []byte("REDIS0010\xfa\x81\x7f\xff\xff\xff\xff\xff\xff\xff"), ErrTruncated, ""},
		{"hostile length 32", []byte("REDIS0010\xfa\x80\x7f\xff\xff\xff"), ErrTruncated, ""},
		{"long string, short file", []byte("REDIS0010\xfa\x80\x10\x00\x00\x00abc"), ErrTruncated, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.data)
			if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.text) {
				t.Errorf("got %v, want %v containing %q", err, tc.want, tc.text)
			}
		})
	}
	// Knowing the size, a length beyond it is corrupt before any read.
	for _, data := range [][]byte{
		[]byte("REDIS0010\xfa\x81\x7f\xff\xff\xff\xff\xff\xff\xff"),
		[]byte("REDIS0010\xfa\x80\x7f\xff\xff\xffabc"),
		[]byte("REDIS0010\xfe\x00\x02\x01k\x81\x7f\xff\xff\xff\xff\xff\xff\xff"),
	} {
		if _, _, err := readAllSize(t, data, int64(len(data))); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%q with its size: %v, want ErrCorrupt", data, err)
		}
	}
	if _, _, err := readAll(t, noSum); err != nil {
		t.Errorf("a zero checksum (rdbchecksum no): %v", err)
	}
}

// TestFileReaderGolden reads a file redis-server 7.0.15 wrote with every
// type and encoding redpool stores (testdata/gen.sh).
func TestFileReaderGolden(t *testing.T) {
	data := golden(t, "all.rdb")
	got, _, err := readAllSize(t, data, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]string{}
	for _, line := range got {
		f := strings.SplitN(line, " ", 3)
		if f[0] != "fn" {
			byKey[f[0]+" "+f[1]] = f[2]
		}
	}
	seq := func(n int, f func(i int) string) string {
		var parts []string
		for i := 1; i <= n; i++ {
			parts = append(parts, f(i))
		}
		return fmt.Sprintf("%q", parts)
	}
	for key, want := range map[string]string{
		"0 s2":       `string 0 ["12345"]`,
		"0 s4":       `string 0 ["3000000000"]`,
		"0 slong":    `string 0 ["` + strings.Repeat("a", 200) + `"]`,
		"0 l1":       `list 4102444800123 ["a" "b" "c" "1" "2" "-3" "100000" "9999999999"]`,
		"0 h1":       `hash 0 ["f1" "v1" "f2" "2"]`,
		"0 si":       `set 0 ["-5" "1" "2" "3"]`,
		"0 z1":       `zset 0 ["-inf" "c" "0.10000000000000001" "e" "1" "a" "2.5" "b" "inf" "d"]`,
		"0 lbig":     "list 0 " + seq(300, func(i int) string { return fmt.Sprint(301 - i) }),
		"3 db3key":   `string 0 ["v"]`,
		"15 last":    `string 0 ["1"]`,
		"0 emptystr": `string 0 [""]`,
	} {
		if byKey[key] != want {
			t.Errorf("%s: got %s, want %s", key, byKey[key], want)
		}
	}
	for _, key := range []string{"0 hbig", "0 sbig", "0 zbig", "0 ss", "3 db3h", "0 s1"} {
		if byKey[key] == "" {
			t.Errorf("%s missing", key)
		}
	}
	if len(byKey) != 19 {
		t.Errorf("%d keys, want 19", len(byKey))
	}
}

func TestFileReaderPeek(t *testing.T) {
	data := golden(t, "strings.rdb")
	f, err := NewFileReader(bytes.NewReader(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if rec, err := f.Peek(); err != nil || rec.Kind != RecordFunction {
			t.Fatalf("Peek: %v %v", rec, err)
		}
	}
	if rec, err := f.Next(); err != nil || rec.Kind != RecordFunction {
		t.Fatalf("Next: %v %v", rec, err)
	}
	if rec, err := f.Next(); err != nil || rec.Kind != RecordKey {
		t.Fatalf("Next after the library: %v %v", rec, err)
	}
}

// TestLoad stores a file in a backend, skipping the keys expired by now,
// and refuses a database the backend does not have.
func TestLoad(t *testing.T) {
	data := golden(t, "all.rdb")
	load := func(now int64, dbs int) (LoadStats, backend.Backend, error) {
		f, err := NewFileReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		b := memory.New(memory.Options{Databases: dbs})
		t.Cleanup(func() { _ = b.Close() })
		var libs []string
		st, err := Load(context.Background(), f, b, now, func(code []byte) error {
			libs = append(libs, string(code))
			return nil
		})
		if err == nil && (len(libs) != 1 || !strings.HasPrefix(libs[0], "#!lua name=mylib")) {
			t.Errorf("libraries %q", libs)
		}
		return st, b, err
	}
	st, b, err := load(0, 16)
	if err != nil || st != (LoadStats{Loaded: 19, Libraries: 1}) {
		t.Fatalf("%+v %v", st, err)
	}
	if n := b.Stats().Keys; n[0] != 15 || n[3] != 3 || n[15] != 1 {
		t.Errorf("keys per database %v", n)
	}
	// In the year 2100, the four keys with an expiry are gone.
	if st, _, err = load(4200000000000, 16); err != nil || st != (LoadStats{Loaded: 15, Expired: 4, Libraries: 1}) {
		t.Errorf("%+v %v", st, err)
	}
	if _, _, err = load(0, 4); !errors.Is(err, backend.ErrBadDB) || !strings.Contains(err.Error(), `key "last" is in database 15, but the server has 4 databases`) {
		t.Errorf("too few databases: %v", err)
	}
}
