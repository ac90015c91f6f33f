package server_test

import (
	"slices"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// TestDiffInfoFields: every section of INFO has Redis 7.0's fields in
// Redis's order (values differ: they are each server's own), and INFO
// selects sections as Redis does. redpool adds go_version to Server,
// Redis 7.2's acl_access_denied_* to Stats, ack_not_durable_* to
// Persistence, and a Backend section.
func TestDiffInfoFields(t *testing.T) {
	r := servertest.StartRedis(t)
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(b.Apply))
		rc, pc := servertest.Dial(t, r.Addr), servertest.Dial(t, s.Addr)
		if strings.Contains(pc.Do("INFO", "persistence"), "aof_enabled:1") {
			rc = servertest.Dial(t, servertest.StartRedis(t, "--appendonly", "yes").Addr) // AOF fields
		}
		for _, c := range []*servertest.Conn{rc, pc} {
			c.Do("SET", "k", "v") // a Keyspace line, an errorstat
			c.Do("NOSUCHCOMMAND")
		}
		for _, sec := range []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"} {
			want, got := infoNames(rc.Do("INFO", sec)), infoNames(pc.Do("INFO", sec))
			got = slices.DeleteFunc(got, func(f string) bool {
				return f == "go_version" || strings.HasPrefix(f, "acl_access_denied_") || strings.HasPrefix(f, "ack_not_durable_")
			})
			if !slices.Equal(got, want) {
				t.Errorf("INFO %s fields:\n redpool %q\n   redis %q", sec, got, want)
			}
		}
		for _, args := range [][]string{{}, {"all"}, {"everything"}, {"default"}, {"server", "CLIENTS"}, {"commandstats"}, {"nosuch"}} {
			want, got := infoHeads(rc.Do(append([]string{"INFO"}, args...)...)), infoHeads(pc.Do(append([]string{"INFO"}, args...)...))
			got = slices.DeleteFunc(got, func(h string) bool { return h == "Backend" })
			if !slices.Equal(got, want) {
				t.Errorf("INFO %q sections:\n redpool %q\n   redis %q", args, got, want)
			}
		}
	})
}

// infoNames returns the field names of an INFO reply, in order.
func infoNames(raw string) []string {
	var out []string
	for _, line := range strings.Split(raw, "\r\n")[1:] {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			out = append(out, name)
		}
	}
	return out
}

// infoHeads returns the section names of an INFO reply, in order.
func infoHeads(raw string) []string {
	var out []string
	for _, line := range strings.Split(raw, "\r\n") {
		if h, ok := strings.CutPrefix(line, "# "); ok {
			out = append(out, h)
		}
	}
	return out
}
