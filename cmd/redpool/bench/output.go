package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// field is one output column: its machine name (JSON key, CSV header), its
// table heading, and how to render a Result's value in each. A field
// without a name is only in the table (and the HTML report), one without a
// heading only in JSON and CSV.
type field struct {
	name  string
	head  string
	raw   func(Result) string // CSV
	human func(Result) string // table
}

// csvFields returns the fields of JSON and CSV, in order.
func csvFields() []field {
	var out []field
	for _, f := range fields {
		if f.name != "" {
			out = append(out, f)
		}
	}
	return out
}

// tableFields returns the columns of the table, in order; the ERROR column
// only if withError.
func tableFields(withError bool) []field {
	var out []field
	for _, f := range fields {
		if f.head != "" && (withError || f.name != "error") {
			out = append(out, f)
		}
	}
	return out
}

// fOptInt renders an optional integer: empty if absent.
func fOptInt(v *int64) string {
	if v == nil {
		return ""
	}
	return fInt(*v)
}

// fmtPowerLoss renders the power-loss exposure: "p99/max, writes", e.g.
// "1.02ms/4.10ms, 3,456", or "n/a" if the server does not report it.
func fmtPowerLoss(r Result) string {
	pl := r.PowerLoss()
	if pl == nil {
		return "n/a"
	}
	return fmtMs(float64(pl.P99Us)/1000) + "/" + fmtMs(float64(pl.MaxUs)/1000) + ", " + fmtCount(pl.Writes)
}

func fInt(v int64) string     { return strconv.FormatInt(v, 10) }
func fFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fields are the columns in output order; those with a name match Result's
// JSON tags.
var fields = []field{
	{"strategy", "STRATEGY", func(r Result) string { return r.Strategy }, func(r Result) string { return r.Strategy }},
	{"server", "", func(r Result) string { return r.Server }, nil},
	{"ops_per_sec", "OPS/S", func(r Result) string { return fFloat(r.OpsPerSec) }, func(r Result) string { return fmtOps(r.OpsPerSec) }},
	{"p50_ms", "P50", func(r Result) string { return fFloat(r.P50Ms) }, func(r Result) string { return fmtMs(r.P50Ms) }},
	{"p99_ms", "P99", func(r Result) string { return fFloat(r.P99Ms) }, func(r Result) string { return fmtMs(r.P99Ms) }},
	{"p999_ms", "P99.9", func(r Result) string { return fFloat(r.P999Ms) }, func(r Result) string { return fmtMs(r.P999Ms) }},
	{"disk_bytes", "DISK", func(r Result) string { return fInt(r.DiskBytes) }, func(r Result) string { return fmtBytes(r.DiskBytes) }},
	{"peak_disk_bytes", "PEAK DISK", func(r Result) string { return fInt(r.PeakDiskBytes) }, func(r Result) string { return fmtBytes(r.PeakDiskBytes) }},
	{"recovery_ms", "RECOVERY", func(r Result) string { return fFloat(r.RecoveryMs) }, func(r Result) string { return fmtMs(r.RecoveryMs) }},
	{"acked_writes", "ACKED", func(r Result) string { return fInt(r.AckedWrites) }, func(r Result) string { return fmtCount(r.AckedWrites) }},
	{"acked_lost", "LOST", func(r Result) string { return fInt(r.AckedLost) }, func(r Result) string { return fmtCount(r.AckedLost) }},
	{"lost_seconds", "LOST SPAN", func(r Result) string { return fFloat(r.LostSeconds) }, func(r Result) string { return fmtSeconds(r.LostSeconds) }},
	{"", "POWER-LOSS EXPOSURE", nil, fmtPowerLoss},
	{"power_loss_p99_us", "", func(r Result) string { return fOptInt(r.PowerLossP99Us) }, nil},
	{"power_loss_max_us", "", func(r Result) string { return fOptInt(r.PowerLossMaxUs) }, nil},
	{"power_loss_writes", "", func(r Result) string { return fOptInt(r.PowerLossWrites) }, nil},
	{"cpu_seconds", "CPU", func(r Result) string { return fFloat(r.CPUSeconds) }, func(r Result) string { return fmtSeconds(r.CPUSeconds) }},
	{"peak_rss_bytes", "PEAK RSS", func(r Result) string { return fInt(r.PeakRSSBytes) }, func(r Result) string { return fmtBytes(r.PeakRSSBytes) }},
	{"error", "ERROR", func(r Result) string { return r.Error }, func(r Result) string { return r.Error }},
}

// WriteJSON writes the results as a JSON array of one object per strategy.
func WriteJSON(w io.Writer, results []Result) error {
	if results == nil {
		results = []Result{}
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// WriteCSV writes the results as CSV with a header row; the columns are
// those of WriteJSON.
func WriteCSV(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	cols := csvFields()
	row := make([]string, len(cols))
	for i, f := range cols {
		row[i] = f.name
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	for _, r := range results {
		for i, f := range cols {
			row[i] = f.raw(r)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes the results as an aligned table in human units: names
// and errors left-aligned, numbers right-aligned. A failed strategy shows
// "-" for its numbers, and the ERROR column appears only if one failed.
func WriteTable(w io.Writer, results []Result) error {
	cols, rows := tableRows(results)
	widths := make([]int, len(cols))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		var line strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 || cols[i].name == "error" {
				line.WriteString(cell + pad)
			} else {
				line.WriteString(pad + cell)
			}
			line.WriteString("  ")
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tableRows returns the table's columns and its rows of cells, the
// headings first. A failed strategy shows "-" for its numbers, and the
// ERROR column appears only if one failed.
func tableRows(results []Result) ([]field, [][]string) {
	failed := false
	for _, r := range results {
		failed = failed || r.Failed()
	}
	cols := tableFields(failed)
	rows := [][]string{make([]string, len(cols))}
	for i, f := range cols {
		rows[0][i] = f.head
	}
	for _, r := range results {
		row := make([]string, len(cols))
		for i, f := range cols {
			if r.Failed() && i > 0 && f.name != "error" {
				row[i] = "-"
			} else {
				row[i] = f.human(r)
			}
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// fmtOps renders a rate: 950, 12.3k, 1.25M.
func fmtOps(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// fmtMs renders milliseconds: 0.052ms, 3.41ms, 27.5ms, 1.32s.
func fmtMs(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0fms", v)
	case v >= 10:
		return fmt.Sprintf("%.1fms", v)
	case v >= 1:
		return fmt.Sprintf("%.2fms", v)
	}
	return fmt.Sprintf("%.3fms", v)
}

// fmtSeconds renders seconds: 0s, 0.04s, 1.23s, 75.1s.
func fmtSeconds(v float64) string {
	switch {
	case v == 0:
		return "0s"
	case v >= 10:
		return fmt.Sprintf("%.1fs", v)
	}
	return fmt.Sprintf("%.2fs", v)
}

// fmtBytes renders a size in binary units: 512B, 1.5KiB, 23.4MiB, 1.02GiB.
func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	v := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= unit
		if v < unit || u == "TiB" {
			if v >= 100 {
				return fmt.Sprintf("%.0f%s", v, u)
			}
			return fmt.Sprintf("%.1f%s", v, u)
		}
	}
	panic("unreachable")
}

// fmtCount renders a count with thousands separators: 1,234,567.
func fmtCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
