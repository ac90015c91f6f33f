package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// TestConfigRewrite: from the shipped config.toml, CONFIG SET a few
// parameters, CONFIG REWRITE, restart from the file: the values are back
// and every comment of the file survived.
func TestConfigRewrite(t *testing.T) {
	shipped, err := os.ReadFile(filepath.Join("..", "..", "..", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := strings.Replace(string(shipped), "port = 6379\n", "port = 0\n", 1)
	src = strings.Replace(src, `dir = "data"`+"\n", `dir = "`+filepath.Join(dir, "data")+`"`+"\n", 1)
	path := filepath.Join(dir, "redpool.toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := servertest.StartConfig(t, cfg, server.Options{ConfigFile: path})
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "CONFIG", "SET", "maxclients", "77", "timeout", "30")
	c.Expect("+OK\r\n", "CONFIG", "SET", "notify-keyspace-events", "KEA")
	c.Expect("+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 30")
	c.Expect("+OK\r\n", "CONFIG", "REWRITE")
	want := c.Do("CONFIG", "GET", "maxclients", "timeout", "notify-keyspace-events", "client-output-buffer-limit")
	shutdown(t, s)

	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") && !strings.Contains(string(out), line) {
			t.Errorf("comment lost: %q", line)
		}
	}
	for _, line := range []string{"max_clients = 77\n", "timeout = \"30s\"\n", "notify_keyspace_events = \"AKE\"\n"} {
		if !strings.Contains(string(out), line) {
			t.Errorf("rewritten file lacks %q", line)
		}
	}
	cfg, err = config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s = servertest.StartConfig(t, cfg, server.Options{ConfigFile: path})
	servertest.Dial(t, s.Addr).Expect(want, "CONFIG", "GET", "maxclients", "timeout", "notify-keyspace-events", "client-output-buffer-limit")
}

// TestDiffConfigRewriteNoFile: without a config file, Redis's error.
func TestDiffConfigRewriteNoFile(t *testing.T) {
	r := servertest.StartRedis(t)
	s := servertest.Start(t)
	for _, proto := range servertest.Protos() {
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		d.Do("CONFIG", "REWRITE")
		d.Do("CONFIG", "REWRITE", "extra")
		d.Do("CONFIG", "HELP")
	}
}
