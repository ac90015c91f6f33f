package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// shippedConfig returns the shipped config.toml with dir and port pointed
// at dir and a free port, and each of the replacements applied (old, new
// pairs of whole lines); it fails if a line to replace is missing.
func shippedConfig(t *testing.T, dir string, replace ...string) string {
	t.Helper()
	data, err := os.ReadFile("../../config.toml")
	if err != nil {
		t.Fatal(err)
	}
	replace = append(replace,
		`dir = "data"`, "dir = "+strconv.Quote(dir),
		`port = 6379`, "port = "+strconv.Itoa(freePort(t)))
	src := string(data)
	for i := 0; i < len(replace); i += 2 {
		old := "\n" + replace[i] + "\n"
		if !strings.Contains(src, old) {
			t.Fatalf("config.toml has no line %q", replace[i])
		}
		src = strings.Replace(src, old, "\n"+replace[i+1]+"\n", 1)
	}
	path := filepath.Join(dir, "redpool.toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestShippedConfigSwitchedToBolt: changing only backend in the shipped
// config.toml gives a config that -check-config accepts and that starts,
// with no AOF (bolt is durable by itself).
func TestShippedConfigSwitchedToBolt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	cfg := shippedConfig(t, dir, `backend = "memory"`, `backend = "bolt"`)
	if code, out, stderr := runCmd(t, "-check-config", "-config", cfg); code != 0 || out != "config OK: "+cfg+"\n" {
		t.Fatalf("-check-config: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	p := servertest.StartProcess(t, servertest.BuildBinary(t), cfg)
	c := servertest.Dial(t, p.Addr)
	c.Expect("+OK\r\n", "SET", "k", "v")
	c.Expect("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n", "CONFIG", "GET", "appendonly")
	if err := p.Stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.Output())
	}
	if _, err := os.Stat(filepath.Join(dir, "redpool.db")); err != nil {
		t.Errorf("bolt file: %v", err)
	}
	if aof, _ := filepath.Glob(filepath.Join(dir, "appendonly.aof*")); len(aof) > 0 {
		t.Errorf("AOF files were created with bolt: %q", aof)
	}
}

// TestCheckConfigAgreesWithStart: -check-config refuses exactly the configs
// start refuses, with the same message, naming the key and its line.
func TestCheckConfigAgreesWithStart(t *testing.T) {
	dir := t.TempDir()
	cfg := shippedConfig(t, dir, `backend = "memory"`, `backend = "bolt"`, `mode = "auto"`, `mode = "aof"`)
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	line := slices.Index(strings.Split(string(data), "\n"), `mode = "aof"`) + 1
	want := "redpool.toml:" + strconv.Itoa(line) + `: persistence.mode: "aof" cannot be used with backend = "bolt": bolt is already durable (want "auto" or "none", or "snapshot" for backups)`
	code, out, check := runCmd(t, "-check-config", "-config", cfg)
	if code != 1 || out != "" || !strings.Contains(check, want) {
		t.Fatalf("-check-config: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, check, want)
	}
	code, out, start := runCmd(t, "-config", cfg)
	if code != 1 || out != "" || start != check {
		t.Fatalf("start: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, start, check)
	}
}

// TestCheckConfigReadsTLSFiles: with tls.port set, -check-config and the
// start read the TLS files, and refuse one that does not load alike.
func TestCheckConfigReadsTLSFiles(t *testing.T) {
	dir := t.TempDir()
	certs := servertest.NewTLSCerts(t, "ca")
	missing := filepath.Join(dir, "missing.crt")
	cfg := shippedConfig(t, dir, "port = 0", "port = "+strconv.Itoa(freePort(t)),
		`cert_file = ""`, "cert_file = "+strconv.Quote(missing),
		`key_file = ""`, "key_file = "+strconv.Quote(certs.ServerKey),
		`ca_cert_file = ""`, "ca_cert_file = "+strconv.Quote(certs.CA))
	want := "redpool: bad config: tls.cert_file: open " + missing + ": no such file or directory\n"
	for _, args := range [][]string{{"-check-config", "-config", cfg}, {"-config", cfg}} {
		if code, out, stderr := runCmd(t, args...); code != 1 || out != "" || stderr != want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 1 and %q", args, code, out, stderr, want)
		}
	}
}
