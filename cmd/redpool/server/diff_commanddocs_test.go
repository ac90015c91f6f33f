package server_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
	"redpool/session/resp"
)

// TestDiffCommandDocs compares COMMAND DOCS and COMMAND INFO of every
// command (and subcommand) redpool has with a real Redis, in both
// protocols. With REDPOOL_GEN_DOCS=1 it first rewrites
// command/cmddocs.resp, the metadata redpool embeds, from that Redis.
func TestDiffCommandDocs(t *testing.T) {
	r := servertest.StartRedis(t)
	if os.Getenv("REDPOOL_GEN_DOCS") == "1" {
		c := servertest.Dial(t, r.Addr)
		c.Do("HELLO", "3")
		data := c.Do("COMMAND", "DOCS") + c.Do("COMMAND", "INFO")
		if err := os.WriteFile(filepath.Join("..", "..", "..", "command", "cmddocs.resp"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote command/cmddocs.resp: rebuild and run again")
		return
	}
	s := servertest.Start(t)
	list, err := resp.ReadReply(bufio.NewReader(strings.NewReader(servertest.Dial(t, s.Addr).Do("COMMAND", "LIST"))))
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []int{2, 3} {
		d := servertest.NewDiff(t, r.Addr, s.Addr, proto)
		for _, v := range list.Array {
			d.Do("COMMAND", "DOCS", string(v.Str))
			d.Do("COMMAND", "INFO", string(v.Str))
		}
		d.Do("COMMAND", "DOCS", "get", "nosuchcommand", "config")
		d.Do("COMMAND", "INFO", "get", "nosuchcommand", "CONFIG|GET")
	}
}
