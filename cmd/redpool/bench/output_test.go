package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// sampleResults are two measured strategies, the second reporting its
// power-loss exposure, and a failed one.
func sampleResults() []Result {
	p99, maxUs, writes := int64(1020), int64(4100), int64(3456)
	return []Result{
		{
			Strategy: "memory", Server: "redpool", OpsPerSec: 152345.6, P50Ms: 0.299, P99Ms: 1.06, P999Ms: 3.18,
			DiskBytes: 0, PeakDiskBytes: 0, RecoveryMs: 3.85, AckedWrites: 125747, AckedLost: 125747,
			LostSeconds: 1.004, CPUSeconds: 0.56, PeakRSSBytes: 22 << 20,
		},
		{
			Strategy: "aof-always", Server: "redpool", OpsPerSec: 950, P50Ms: 41.2, P99Ms: 120.5, P999Ms: 1320,
			DiskBytes: 3 << 20, PeakDiskBytes: 5 << 20, RecoveryMs: 250, AckedWrites: 1800, AckedLost: 0,
			LostSeconds: 0, CPUSeconds: 1.5, PeakRSSBytes: 30 << 20,
			PowerLossP99Us: &p99, PowerLossMaxUs: &maxUs, PowerLossWrites: &writes,
		},
		{Strategy: "bolt-none", Server: "redpool", Error: `cannot start: backend = "bolt" is not available yet; use "memory"`},
	}
}

var wantKeys = []string{
	"strategy", "server", "ops_per_sec", "p50_ms", "p99_ms", "p999_ms", "disk_bytes", "peak_disk_bytes",
	"recovery_ms", "acked_writes", "acked_lost", "lost_seconds",
	"power_loss_p99_us", "power_loss_max_us", "power_loss_writes",
	"cpu_seconds", "peak_rss_bytes", "error",
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	// Exactly the documented fields, in order.
	dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil || len(raw) != 3 {
		t.Fatalf("decode: %v, %d objects", err, len(raw))
	}
	for _, obj := range raw {
		if keys := objectKeys(t, obj); !reflect.DeepEqual(keys, wantKeys) {
			t.Errorf("keys %q\nwant %q", keys, wantKeys)
		}
	}
	var back []Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sampleResults()) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", back, sampleResults())
	}

	b.Reset()
	if err := WriteJSON(&b, nil); err != nil || b.String() != "[]\n" {
		t.Errorf("no results: %q, %v", b.String(), err)
	}
}

// objectKeys returns the keys of a JSON object in order.
func objectKeys(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !reflect.DeepEqual(rows[0], wantKeys) {
		t.Fatalf("rows %q", rows)
	}
	want := []string{"memory", "redpool", "152345.6", "0.299", "1.06", "3.18", "0", "0", "3.85", "125747", "125747", "1.004", "", "", "", "0.56", "23068672", ""}
	if !reflect.DeepEqual(rows[1], want) {
		t.Errorf("row 1 %q\nwant  %q", rows[1], want)
	}
	want = []string{"aof-always", "redpool", "950", "41.2", "120.5", "1320", "3145728", "5242880", "250", "1800", "0", "0", "1020", "4100", "3456", "1.5", "31457280", ""}
	if !reflect.DeepEqual(rows[2], want) {
		t.Errorf("row 2 %q\nwant  %q", rows[2], want)
	}
	if got := rows[3][len(rows[3])-1]; got != sampleResults()[2].Error {
		t.Errorf("error column %q", got)
	}
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	want := `STRATEGY     OPS/S      P50     P99   P99.9    DISK  PEAK DISK  RECOVERY    ACKED     LOST  LOST SPAN   POWER-LOSS EXPOSURE    CPU  PEAK RSS  ERROR
memory      152.3k  0.299ms  1.06ms  3.18ms      0B         0B    3.85ms  125,747  125,747      1.00s                   n/a  0.56s   22.0MiB
aof-always     950   41.2ms   120ms   1.32s  3.0MiB     5.0MiB     250ms    1,800        0         0s  1.02ms/4.10ms, 3,456  1.50s   30.0MiB
bolt-none        -        -       -       -       -          -         -        -        -          -                     -      -         -  cannot start: backend = "bolt" is not available yet; use "memory"
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}

	// Without failures there is no ERROR column.
	b.Reset()
	if err := WriteTable(&b, sampleResults()[:2]); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	if strings.Contains(first, "ERROR") || !strings.HasSuffix(first, "PEAK RSS") {
		t.Errorf("header %q", first)
	}
}

func TestHumanUnits(t *testing.T) {
	tests := []struct{ got, want string }{
		{fmtOps(999.4), "999"}, {fmtOps(12345), "12.3k"}, {fmtOps(2.5e6), "2.50M"},
		{fmtMs(0.0523), "0.052ms"}, {fmtMs(3.414), "3.41ms"}, {fmtMs(27.51), "27.5ms"}, {fmtMs(250.4), "250ms"}, {fmtMs(1320), "1.32s"},
		{fmtSeconds(0), "0s"}, {fmtSeconds(0.041), "0.04s"}, {fmtSeconds(75.12), "75.1s"},
		{fmtBytes(0), "0B"}, {fmtBytes(1023), "1023B"}, {fmtBytes(1536), "1.5KiB"}, {fmtBytes(200 << 20), "200MiB"}, {fmtBytes(3 << 40), "3.0TiB"},
		{fmtCount(0), "0"}, {fmtCount(999), "999"}, {fmtCount(1000), "1,000"}, {fmtCount(1234567), "1,234,567"}, {fmtCount(-12345), "-12,345"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestSVG(t *testing.T) {
	results := sampleResults()
	results[0].Strategy = "a<b&c" // names are escaped
	var b bytes.Buffer
	if err := WriteSVG(&b, results); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	// Well-formed XML whose root is an svg element, and every text in it.
	dec := xml.NewDecoder(strings.NewReader(svg))
	var texts []string
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			texts = append(texts, string(tok))
		}
	}
	if root != "svg" {
		t.Errorf("root element %q", root)
	}
	all := strings.Join(texts, "\n")
	for _, r := range results {
		if n := strings.Count(all, r.Strategy); n < len(chartPanels) {
			t.Errorf("strategy %q appears %d times, want once per panel (%d)", r.Strategy, n, len(chartPanels))
		}
	}
	for _, p := range chartPanels {
		if !strings.Contains(all, p.title) {
			t.Errorf("no panel %q", p.title)
		}
	}
	for _, want := range []string{"152.3k ops/s", "1.06ms", "5.0MiB", "250ms", "125,747 of 125,747 writes", "failed: cannot start"} {
		if !strings.Contains(all, want) {
			t.Errorf("no label %q", want)
		}
	}
	// The largest value of a panel gets the full bar.
	if !strings.Contains(svg, `width="440" height="15" fill="#4e79a7"`) {
		t.Errorf("the fastest strategy's throughput bar is not full length")
	}
}
