package server_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// fixedLimit is an open-file limit that cannot be raised.
type fixedLimit uint64

func (l fixedLimit) Get() (uint64, uint64, error) { return uint64(l), uint64(l), nil }
func (l fixedLimit) Set(soft, hard uint64) error {
	if soft > uint64(l) || hard > uint64(l) {
		return os.ErrPermission
	}
	return nil
}

// TestMaxClientsLoweredToTheFileLimit: under an open-file limit of 100,
// max_clients 10000 becomes 68 (32 descriptors kept for the server), which
// CONFIG GET reports; CONFIG SET past it is refused with Redis's error.
func TestMaxClientsLoweredToTheFileLimit(t *testing.T) {
	s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) { c.MaxClients = 10000 }),
		func(_ *config.Config, o *server.Options) { o.FDLimit = fixedLimit(100) })
	c := servertest.Dial(t, s.Addr)
	c.Expect("*2\r\n$10\r\nmaxclients\r\n$2\r\n68\r\n", "CONFIG", "GET", "maxclients")
	c.Expect("-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 68\r\n",
		"CONFIG", "SET", "maxclients", "69")
	c.Expect("+OK\r\n", "CONFIG", "SET", "maxclients", "50")
	c.Expect("*2\r\n$10\r\nmaxclients\r\n$2\r\n50\r\n", "CONFIG", "GET", "maxclients")
}

// TestMaxClientsUnderALowUlimit runs redpool as a child process under
// `ulimit -n 100`: it lowers max_clients from 10000 to 68 and says so at
// warn, and the 69th client gets Redis's error instead of hanging.
func TestMaxClientsUnderALowUlimit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "redpool-ulimit")
	script := "#!/bin/sh\nulimit -n 100 || exit 99\nexec " + strconv.Quote(servertest.BuildBinary(t)) + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Dir = dir
	p := servertest.StartProcess(t, wrapper, servertest.WriteConfig(t, dir, cfg))
	for _, line := range []string{
		`level=WARN msg="You requested maxclients of 10000 requiring at least 10032 max file descriptors."`,
		`level=WARN msg="Current maximum open files is 100. maxclients has been reduced to 68 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."`,
	} {
		if !strings.Contains(p.Output(), line) {
			t.Errorf("the log lacks %s:\n%s", line, p.Output())
		}
	}
	first := servertest.Dial(t, p.Addr)
	first.Expect("*2\r\n$10\r\nmaxclients\r\n$2\r\n68\r\n", "CONFIG", "GET", "maxclients")
	// StartProcess's PING connections may still hold a slot for a moment.
	for n := 1; n < 68; {
		c := servertest.Dial(t, p.Addr)
		switch got := c.Do("PING"); got {
		case "+PONG\r\n":
			n++
		case "-ERR max number of clients reached\r\n":
			time.Sleep(10 * time.Millisecond)
		default:
			t.Fatalf("client %d: %q", n+1, got)
		}
	}
	c := servertest.Dial(t, p.Addr)
	if got, err := c.TryRead(10 * time.Second); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("client 69 got %q, %v", got, err)
	}
	first.Expect("+PONG\r\n", "PING")
	if strings.Contains(p.Output(), "too many open files") {
		t.Errorf("the server ran out of descriptors:\n%s", p.Output())
	}
}
