package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/cmd/redpool/server/servertest"
)

// benchReportFormats checks every output format of the results of a run
// whose last row is a Redis row: JSON and CSV carry every field, the
// table and the HTML report show the power-loss column, and the HTML
// report renders in a headless Chromium.
func benchReportFormats(t *testing.T, o Options, res []Result) {
	t.Run("json", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteJSON(&b, res); err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != len(res) {
			t.Fatalf("%v, %d rows", err, len(rows))
		}
		for i, row := range rows {
			if len(row) != len(wantKeys) {
				t.Errorf("row %d: %d fields, want %d", i, len(row), len(wantKeys))
			}
			if row["strategy"] != res[i].Strategy || row["server"] != res[i].Server {
				t.Errorf("row %d: %v", i, row)
			}
		}
		last := rows[len(rows)-1]
		if last["power_loss_p99_us"] != nil || last["power_loss_writes"] != nil {
			t.Errorf("Redis row has a power-loss exposure: %v", last)
		}
	})
	t.Run("csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteCSV(&b, res); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil || len(recs) != len(res)+1 || strings.Join(recs[0], ",") != strings.Join(wantKeys, ",") {
			t.Fatalf("%v: %q", err, recs)
		}
		for i, rec := range recs[1:] {
			if ops, err := strconv.ParseFloat(rec[2], 64); err != nil || ops <= 0 || rec[0] != res[i].Strategy {
				t.Errorf("row %q", rec)
			}
		}
	})
	t.Run("table", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteTable(&b, res); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != len(res)+1 || !strings.Contains(lines[0], "POWER-LOSS EXPOSURE") {
			t.Fatalf("table:\n%s", b.String())
		}
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, res[len(res)-1].Strategy+" ") || !strings.Contains(last, " n/a ") {
			t.Errorf("Redis row %q", last)
		}
	})
	t.Run("html", func(t *testing.T) {
		rep := Report{Started: time.Now(), Elapsed: time.Second, Command: "redpool bench -redis", Options: o, Results: res, Machine: DescribeMachine()}
		var b bytes.Buffer
		if err := WriteHTML(&b, rep); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		// Self-contained: nothing fetched, nothing run.
		for _, banned := range []string{"<script", "<link", "src=", "http://", "https://", "@import", "url("} {
			if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), banned) {
				t.Errorf("the report contains %q", banned)
			}
		}
		for _, want := range []string{"redis-aof-always", "appendfsync always", "POWER-LOSS EXPOSURE", "clients", DescribeMachine().GoVersion} {
			if !strings.Contains(page, want) {
				t.Errorf("the report does not contain %q", want)
			}
		}
		benchChromium(t, page, len(res))
	})
}

// benchChartIDs are the ids of the report's charts.
var benchChartIDs = []string{"chart-throughput", "chart-p99-latency", "chart-disk-use", "chart-recovery-time", "chart-crash-loss", "chart-power-loss-exposure"}

// benchChromium opens page in a headless Chromium: the DOM it built has
// every chart with a non-empty bar for each of n strategies, and the
// screenshot is not blank. Without chromium the test is skipped loudly
// (a failure under REDPOOL_DIFF=1).
func benchChromium(t *testing.T, page string, n int) {
	bin := servertest.LookTool(t, "chromium", "chromium", "THE HTML REPORT IN A BROWSER")
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// One start does both: the DOM on stdout, the screenshot to its file.
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--headless", "--disable-gpu", "--no-sandbox",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1280,2400",
		"--screenshot="+shot, "--dump-dom", "file://"+file)
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, id := range benchChartIDs {
		i := bytes.Index(dom, []byte(`id="`+id+`"`))
		if i < 0 {
			t.Errorf("no chart %s in the DOM", id)
			continue
		}
		chart := dom[i:]
		chart = chart[:bytes.Index(chart, []byte("</svg>"))]
		bars := regexp.MustCompile(`<rect [^>]*width="([1-9][0-9]*)"`).FindAll(chart, -1)
		// Every strategy has a throughput, a latency and a recovery time;
		// disk use, crash loss and power-loss exposure may be 0 or absent.
		if id == "chart-throughput" || id == "chart-p99-latency" || id == "chart-recovery-time" {
			if len(bars) != n {
				t.Errorf("chart %s: %d non-empty bars for %d strategies", id, len(bars), n)
			}
		}
		if !bytes.Contains(chart, []byte("<text")) {
			t.Errorf("chart %s has no text", id)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// The bars are coloured: count pixels that are far from grey.
	coloured := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if max(r, g, b)-min(r, g, b) > 0x4000 {
				coloured++
			}
		}
	}
	if coloured < 2000 {
		t.Errorf("screenshot %dx%d has %d coloured pixels: the charts did not render", bounds.Dx(), bounds.Dy(), coloured)
	}
	t.Logf("screenshot %dx%d, %d coloured pixels (sampled)", bounds.Dx(), bounds.Dy(), coloured)
	if keep := os.Getenv("REDPOOL_BENCH_SCREENSHOT"); keep != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(keep, data, 0o644)
	}
}
