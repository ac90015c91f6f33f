package server_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// withUsers configures requirepass and [[acl.user]] tables.
func withUsers(pass string, users ...config.ACLUser) servertest.Option {
	return servertest.WithConfig(func(c *config.Config) {
		c.RequirePass = pass
		c.ACL.Users = users
	})
}

// TestACLGoRedis logs in with go-redis's Username and Password options, in
// RESP2 and RESP3, on users from config.toml.
func TestACLGoRedis(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply), withUsers("secret",
			config.ACLUser{Name: "app", Rules: "on >app-pass ~app:* +@all -flushall"}))
		ctx := context.Background()
		for _, proto := range []int{2, 3} {
			open := func(user, pass string) *redis.Client {
				c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: proto, Username: user, Password: pass,
					MaxRetries: -1, DialTimeout: 5 * time.Second})
				t.Cleanup(func() { _ = c.Close() })
				return c
			}
			if err := open("", "").Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
				t.Errorf("resp%d: PING without a password: %v, want NOAUTH", proto, err)
			}
			if err := open("app", "bad").Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
				t.Errorf("resp%d: a wrong password: %v, want WRONGPASS", proto, err)
			}
			if who, err := open("", "secret").ACLWhoAmI(ctx).Result(); err != nil || who != "default" {
				t.Errorf("resp%d: password only: %q %v", proto, who, err)
			}
			app := open("app", "app-pass")
			if who, err := app.ACLWhoAmI(ctx).Result(); err != nil || who != "app" {
				t.Errorf("resp%d: WHOAMI %q %v", proto, who, err)
			}
			if err := app.Set(ctx, "app:k", "v", 0).Err(); err != nil {
				t.Errorf("resp%d: SET app:k: %v", proto, err)
			}
			if err := app.Get(ctx, "other").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to access one of the keys used as arguments" {
				t.Errorf("resp%d: GET other: %v", proto, err)
			}
			if err := app.FlushAll(ctx).Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'flushall' command" {
				t.Errorf("resp%d: FLUSHALL: %v", proto, err)
			}
			list, err := app.ClientList(ctx).Result()
			if err != nil || !strings.Contains(list, " user=app ") {
				t.Errorf("resp%d: CLIENT LIST shows no user=app: %q %v", proto, list, err)
			}
		}
	})
}

// TestACLPythonRedis runs testdata/clients/python/acl_test.py: redis-py's
// username and password options.
func TestACLPythonRedis(t *testing.T) {
	py := pythonWithRedis()
	if py == "" {
		missingTool(t, "no python3 on PATH or in /usr/bin can import redis (apt-get install -y python3-redis)")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "clients", "python", "acl_test.py"))
	if err != nil {
		t.Fatal(err)
	}
	s := servertest.Start(t, withUsers("py-secret", config.ACLUser{Name: "pyuser", Rules: "on >pypass ~py:* +@all -flushall"}))
	if out := runClient(t, s.Addr, "", py, script); !strings.Contains(out, "redis-py acl ok") {
		t.Fatalf("python test: %s", out)
	}
}

