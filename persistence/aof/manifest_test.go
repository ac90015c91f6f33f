package aof_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"redpool/persistence/aof"
)

var update = flag.Bool("update", false, "rewrite golden files")

func goldenManifest() aof.Manifest {
	return aof.Manifest{Files: []aof.FileRef{
		{Kind: aof.KindBase, Seq: 3, Name: "appendonly.aof.3.base.aof"},
		{Kind: aof.KindIncr, Seq: 3, Name: "appendonly.aof.3.incr.aof"},
		{Kind: aof.KindIncr, Seq: 4, Name: "appendonly.aof.4.incr.aof"},
	}}
}

func TestManifestGolden(t *testing.T) {
	path := filepath.Join("testdata", "manifest.golden")
	got := goldenManifest().Encode()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Encode:\n%s\nwant (testdata/manifest.golden):\n%s", got, want)
	}
	m, err := aof.ParseManifest(want)
	if err != nil || !reflect.DeepEqual(m, goldenManifest()) {
		t.Fatalf("ParseManifest(golden) = %+v, %v", m, err)
	}
	if m.Incrs()[1].Name != "appendonly.aof.4.incr.aof" {
		t.Errorf("Incrs = %+v", m.Incrs())
	}
}

func TestManifestErrors(t *testing.T) {
	good := string(goldenManifest().Encode())
	lines := strings.SplitAfter(good, "\n")
	// reseal recomputes the checksum over edited lines.
	reseal := func(body string) string {
		return body + "crc32 " + crcHex(body) + "\n"
	}
	body := strings.Join(lines[:len(lines)-2], "") // SplitAfter leaves a last ""
	tests := []struct {
		name, data string
		want       error
	}{
		{"empty", "", aof.ErrManifestTruncated},
		{"cut in the magic", good[:7], aof.ErrManifestTruncated},
		{"cut in the version", "redpool-aof-manifest ", aof.ErrManifestTruncated},
		{"no newline after the version", "redpool-aof-manifest 1", aof.ErrManifestTruncated},
		{"magic", "file appendonly.aof.1.base.rdb seq 1 type b\n", aof.ErrManifestMagic},
		{"version", strings.Replace(good, "manifest 1", "manifest 2", 1), aof.ErrManifestVersion},
		{"checksum", strings.Replace(good, "4.incr", "5.incr", 1), aof.ErrManifestChecksum},
		{"no checksum", body, aof.ErrManifestTruncated},
		{"cut in the checksum line", good[:len(good)-3], aof.ErrManifestTruncated},
		{"after the checksum", good + "incr 5 x\n", aof.ErrManifestFormat},
		{"bad kind", reseal(body + "file 5 x\n"), aof.ErrManifestFormat},
		{"bad seq", reseal(body + "incr 05 x\n"), aof.ErrManifestFormat},
		{"path in name", reseal(body + "incr 5 ../x\n"), aof.ErrManifestFormat},
		{"base not first", reseal(body + "base 5 x\n"), aof.ErrManifestFormat},
		{"named twice", reseal(body + "incr 5 appendonly.aof.3.incr.aof\n"), aof.ErrManifestFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := aof.ParseManifest([]byte(tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if m, err := aof.ParseManifest([]byte(reseal(body + "incr 5 name with spaces\n"))); err != nil || m.Files[3].Name != "name with spaces" {
		t.Errorf("name with spaces: %+v, %v", m, err)
	}
}

// FuzzParseManifest reads arbitrary manifests, as they are and with a
// valid checksum line appended (so that the lines are parsed): the error
// is one of the manifest errors; a manifest that parses is exactly what
// Encode writes for it (but for the case of the checksum's hex digits).
func FuzzParseManifest(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "manifest.golden"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(golden[:len(golden)-len("crc32 c1928eae\n")])
	f.Add([]byte("redpool-aof-manifest 1\nincr 0 a b\n"))
	f.Add([]byte("redpool-aof-manifest 1\nincr 1 a\nbase 0 b\n"))
	f.Add([]byte("redpool-aof-manifest 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sum := fmt.Appendf(bytes.Clone(data), "crc32 %08X\n", crc32.ChecksumIEEE(data))
		for _, in := range [][]byte{data, sum} {
			m, err := aof.ParseManifest(in)
			if err != nil {
				for _, e := range []error{aof.ErrManifestMagic, aof.ErrManifestVersion, aof.ErrManifestChecksum,
					aof.ErrManifestTruncated, aof.ErrManifestFormat} {
					if errors.Is(err, e) {
						return
					}
				}
				t.Fatalf("unexpected error %v", err)
			}
			enc := m.Encode()
			const sumLen = len("xxxxxxxx\n")
			if len(enc) != len(in) || !bytes.Equal(enc[:len(enc)-sumLen], in[:len(in)-sumLen]) ||
				!bytes.EqualFold(enc[len(enc)-sumLen:], in[len(in)-sumLen:]) {
				t.Fatalf("parsed %q as %+v, which encodes as %q", in, m, enc)
			}
			again, err := aof.ParseManifest(enc)
			if err != nil || !reflect.DeepEqual(again, m) {
				t.Fatalf("Encode of %+v parses as %+v, %v", m, again, err)
			}
		}
	})
}
