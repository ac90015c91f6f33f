package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"redpool/persistence/aof"
	"redpool/persistence/fsutil"
	"redpool/session/resp"
)

func rec(args ...string) string { return string(resp.AppendCommandStrings(nil, args...)) }

// runCheck runs check-aof with stdin and returns the exit code and stdout.
func runCheck(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := checkAOF(args, strings.NewReader(stdin), &out, &errOut)
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return code, out.String()
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestCheckAOFValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "appendonly.aof")
	data := rec("SELECT", "0") + rec("SET", "k", "v\r\n")
	writeFile(t, path, data)
	code, out := runCheck(t, "", path)
	want := fmt.Sprintf("%s: ok, %d bytes\nAOF is valid.\n", path, len(data))
	if code != 0 || out != want {
		t.Fatalf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
	}
}

func TestCheckAOFReportsTheFirstBadOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "appendonly.aof")
	good := rec("SELECT", "0") + rec("SET", "k", "v")
	writeFile(t, path, good+"garbage\r\n"+rec("SET", "x", "y"))
	size := fileSize(t, path)
	code, out := runCheck(t, "", path)
	want := fmt.Sprintf("aof: bad record at offset %d of %s: not a multibulk command\n"+
		"AOF analyzed: file=%s, size=%d, ok_up_to=%d, diff=%d\n"+
		"AOF is not valid. Use --fix to truncate it to the last good record.\n",
		len(good), path, path, size, len(good), size-int64(len(good)))
	if code != 1 || out != want {
		t.Fatalf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
	}
	if fileSize(t, path) != size {
		t.Error("the file changed without --fix")
	}
}

func TestCheckAOFFix(t *testing.T) {
	good := rec("SELECT", "0") + rec("SET", "k", "v")
	torn := rec("SET", "last", "value")[:11]
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		fixed       bool
	}{
		{"yes flag", "", []string{"--fix", "--yes"}, 0, true},
		{"answer y", "y\n", []string{"--fix"}, 0, true},
		{"answer YES", "YES\n", []string{"--fix"}, 0, true},
		{"answer n", "n\n", []string{"--fix"}, 1, false},
		{"no answer", "", []string{"--fix"}, 1, false},
		{"flags after the file", "", []string{"", "--fix", "--yes"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "appendonly.aof")
			writeFile(t, path, good+torn)
			args := append([]string(nil), tt.args...)
			if args[0] == "" {
				args[0] = path
			} else {
				args = append(args, path)
			}
			code, out := runCheck(t, tt.stdin, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tt.code, out)
			}
			if !strings.Contains(out, "aof: truncated record at offset "+fmt.Sprint(len(good))) {
				t.Errorf("output does not report the offset:\n%s", out)
			}
			asked := strings.Contains(out, fmt.Sprintf("This will shrink %s from %d bytes to %d bytes (cutting %d). Continue? [y/N]: ", path, len(good+torn), len(good), len(torn)))
			if asked != (tt.stdin != "" || tt.name == "no answer") {
				t.Errorf("asked = %v; output:\n%s", asked, out)
			}
			wantSize := int64(len(good + torn))
			if tt.fixed {
				wantSize = int64(len(good))
				if !strings.HasSuffix(out, fmt.Sprintf("Successfully truncated %s to %d bytes.\n", path, len(good))) {
					t.Errorf("output:\n%s", out)
				}
				if code, out := runCheck(t, "", path); code != 0 {
					t.Errorf("after the fix: exit %d\n%s", code, out)
				}
			} else if !strings.HasSuffix(out, "AOF not fixed.\n") {
				t.Errorf("output:\n%s", out)
			}
			if got := fileSize(t, path); got != wantSize {
				t.Errorf("size %d, want %d", got, wantSize)
			}
		})
	}
}

