package aof

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"redpool/persistence/fsutil"
)

const (
	manifestMagic   = "redpool-aof-manifest"
	manifestVersion = 1
	// maxManifestSize bounds what ReadManifest reads: a manifest names a
	// handful of files.
	maxManifestSize = 1 << 20
)

// FileKind says whether a log file is a base or an incr file.
type FileKind uint8

// The kinds of log files.
const (
	KindBase FileKind = iota + 1
	KindIncr
)

// String returns the word the manifest uses.
func (k FileKind) String() string {
	switch k {
	case KindBase:
		return "base"
	case KindIncr:
		return "incr"
	default:
		return "?"
	}
}

// FileRef is one file named by the manifest.
type FileRef struct {
	Kind FileKind
	Seq  int64  // sequence number (0 for an adopted old-layout file)
	Name string // file name in the log's directory
}

// Manifest lists the files that make up a log, in replay order: the base
// (if any) first, then the incr files. The last incr file is appended to.
type Manifest struct {
	Files []FileRef
}

// Base returns the base file, if any.
func (m Manifest) Base() (FileRef, bool) {
	if len(m.Files) > 0 && m.Files[0].Kind == KindBase {
		return m.Files[0], true
	}
	return FileRef{}, false
}

// Incrs returns the incr files in order.
func (m Manifest) Incrs() []FileRef {
	if _, ok := m.Base(); ok {
		return m.Files[1:]
	}
	return m.Files
}

// maxSeq is the highest sequence number named.
func (m Manifest) maxSeq() int64 {
	var n int64
	for _, f := range m.Files {
		n = max(n, f.Seq)
	}
	return n
}

// with returns a copy of m with f added at the end.
func (m Manifest) with(f FileRef) Manifest {
	files := append(append([]FileRef(nil), m.Files...), f)
	return Manifest{Files: files}
}

// names reports whether m names the file.
func (m Manifest) names(name string) bool {
	for _, f := range m.Files {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Encode renders the manifest in its file format.
func (m Manifest) Encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %d\n", manifestMagic, manifestVersion)
	for _, f := range m.Files {
		fmt.Fprintf(&b, "%s %d %s\n", f.Kind, f.Seq, f.Name)
	}
	fmt.Fprintf(&b, "crc32 %08x\n", crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes()
}

// ParseManifest decodes a manifest, checking the magic, then the version,
// then the checksum, then each line.
func ParseManifest(data []byte) (Manifest, error) {
	prefix := manifestMagic + " "
	if !bytes.HasPrefix(data, []byte(prefix)) {
		if len(data) < len(prefix) && strings.HasPrefix(prefix, string(data)) {
			return Manifest{}, ErrManifestTruncated
		}
		return Manifest{}, ErrManifestMagic
	}
	first, rest, ok := bytes.Cut(data, []byte("\n"))
	if ver := string(first[len(prefix):]); ver != strconv.Itoa(manifestVersion) {
		if !ok && strings.HasPrefix(strconv.Itoa(manifestVersion), ver) {
			return Manifest{}, ErrManifestTruncated
		}
		return Manifest{}, fmt.Errorf("%w: %q (this build reads %d)", ErrManifestVersion, ver, manifestVersion)
	}
	if !ok {
		return Manifest{}, ErrManifestTruncated
	}
	// The checksum line is the last line; it covers everything before it.
	body := data[:len(first)+1]
	var m Manifest
	seen := map[string]bool{}
	for {
		line, next, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return Manifest{}, ErrManifestTruncated
		}
		if sum, isSum := bytes.CutPrefix(line, []byte("crc32 ")); isSum {
			want, err := strconv.ParseUint(string(sum), 16, 32)
			if err != nil || len(sum) != 8 {
				return Manifest{}, fmt.Errorf("%w: bad checksum line %q", ErrManifestFormat, line)
			}
			if crc32.ChecksumIEEE(body) != uint32(want) {
				return Manifest{}, ErrManifestChecksum
			}
			if len(next) != 0 {
				return Manifest{}, fmt.Errorf("%w: data after the checksum line", ErrManifestFormat)
			}
			return m, nil
		}
		body = data[:len(body)+len(line)+1]
		ref, err := parseManifestLine(string(line))
		if err != nil {
			return Manifest{}, err
		}
		if ref.Kind == KindBase && len(m.Files) > 0 {
			return Manifest{}, fmt.Errorf("%w: base file %q is not first", ErrManifestFormat, ref.Name)
		}
		if seen[ref.Name] {
			return Manifest{}, fmt.Errorf("%w: %q named twice", ErrManifestFormat, ref.Name)
		}
		seen[ref.Name] = true
		m.Files = append(m.Files, ref)
		rest = next
	}
}

func parseManifestLine(line string) (FileRef, error) {
	bad := func(why string) (FileRef, error) {
		return FileRef{}, fmt.Errorf("%w: %s in line %q", ErrManifestFormat, why, line)
	}
	kind, rest, _ := strings.Cut(line, " ")
	seqText, name, _ := strings.Cut(rest, " ")
	var ref FileRef
	switch kind {
	case "base":
		ref.Kind = KindBase
	case "incr":
		ref.Kind = KindIncr
	default:
		return bad("unknown file kind")
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil || seq < 0 || strconv.FormatInt(seq, 10) != seqText {
		return bad("bad sequence number")
	}
	ref.Seq = seq
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return bad("bad file name")
	}
	ref.Name = name
	return ref, nil
}

// ReadManifest reads and parses the manifest at path. A missing file is
// reported with an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadManifest(path string) (Manifest, error) { return readManifest(fsutil.OSFS{}, path) }

// readManifest is ReadManifest in fsys.
func readManifest(fsys fsutil.FS, path string) (Manifest, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return Manifest{}, err
	}
	defer f.Close()
	data := make([]byte, maxManifestSize+1)
	n, err := readFull(f, data)
	if err != nil {
		return Manifest{}, err
	}
	if n > maxManifestSize {
		return Manifest{}, fmt.Errorf("%w: larger than %d bytes", ErrManifestFormat, maxManifestSize)
	}
	m, err := ParseManifest(data[:n])
	if err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// readFull reads until buf is full or EOF and returns how much it read.
func readFull(f io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := f.Read(buf[n:])
		n += m
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
	}
	return n, nil
}

// manifestName is the manifest's file name for a log named name.
func manifestName(name string) string { return name + ".manifest" }

// baseName and incrName name the numbered files of a log named name.
func baseName(name string, seq int64) string {
	return name + "." + strconv.FormatInt(seq, 10) + ".base.aof"
}

func incrName(name string, seq int64) string {
	return name + "." + strconv.FormatInt(seq, 10) + ".incr.aof"
}

// isLogFile reports whether file looks like one of the numbered files of a
// log named name ("<name>.<seq>.base.aof" or "<name>.<seq>.incr.aof").
func isLogFile(name, file string) bool {
	rest, ok := strings.CutPrefix(file, name+".")
	if !ok {
		return false
	}
	seq, kind, ok := strings.Cut(rest, ".")
	if !ok || seq == "" || strings.Trim(seq, "0123456789") != "" {
		return false
	}
	return kind == "base.aof" || kind == "incr.aof"
}

// isTempFile reports whether file is a temp file of a log named name.
func isTempFile(name, file string) bool {
	return strings.HasPrefix(file, name+".") && strings.HasSuffix(file, ".tmp")
}

// ManifestPath returns the manifest's path for a log file path (as
// configured: dir/appendonly.aof).
func ManifestPath(logPath string) string {
	return filepath.Join(filepath.Dir(logPath), manifestName(filepath.Base(logPath)))
}
