package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// buildRedpool builds the redpool binary for the bench to start.
func buildRedpool(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "redpool")
	out, err := exec.Command("go", "build", "-o", bin, "redpool/cmd/redpool").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// benchColumns are the documented fields of -json and the columns of -csv.
var benchColumns = []string{
	"strategy", "server", "ops_per_sec", "p50_ms", "p99_ms", "p999_ms", "disk_bytes", "peak_disk_bytes",
	"recovery_ms", "acked_writes", "acked_lost", "lost_seconds",
	"power_loss_p99_us", "power_loss_max_us", "power_loss_writes",
	"cpu_seconds", "peak_rss_bytes", "error",
}

// runBench runs `redpool bench` with a tiny workload and returns stdout.
func runBench(t *testing.T, bin string, extra ...string) string {
	t.Helper()
	args := append([]string{"bench", "-bin", bin, "-tmpdir", t.TempDir(),
		"-strategies", "memory,aof-always", "-duration", "300ms", "-crash-duration", "300ms",
		"-clients", "4", "-pipeline", "4", "-keys", "1000", "-value-size", "16"}, extra...)
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("redpool %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	// stderr is not a terminal here: plain progress lines.
	if !strings.Contains(stderr.String(), "] memory: workload (") {
		t.Errorf("no progress lines:\n%s", stderr.String())
	}
	return stdout.String()
}

func TestBenchJSONCSVChart(t *testing.T) {
	bin := buildRedpool(t)
	chart := filepath.Join(t.TempDir(), "out.svg")
	out := runBench(t, bin, "-json", "-chart", chart)

	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("-json output does not parse: %v\n%s", err, out)
	}
	if len(rows) != 2 {
		t.Fatalf("%d objects", len(rows))
	}
	for _, row := range rows {
		var keys []string
		for k := range row {
			keys = append(keys, k)
		}
		if want := slices.Sorted(slices.Values(benchColumns)); !slices.Equal(slices.Sorted(slices.Values(keys)), want) {
			t.Errorf("fields %v, want %v", keys, benchColumns)
		}
	}
	mem, aof := rows[0], rows[1]
	if mem["strategy"] != "memory" || mem["error"] != "" {
		t.Fatalf("memory: %v", mem)
	}
	if mem["ops_per_sec"].(float64) <= 0 || mem["p99_ms"].(float64) <= 0 {
		t.Errorf("memory: implausible numbers %v", mem)
	}
	if mem["acked_lost"] != mem["acked_writes"] || mem["acked_writes"].(float64) <= 0 {
		t.Errorf("memory must lose every acked write: %v", mem)
	}
	if strings.Contains(aof["error"].(string), "is not available yet") {
		t.Logf("aof-always skipped: %s", aof["error"])
	} else {
		if aof["error"] != "" || aof["ops_per_sec"].(float64) <= 0 {
			t.Errorf("aof-always: %v", aof)
		}
		if aof["acked_lost"].(float64) != 0 || aof["acked_writes"].(float64) <= 0 {
			t.Errorf("aof-always lost acked writes: %v", aof)
		}
	}

	svg, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("-chart is not well-formed: %v", err)
		}
	}
	for _, name := range []string{">memory<", ">aof-always<"} {
		if !bytes.Contains(svg, []byte(name)) {
			t.Errorf("chart does not name %s", name)
		}
	}

	out = runBench(t, bin, "-csv", "-ops", "2000")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("-csv output does not parse: %v\n%s", err, out)
	}
	if len(recs) != 3 || !slices.Equal(recs[0], benchColumns) {
		t.Fatalf("csv: %q", recs)
	}
	if ops, err := strconv.ParseFloat(recs[1][2], 64); err != nil || ops <= 0 || recs[1][0] != "memory" {
		t.Errorf("csv memory row %q", recs[1])
	}

	out = runBench(t, bin, "-strategies", "memory", "-crash-duration", "0")
	if !strings.HasPrefix(out, "STRATEGY ") || !strings.Contains(out, "\nmemory ") {
		t.Errorf("table:\n%s", out)
	}
}

func TestBenchFlagErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.toml")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-strategies", "memory,fast"}, `-strategies: unknown strategy "fast" (valid: memory, aof-always, aof-everysec, aof-no, snapshot, bolt-always, bolt-none)`},
		{[]string{"-json", "-csv"}, "-json and -csv exclude each other"},
		{[]string{"-types", "strings,geo"}, `-types: unknown data type "geo"`},
		{[]string{"-config", missing}, "-config: open " + missing},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-clients", "0"}, "clients 0: want at least 1"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"bench", "-bin", os.Args[0]}, tt.args...), &stdout, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want failure with %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}
