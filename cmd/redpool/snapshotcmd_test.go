package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"redpool/backend"
	"redpool/backend/bolt"
	"redpool/backend/memory"
	"redpool/persistence/fsutil"
	"redpool/persistence/snapshot"
	"redpool/session/resp"
)

var cmdT0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func testSnapshot(t *testing.T, dir, name string, es ...backend.Entry) (string, []byte) {
	t.Helper()
	data, err := snapshot.Encode(cmdT0.UnixMilli(), es)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

func sampleEntries() []backend.Entry {
	return []backend.Entry{
		{DB: 0, Key: []byte("a"), Type: backend.TypeString, Items: [][]byte{[]byte("1")}},
		{DB: 0, Key: []byte("b c"), Type: backend.TypeString, ExpireAt: cmdT0.Add(time.Hour).UnixMilli(), Items: [][]byte{[]byte("2")}},
		{DB: 0, Key: []byte("l"), Type: backend.TypeList, Items: [][]byte{[]byte("x")}},
		{DB: 12, Key: []byte("h"), Type: backend.TypeHash, Items: [][]byte{[]byte("f"), []byte("v")}},
	}
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSnapshotInspectCmd(t *testing.T) {
	path, data := testSnapshot(t, t.TempDir(), "s.rpdb", sampleEntries()...)
	code, out, stderr := runCmd(t, "snapshot", "inspect", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"format:    redpool snapshot, version 1\n",
		"created:   2025-03-01 12:00:00.000 UTC\n",
		"keys:      4\n",
		"   db  string  list  hash  set  zset  stream  keys  expires\n",
		"    0       2     1     0    0     0       0     3        1\n",
		"   12       0     0     1    0     0       0     1        0\n",
		"total       2     1     1    0     0       0     4        1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	bad := bytes.Clone(data)
	bad[len(bad)-6] ^= 0x40
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "snapshot", "inspect", path)
	if code != 1 || !strings.Contains(stderr, "checksum mismatch") {
		t.Fatalf("bad file: exit %d, stderr %q", code, stderr)
	}
	if err := os.WriteFile(path, data[:30], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "snapshot", "inspect", path)
	if code != 1 || !strings.Contains(stderr, "truncated") {
		t.Fatalf("short file: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCmd(t, "snapshot", "frobnicate"); code != 2 {
		t.Fatalf("unknown subcommand: exit %d", code)
	}
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "redpool.toml")
	if err := os.WriteFile(path, []byte("port = 0\ndir = \""+dir+"\"\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSnapshotRestoreMemory: with the memory backend in snapshot mode,
// restore installs the file the server loads at start.
func TestSnapshotRestoreMemory(t *testing.T) {
	dir := t.TempDir()
	src, data := testSnapshot(t, t.TempDir(), "backup.rpdb", sampleEntries()...)
	cfg := writeConfig(t, dir, "[persistence]\nmode = \"snapshot\"\n")
	code, out, stderr := runCmd(t, "snapshot", "restore", "-config", cfg, src)
	if code != 0 || !strings.Contains(out, "(4 keys)") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	dst := filepath.Join(dir, "dump.rpdb")
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Fatal("restored file differs")
	}
	// A store with keys is refused without -force.
	other, otherData := testSnapshot(t, t.TempDir(), "other.rpdb", backend.Entry{Key: []byte("z"), Type: backend.TypeString, Items: [][]byte{[]byte("z")}})
	code, _, stderr = runCmd(t, "snapshot", "restore", "-config", cfg, other)
	if code != 1 || !strings.Contains(stderr, "holds 4 keys; use -force") {
		t.Fatalf("without -force: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "snapshot", "restore", "-config", cfg, other, "--force")
	if code != 0 {
		t.Fatalf("-force after the file: exit %d, stderr %q", code, stderr)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, otherData) {
		t.Fatal("-force did not replace the snapshot")
	}
	// A bad source changes nothing.
	bad := bytes.Clone(data)
	bad[45] ^= 1
	badPath := filepath.Join(t.TempDir(), "bad.rpdb")
	if err := os.WriteFile(badPath, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "snapshot", "restore", "-force", "-config", cfg, badPath)
	if code != 1 || !strings.Contains(stderr, "checksum mismatch") {
		t.Fatalf("bad source: exit %d, stderr %q", code, stderr)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, otherData) {
		t.Fatal("a bad source changed the snapshot")
	}
}

func TestSnapshotRestoreRefusesOtherModes(t *testing.T) {
	dir := t.TempDir()
	src, _ := testSnapshot(t, dir, "backup.rpdb", sampleEntries()...)
	for _, mode := range []string{"none", "aof"} {
		cfg := writeConfig(t, dir, "[persistence]\nmode = \""+mode+"\"\n")
		code, _, stderr := runCmd(t, "snapshot", "restore", "-config", cfg, src)
		if code != 1 || !strings.Contains(stderr, `use backend = "bolt", or backend = "memory" with persistence.mode = "snapshot"`) {
			t.Fatalf("mode %s: exit %d, stderr %q", mode, code, stderr)
		}
	}
	if code, _, _ := runCmd(t, "snapshot", "restore"); code != 2 {
		t.Fatalf("no file: exit %d", code)
	}
}

// TestSnapshotRestoreRefusesALockedDir: restore does not write a snapshot
// into the dir of a running server, which would write over it.
func TestSnapshotRestoreRefusesALockedDir(t *testing.T) {
	dir := t.TempDir()
	src, _ := testSnapshot(t, t.TempDir(), "backup.rpdb", sampleEntries()...)
	lock, err := fsutil.LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := lock.Unlock(); err != nil {
			t.Error(err)
		}
	}()
	cfg := writeConfig(t, dir, "[persistence]\nmode = \"snapshot\"\n")
	code, _, stderr := runCmd(t, "snapshot", "restore", "-config", cfg, src)
	if code != 1 || !strings.Contains(stderr, `dir "`+dir+`" is in use`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rpdb")); !os.IsNotExist(err) {
		t.Errorf("the snapshot was written: %v", err)
	}
}

// TestRestoreIntoBolt: restore loads a snapshot into a bolt store, refuses
// a store with keys, and with force replaces what it held.
func TestRestoreIntoBolt(t *testing.T) {
	dir := t.TempDir()
	src, _ := testSnapshot(t, dir, "backup.rpdb", sampleEntries()...)
	clk := backend.NewManualClock(cmdT0)
	b, err := bolt.Open(bolt.Options{Path: filepath.Join(dir, "redpool.db"), Sync: bolt.SyncNone, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var out, errb bytes.Buffer
	fail := func(format string, a ...any) int {
		errb.WriteString(strings.TrimSpace(sprintf(format, a...)))
		return 1
	}
	if code := restoreInto(b, "bolt", src, false, &out, fail); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "restored 4 keys") {
		t.Fatalf("out %q", out.String())
	}
	if code := restoreInto(b, "bolt", src, false, &out, fail); code != 1 || !strings.Contains(errb.String(), "holds 4 keys") {
		t.Fatalf("second restore: exit %d, %q", code, errb.String())
	}
	put := backend.Entry{Key: []byte("extra"), Type: backend.TypeString, Items: [][]byte{[]byte("x")}}
	if err := b.Update(backend.TxOptions{Keys: [][]byte{put.Key}}, func(tx backend.Tx) error { return backend.Put(tx, &put) }); err != nil {
		t.Fatal(err)
	}
	if code := restoreInto(b, "bolt", src, true, &out, fail); code != 0 {
		t.Fatalf("force: exit %d, %q", code, errb.String())
	}
	var keys []string
	snap, err := b.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	_ = snap.Each(context.Background(), func(e *backend.Entry) error {
		keys = append(keys, string(e.Key))
		return nil
	})
	if strings.Join(sortedStrings(keys), ",") != "a,b c,h,l" {
		t.Fatalf("bolt holds %q", keys)
	}
}

// TestStartFailsOnCorruptSnapshot: the binary exits 1 naming the problem.
func TestStartFailsOnCorruptSnapshot(t *testing.T) {
	dir := t.TempDir()
	_, data := testSnapshot(t, dir, "dump.rpdb", sampleEntries()...)
	if err := os.WriteFile(filepath.Join(dir, "dump.rpdb"), data[:len(data)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, dir, "[persistence]\nmode = \"snapshot\"\n")
	code, _, stderr := runCmd(t, "-config", cfg)
	if code != 1 || !strings.Contains(stderr, "snapshot: truncated") || !strings.Contains(stderr, "dump.rpdb") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestSignalSavesSnapshot runs the real binary in snapshot mode: SIGTERM
// and SIGINT shut it down gracefully, saving, and the next start loads it.
func TestSignalSavesSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "redpool")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for i, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		port := freePort(t)
		cfg := writeConfig(t, dir, "[persistence]\nmode = \"snapshot\"\n")
		cmd := exec.Command(bin, "-config", cfg, "-port", strconv.Itoa(port))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := dialRetry(t, port)
		key := "k" + strconv.Itoa(i)
		if got := roundTrip(t, c, "SET", key, "v a:l\r\nue"); got != "+OK\r\n" {
			t.Fatalf("SET: %q", got)
		}
		if i == 1 {
			// The first run's key came back from the snapshot.
			if got := roundTrip(t, c, "GET", "k0"); got != "$9\r\nv a:l\r\nue\r\n" {
				t.Fatalf("GET k0 after restart: %q", got)
			}
		}
		_ = c.Close()
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit after %v: %v\n%s", sig, err, stderr.String())
		}
		sum, err := snapshot.Inspect(filepath.Join(dir, "dump.rpdb"))
		if err != nil || sum.Header.Keys != uint64(i+1) {
			t.Fatalf("after %v: snapshot %+v, %v\n%s", sig, sum, err, stderr.String())
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func dialRetry(t *testing.T, port int) net.Conn {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// roundTrip sends one command and reads one reply (a line, or a bulk string).
func roundTrip(t *testing.T, c net.Conn, args ...string) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(resp.AppendCommandStrings(nil, args...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if line[0] != '$' || line == "$-1\r\n" {
		return line
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	body := make([]byte, n+2)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	return line + string(body)
}

// TestRestoreFunctionsIntoBolt: a snapshot's function libraries go into
// the bolt file with its keys; -force drops the ones the store held.
func TestRestoreFunctionsIntoBolt(t *testing.T) {
	dir := t.TempDir()
	clk := backend.NewManualClock(cmdT0)
	mem := memory.New(memory.Options{Clock: clk, ExpiryInterval: -1})
	defer mem.Close()
	payload := []byte("functions payload")
	err := mem.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		e := sampleEntries()[0]
		return errors.Join(backend.Put(tx, &e), tx.SetAux(backend.AuxFunctions, payload))
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := mem.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "with-functions.rpdb")
	_, err = snapshot.Save(context.Background(), src, snap, cmdT0.UnixMilli())
	snap.Close()
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := testSnapshot(t, dir, "plain.rpdb", sampleEntries()...)

	b, err := bolt.Open(bolt.Options{Path: filepath.Join(dir, "redpool.db"), Sync: bolt.SyncNone, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fail := func(format string, a ...any) int { t.Errorf(format, a...); return 1 }
	if code := restoreInto(b, "bolt", src, false, io.Discard, fail); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got, _ := b.Aux(backend.AuxFunctions); string(got) != string(payload) {
		t.Fatalf("bolt functions %q, want %q", got, payload)
	}
	if code := restoreInto(b, "bolt", plain, true, io.Discard, fail); code != 0 {
		t.Fatalf("force: exit %d", code)
	}
	if got, _ := b.Aux(backend.AuxFunctions); got != nil {
		t.Fatalf("after a forced restore of a snapshot without functions: %q", got)
	}
}
