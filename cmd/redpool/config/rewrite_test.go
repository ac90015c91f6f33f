package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRewriteKeepsLayout: CONFIG REWRITE of the shipped file changes only
// the lines of the keys that changed (keeping their comments), adds the
// missing ones in their tables, and keeps every comment.
func TestRewriteKeepsLayout(t *testing.T) {
	shipped, err := os.ReadFile(filepath.Join("..", "..", "..", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	// A comment after a value, a multi-line array and a missing key.
	src := strings.Replace(string(shipped), "max_clients = 10000\n", "max_clients = 10000   # the pool size\n", 1)
	src = strings.Replace(src, "save = [[3600, 1], [300, 100], [60, 10000]]\n", "save = [\n  [3600, 1],\n  [300, 100],\n]\n", 1)
	src = strings.Replace(src, "threads = 0\n", "", 1)
	path := filepath.Join(t.TempDir(), "redpool.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxClients = 50
	cfg.Timeout = Duration(90 * time.Second)
	cfg.NotifyKeyspaceEvents = "KEA"
	cfg.OutputBufferLimit.PubSub.Soft = 1 << 20
	cfg.Persistence.Snapshot.Save = []SaveRule{{Seconds: 60, Changes: 5}}
	cfg.Threads = 2
	if err := Rewrite(path, cfg); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("rewritten file loads as\n%+v\nwant\n%+v", got, cfg)
	}
	text := string(out)
	for _, want := range []string{
		"max_clients = 50   # the pool size\n",
		"timeout = \"1m30s\"\n",
		"notify_keyspace_events = \"KEA\"\n",
		"save = [[60, 5]]\n",
		"threads = 2\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rewritten file lacks %q", want)
		}
	}
	// Every comment line survives, in order, and nothing else moved but
	// the changed lines.
	var oldComments, newComments []string
	for _, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			oldComments = append(oldComments, l)
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			newComments = append(newComments, l)
		}
	}
	if !reflect.DeepEqual(oldComments, newComments) {
		t.Errorf("comments changed")
	}
	if d := len(strings.Split(src, "\n")) - len(strings.Split(text, "\n")); d != 2 { // save lost 3 lines, threads came back
		t.Errorf("line count changed by %d:\n%s", d, text)
	}
	// Rewriting the same configuration again changes nothing.
	if err := Rewrite(path, cfg); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); string(again) != text {
		t.Errorf("a second rewrite changed the file")
	}
}

// TestRewriteAddsTable: a key of a table the file lacks goes into a new
// table at the end.
func TestRewriteAddsTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte("# just a comment\nport = 7000"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.OutputBufferLimit.Normal.Hard = 1024
	cfg.MaxClients = 7
	if err := Rewrite(path, cfg); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(path)
	want := "# just a comment\nport = 7000\nmax_clients = 7\n\n[client_output_buffer_limit.normal]\nhard = \"1024\"\n"
	if string(out) != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}
