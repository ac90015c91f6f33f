package server_test

import (
	"bufio"
	"bytes"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server"
	"redpool/cmd/redpool/server/servertest"
)

// transferScript is txBurst's transaction as a script.
const transferScript = "redis.call('incr', KEYS[1]) redis.call('incr', KEYS[2]) return redis.call('set', KEYS[3], ARGV[1])"

// TestAOFKill9Scripts kills redpool with SIGKILL in the middle of a burst of
// scripts (INCR a; INCR b; SET last i) from several clients, restarts it on
// the same log, and checks that every script's effects are wholly present
// or wholly absent and that none acknowledged is lost; the log holds the
// commands the scripts ran, never their text.
func TestAOFKill9Scripts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	dir := t.TempDir()
	kill9Bursts(t, dir, scriptBurst)
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("redis.call")) || bytes.Contains(bytes.ToLower(b), []byte("evalsha")) {
			t.Errorf("%s holds a script or EVALSHA", path)
		}
		if !bytes.Contains(b, []byte("MULTI")) && bytes.Contains(b, []byte("INCR")) {
			t.Errorf("%s: script effects not wrapped in MULTI ... EXEC", path)
		}
		return nil
	})
}

// scriptBurst runs transferScript with EVALSHA for client id, numbered
// from after, until the connection fails, and returns the last one
// acknowledged.
func scriptBurst(addr string, id, after int) int {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return after
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(pipeline([]string{"SCRIPT", "LOAD", transferScript})); err != nil {
		return after
	}
	sha, err := servertest.ReadRaw(br)
	if err != nil || len(sha) < 45 {
		return after
	}
	sha = sha[5:45]
	s := strconv.Itoa(id)
	for i := after + 1; ; i++ {
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(pipeline([]string{"EVALSHA", sha, "3", "a:" + s, "b:" + s, "last:" + s, strconv.Itoa(i)})); err != nil {
			return i - 1
		}
		reply, err := servertest.ReadRaw(br)
		if err != nil || reply != wireOK {
			return i - 1
		}
	}
}

// TestAOFFunctions: loaded libraries survive a restart through the AOF,
// deleted ones stay deleted, and a rewrite keeps them (as FUNCTION LOAD
// at the head of the new base).
func TestAOFFunctions(t *testing.T) {
	s := servertest.StartConfig(t, aofConfig(t.TempDir(), config.FsyncAlways), server.Options{})
	c := servertest.Dial(t, s.Addr)
	libA := "#!lua name=liba\nredis.register_function('fa', function(keys, args) return redis.call('incr', keys[1]) end)"
	libB := "#!lua name=libb\nredis.register_function('fb', function(keys, args) return 'b' end)"
	c.Expect("$4\r\nliba\r\n", "FUNCTION", "LOAD", libA)
	c.Expect("$4\r\nlibb\r\n", "FUNCTION", "LOAD", libB)
	c.Expect(":1\r\n", "FCALL", "fa", "1", "n")
	c.Expect("+OK\r\n", "FUNCTION", "DELETE", "libb")
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	c.Expect(":2\r\n", "FCALL", "fa", "1", "n")
	c.Expect("-ERR Function not found\r\n", "FCALL", "fb", "0")
	c.Expect("$4\r\nlibb\r\n", "FUNCTION", "LOAD", libB)
	c.Expect("+Background append only file rewriting started\r\n", "BGREWRITEAOF")
	waitInfo(t, c, "aof_rewrite_in_progress", "0")
	s = restart(t, s, server.Options{})
	c = servertest.Dial(t, s.Addr)
	c.Expect(":3\r\n", "FCALL", "fa", "1", "n")
	c.Expect("$1\r\nb\r\n", "FCALL", "fb", "0")
	c.Expect("+OK\r\n", "FUNCTION", "FLUSH")
	s = restart(t, s, server.Options{})
	servertest.Dial(t, s.Addr).Expect("*0\r\n", "FUNCTION", "LIST")
}

// TestFunctionsSnapshotAndBolt: libraries survive a restart with snapshot
// persistence (memory: in the snapshot file; bolt: in the bolt file), a
// FUNCTION FLUSH too, and a library loaded inside MULTI.
func TestFunctionsSnapshotAndBolt(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithConfig(snapshotMode()))
		c := servertest.Dial(t, s.Addr)
		libA := "#!lua name=liba\nredis.register_function('fa', function(keys, args) return redis.call('incr', keys[1]) end)"
		libB := "#!lua name=libb\nredis.register_function('fb', function(keys, args) return 'b' end)"
		c.Expect("$4\r\nliba\r\n", "FUNCTION", "LOAD", libA)
		c.Expect("+OK\r\n", "MULTI")
		c.Expect("+QUEUED\r\n", "FUNCTION", "LOAD", libB)
		c.Expect("*1\r\n$4\r\nlibb\r\n", "EXEC")
		c.Expect(":1\r\n", "FCALL", "fa", "1", "n")
		dump := c.Do("FUNCTION", "DUMP")
		c.Expect("+OK\r\n", "SAVE")
		shutdown(t, s)
		s = servertest.StartConfig(t, s.Config, server.Options{})
		c = servertest.Dial(t, s.Addr)
		c.Expect(dump, "FUNCTION", "DUMP")
		c.Expect(":2\r\n", "FCALL", "fa", "1", "n")
		c.Expect("$1\r\nb\r\n", "FCALL", "fb", "0")
		c.Expect("+OK\r\n", "FUNCTION", "DELETE", "liba")
		c.Expect("+OK\r\n", "SAVE")
		shutdown(t, s)
		s = servertest.StartConfig(t, s.Config, server.Options{})
		c = servertest.Dial(t, s.Addr)
		c.Expect("-ERR Function not found\r\n", "FCALL", "fa", "1", "n")
		c.Expect("$1\r\nb\r\n", "FCALL", "fb", "0")
		c.Expect("+OK\r\n", "FUNCTION", "FLUSH")
		c.Expect("+OK\r\n", "SAVE")
		shutdown(t, s)
		s = servertest.StartConfig(t, s.Config, server.Options{})
		servertest.Dial(t, s.Addr).Expect("*0\r\n", "FUNCTION", "LIST")
	})
}
