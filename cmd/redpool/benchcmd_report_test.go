package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// -redis adds the Redis counterpart of aof-always beside it, and -html
// writes the report.
func TestBenchRedisHTML(t *testing.T) {
	redis := servertest.LookTool(t, "redis-server", "redis-server", "THE BENCH'S REDIS ROWS")
	bin := buildRedpool(t)
	report := filepath.Join(t.TempDir(), "report.html")
	out := runBench(t, bin, "-redis-bin", redis, "-types", "strings,mixed", "-json", "-html", report)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("-json output does not parse: %v\n%s", err, out)
	}
	var names []string
	for _, row := range rows {
		names = append(names, row["strategy"].(string))
		if row["error"] != "" {
			t.Errorf("%s failed: %s", row["strategy"], row["error"])
		}
	}
	if strings.Join(names, ",") != "memory,aof-always,redis-aof-always" {
		t.Errorf("strategies %v", names)
	}
	if s := rows[2]["server"].(string); !strings.HasPrefix(s, "redis ") {
		t.Errorf("Redis row's server %q", s)
	}
	page, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", `id="chart-throughput"`, ">redis-aof-always<", "redpool bench -bin"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the report does not contain %q", want)
		}
	}
}