func TestCheckAOFManifest(t *testing.T) {
	dir := t.TempDir()
	m := aof.Manifest{Files: []aof.FileRef{
		{Kind: aof.KindBase, Seq: 1, Name: "appendonly.aof.1.base.aof"},
		{Kind: aof.KindIncr, Seq: 1, Name: "appendonly.aof.1.incr.aof"},
		{Kind: aof.KindIncr, Seq: 2, Name: "appendonly.aof.2.incr.aof"},
	}}
	manifest := filepath.Join(dir, "appendonly.aof.manifest")
	writeFile(t, manifest, string(m.Encode()))
	base, incr1, incr2 := filepath.Join(dir, m.Files[0].Name), filepath.Join(dir, m.Files[1].Name), filepath.Join(dir, m.Files[2].Name)
	set := rec("SET", "a", "1")
	writeFile(t, base, rec("SELECT", "0")+set)
	writeFile(t, incr1, set+set[:5])
	writeFile(t, incr2, set)

	// A torn record in a file that is followed by a non-empty one is not a
	// crash: --fix refuses.
	code, out := runCheck(t, "", "--fix", "--yes", manifest)
	if code != 1 || !strings.Contains(out, fmt.Sprintf("aof: truncated record at offset %d of %s", len(set), incr1)) || !strings.Contains(out, "--fix cannot fix it") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// When it is the last non-empty file, it can be cut.
	writeFile(t, incr2, "")
	code, out = runCheck(t, "", "--fix", "--yes", manifest)
	if code != 0 || fileSize(t, incr1) != int64(len(set)) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out = runCheck(t, "", manifest)
	want := fmt.Sprintf("%s: ok, %d bytes\n%s: ok, %d bytes\n%s: ok, 0 bytes\nAOF is valid.\n", base, len(rec("SELECT", "0")+set), incr1, len(set), incr2)
	if code != 0 || out != want {
		t.Fatalf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
	}
	// A missing file.
	if err := os.Remove(incr2); err != nil {
		t.Fatal(err)
	}
	if code, out := runCheck(t, "", manifest); code != 1 || !strings.Contains(out, "file named by the manifest is missing") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestCheckAOFUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"a", "b"}, {"--yes", "a"}, {"--bogus", "a"}} {
		if code, _ := runCheck(t, "", args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, out := runCheck(t, "", filepath.Join(t.TempDir(), "missing")); code != 1 || !strings.Contains(out, "no such file") {
		t.Errorf("missing file: exit %d, %q", code, out)
	}
	// Through main's subcommand table.
	if _, ok := subcommands()["check-aof"]; !ok {
		t.Error("check-aof is not a subcommand")
	}
}

func TestCheckAOFFixTakesTheDirLock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "appendonly.aof")
	good := rec("SELECT", "0") + rec("SET", "k", "v")
	writeFile(t, path, good+rec("SET", "last", "value")[:11])
	size := fileSize(t, path)
	lock, err := fsutil.LockDir(dir) // as a running server holds it
	if err != nil {
		t.Fatal(err)
	}
	if again, err := fsutil.LockDir(dir); err == nil {
		_ = again.Unlock()
		_ = lock.Unlock()
		t.Skip("LockDir locks nothing on this OS")
	}
	code, out := runCheck(t, "", "--fix", "--yes", path)
	want := fmt.Sprintf("dir %q is in use: %s is locked by another process (pid %d)\nAOF not fixed: stop the server using it first.\n",
		dir, filepath.Join(dir, fsutil.LockFile), os.Getpid())
	if code != 1 || out != want {
		t.Fatalf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
	}
	if fileSize(t, path) != size {
		t.Fatal("the file was cut while the directory was locked")
	}
	// Checking without --fix needs no lock.
	if code, out := runCheck(t, "", path); code != 1 || !strings.HasSuffix(out, "Use --fix to truncate it to the last good record.\n") {
		t.Fatalf("check while locked: exit %d\n%s", code, out)
	}
	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
	if code, out := runCheck(t, "", "--fix", "--yes", path); code != 0 || fileSize(t, path) != int64(len(good)) {
		t.Fatalf("fix after unlock: exit %d\n%s", code, out)
	}
	// check-aof released the lock: a server can take it.
	lock, err = fsutil.LockDir(dir)
	if err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
}