// TestACLFile saves users to the ACL file and loads them back (ACL SAVE,
// ACL LOAD, and at start), refuses a bad file whole, and disconnects the
// clients of the users a load replaces.
func TestACLFile(t *testing.T) {
	dir := t.TempDir()
	withFile := servertest.WithConfig(func(c *config.Config) {
		c.Dir = dir
		c.ACL.File = "users.acl"
	})
	s := servertest.Start(t, withFile)
	c := servertest.Dial(t, s.Addr)
	c.Expect("+OK\r\n", "ACL", "SETUSER", "alice", "on", ">pw", "~a:*", "&news", "-@all", "+get", "(%W~w:* +set)")
	c.Expect("+OK\r\n", "ACL", "SETUSER", "default", "resetpass", ">rootpw")
	c.Expect("+OK\r\n", "ACL", "SAVE")
	path := filepath.Join(dir, "users.acl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~a:* resetchannels &news -@all +get (%W~w:* resetchannels -@all +set)\n" +
		"user default on #bd6eab916cf4a50484a8ce694156d1cc08ed347992eec5d3aff47167b6d8cb7f ~* &* +@all\n"
	if string(data) != want {
		t.Fatalf("ACL file:\n%s\nwant:\n%s", data, want)
	}
	if entries, _ := filepath.Glob(path + ".tmp-*"); len(entries) != 0 {
		t.Errorf("temp files left: %v", entries)
	}

	// A client of alice is disconnected by ACL LOAD; the default user's
	// clients stay.
	a := servertest.Dial(t, s.Addr)
	a.Expect("+OK\r\n", "AUTH", "alice", "pw")
	c.Expect("+OK\r\n", "AUTH", "rootpw")
	edited := string(data) + "user bob on nopass ~* +@all\n"
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	c.Expect("+OK\r\n", "ACL", "LOAD")
	a.ExpectClosed()
	c.Expect("*3\r\n$5\r\nalice\r\n$3\r\nbob\r\n$7\r\ndefault\r\n", "ACL", "USERS")
	c.Expect("$7\r\ndefault\r\n", "ACL", "WHOAMI")

	// A bad file changes nothing, and names the problems.
	if err := os.WriteFile(path, []byte("user carol on +nosuch\nuser x ~a bogus\nfoo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.Expect("-ERR "+path+":1: Unknown command or category name in ACL. "+path+":2: Syntax error. "+path+
		":3 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n", "ACL", "LOAD")
	c.Expect("*3\r\n$5\r\nalice\r\n$3\r\nbob\r\n$7\r\ndefault\r\n", "ACL", "USERS")

	// A server started on the file has its users; a bad file stops the
	// start.
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := s.Config
	cfg.Dir = t.TempDir()
	cfg.ACL.File = path
	s2 := servertest.StartConfig(t, cfg, server.Options{})
	c2 := servertest.Dial(t, s2.Addr)
	c2.Expect("-NOAUTH Authentication required.\r\n", "PING")
	c2.Expect("+OK\r\n", "AUTH", "bob", "x")
	c2.Expect("*3\r\n$5\r\nalice\r\n$3\r\nbob\r\n$7\r\ndefault\r\n", "ACL", "USERS")
	if err := os.WriteFile(path, []byte("user bob on +nosuch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Dir = t.TempDir()
	if _, err := server.New(cfg, server.Options{}); err == nil || !strings.Contains(err.Error(), "Unknown command or category name in ACL") {
		t.Errorf("start with a bad ACL file: %v", err)
	}
}

// TestACLNoFile: ACL LOAD and SAVE need an ACL file.
func TestACLNoFile(t *testing.T) {
	s := servertest.Start(t)
	c := servertest.Dial(t, s.Addr)
	const noFile = "-ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.\r\n"
	c.Expect(noFile, "ACL", "LOAD")
	c.Expect(noFile, "ACL", "SAVE")
}

// TestACLConfig: users come from config.toml; a bad rule stops the start
// naming the key, and so does a user defined both ways.
func TestACLConfig(t *testing.T) {
	_, err := config.Parse([]byte("[[acl.user]]\nname = \"a\"\nrules = \"on +nosuch\"\n"), "x.toml")
	var ce *config.Error
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Key != "acl.user" ||
		!strings.Contains(err.Error(), `rule "+nosuch": Unknown command or category name in ACL`) {
		t.Errorf("bad rule: %v", err)
	}
	_, err = config.Parse([]byte("[[acl.user]]\nname = \"a\"\nrule = \"on\"\n"), "x.toml")
	if err == nil || !strings.Contains(err.Error(), `acl.user: user 1: unknown key "rule"`) {
		t.Errorf("unknown key: %v", err)
	}
	_, err = config.Parse([]byte("[acl]\nfile = \"u.acl\"\n[[acl.user]]\nname = \"a\"\nrules = \"on\"\n"), "x.toml")
	if err == nil || !strings.Contains(err.Error(), "acl.file: cannot be used with [[acl.user]]") {
		t.Errorf("file and users: %v", err)
	}
	cfg, err := config.Parse([]byte("requirepass = \"pw\"\n[[acl.user]]\nname = \"default\"\nrules = \"on nopass ~* +@read\"\n[[acl.user]]\nname = \"w\"\nrules = \"on >wp allkeys +@all\"\n"), "x.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Port, cfg.Dir = 0, t.TempDir()
	s := servertest.StartConfig(t, cfg, server.Options{})
	c := servertest.Dial(t, s.Addr)
	c.Expect("$-1\r\n", "GET", "k")
	c.Expect("-NOPERM this user has no permissions to run the 'set' command\r\n", "SET", "k", "v")
	c.Expect("+OK\r\n", "AUTH", "w", "wp")
	c.Expect("+OK\r\n", "SET", "k", "v")
	c.Expect("*2\r\n$11\r\nrequirepass\r\n$2\r\npw\r\n", "CONFIG", "GET", "requirepass")
}
