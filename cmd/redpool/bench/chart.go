package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// A chart panel: one horizontal bar per strategy for one measurement.
type panel struct {
	title string
	note  string               // what is better
	value func(Result) float64 // bar length
	back  func(Result) float64 // optional lighter bar behind (a peak), or nil
	label func(Result) string  // text after the bar
}

// chartPanels are the five comparisons of the chart.
var chartPanels = []panel{
	{
		title: "Throughput", note: "ops/s, higher is better",
		value: func(r Result) float64 { return r.OpsPerSec },
		label: func(r Result) string { return fmtOps(r.OpsPerSec) + " ops/s" },
	},
	{
		title: "p99 latency", note: "lower is better",
		value: func(r Result) float64 { return r.P99Ms },
		label: func(r Result) string {
			return fmtMs(r.P99Ms) + "  (p50 " + fmtMs(r.P50Ms) + ", p99.9 " + fmtMs(r.P999Ms) + ")"
		},
	},
	{
		title: "Disk use", note: "at the end; light bar: peak during the run",
		value: func(r Result) float64 { return float64(r.DiskBytes) },
		back:  func(r Result) float64 { return float64(r.PeakDiskBytes) },
		label: func(r Result) string {
			return fmtBytes(r.DiskBytes) + "  (peak " + fmtBytes(r.PeakDiskBytes) + ")"
		},
	},
	{
		title: "Recovery time", note: "restart until every key is back, lower is better",
		value: func(r Result) float64 { return r.RecoveryMs },
		label: func(r Result) string { return fmtMs(r.RecoveryMs) },
	},
	{
		title: "Crash loss", note: "acknowledged writes lost to kill -9: seconds before the kill, lower is better",
		value: func(r Result) float64 { return r.LostSeconds },
		label: func(r Result) string {
			return fmtSeconds(r.LostSeconds) + "  (" + fmtCount(r.AckedLost) + " of " + fmtCount(r.AckedWrites) + " writes)"
		},
	},
	{
		title: "Power-loss exposure", note: "acknowledged but not yet durable, as the server reports it: p99 window; light bar: max",
		value: func(r Result) float64 {
			if pl := r.PowerLoss(); pl != nil {
				return float64(pl.P99Us)
			}
			return 0
		},
		back: func(r Result) float64 {
			if pl := r.PowerLoss(); pl != nil {
				return float64(pl.MaxUs)
			}
			return 0
		},
		label: func(r Result) string {
			pl := r.PowerLoss()
			if pl == nil {
				return "n/a (not reported by this server)"
			}
			return "p99 " + fmtMs(float64(pl.P99Us)/1000) + ", max " + fmtMs(float64(pl.MaxUs)/1000) + "  (" + fmtCount(pl.Writes) + " writes)"
		},
	},
}

// palette colours the strategies, the same in every panel.
var palette = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

// Chart geometry, in pixels.
const (
	chartWidth  = 900
	chartMargin = 20
	nameWidth   = 120 // strategy names, right-aligned before the bars
	barX        = chartMargin + nameWidth + 10
	barMax      = 440 // the longest bar
	rowHeight   = 22
	barHeight   = 15
	titleHeight = 40 // panel title and note
	panelGap    = 18
	headHeight  = 46 // chart title
)

// panelHeight is the height of one panel of n strategies.
func panelHeight(n int) int { return titleHeight + rowHeight*max(n, 1) + panelGap }

// WriteSVG writes an SVG chart comparing the results on throughput, p99
// latency, disk use, recovery time, crash loss and power-loss exposure:
// one bar-chart panel each, one labelled bar per strategy. A failed
// strategy gets its error instead of bars.
func WriteSVG(w io.Writer, results []Result) error {
	panelHeight := panelHeight(len(results))
	height := headHeight + panelHeight*len(chartPanels) + chartMargin
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
<rect width="100%%" height="100%%" fill="#ffffff"/>
<text x="%d" y="%d" font-size="18" font-weight="bold" fill="#222">redpool bench: persistence strategies compared</text>
`, chartWidth, height, chartWidth, height, chartMargin, chartMargin+12)

	y := headHeight
	for _, p := range chartPanels {
		writePanel(&b, p, results, y)
		y += panelHeight
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// panelSVG returns p as an SVG element of its own, for the HTML report,
// with the given id.
func panelSVG(p panel, results []Result, id string) string {
	h := panelHeight(len(results))
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
`, esc(id), chartWidth, h, chartWidth, h)
	writePanel(&b, p, results, 0)
	b.WriteString("</svg>\n")
	return b.String()
}

// writePanel draws one panel whose top is at y.
func writePanel(b *bytes.Buffer, p panel, results []Result, y int) {
	fmt.Fprintf(b, `<g>
<text x="%d" y="%d" font-size="14" font-weight="bold" fill="#222">%s</text>
<text x="%d" y="%d" fill="#666">%s</text>
`, chartMargin, y+16, esc(p.title), chartMargin, y+32, esc(p.note))
	top := y + titleHeight
	scale := 0.0
	for _, r := range results {
		if r.Failed() {
			continue
		}
		scale = max(scale, p.value(r))
		if p.back != nil {
			scale = max(scale, p.back(r))
		}
	}
	// The axis.
	fmt.Fprintf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
		barX, top-3, barX, top+rowHeight*len(results)-3)
	colours, paired := rowColours(results)
	for i, r := range results {
		ry := top + i*rowHeight
		colour := colours[i]
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#222\">%s</text>\n",
			barX-8, ry+barHeight-3, esc(r.Strategy))
		if r.Failed() {
			fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" fill=\"#b00\">failed: %s</text>\n",
				barX+6, ry+barHeight-3, esc(truncate(r.Error, 100)))
			continue
		}
		end := barX
		if p.back != nil {
			bw := barLen(p.back(r), scale)
			fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.3\"/>\n",
				barX, ry, bw, barHeight, colour)
			end = max(end, barX+bw)
		}
		bw := barLen(p.value(r), scale)
		style := ""
		if paired[i] {
			style = fmt.Sprintf(` fill-opacity="0.55" stroke="%s"`, colour)
		}
		fmt.Fprintf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"%s/>\n",
			barX, ry, bw, barHeight, colour, style)
		end = max(end, barX+bw)
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" fill=\"#222\">%s</text>\n",
			end+6, ry+barHeight-3, esc(p.label(r)))
	}
	b.WriteString("</g>\n")
}

// rowColours returns the colour of each result's bars, and which are Redis
// rows right after their redpool counterpart: those share its colour (and
// are drawn lighter, outlined), so that each pair reads as one.
func rowColours(results []Result) ([]string, []bool) {
	colours := make([]string, len(results))
	paired := make([]bool, len(results))
	next := 0
	for i, r := range results {
		if i > 0 && redisCounterpartOf(r.Strategy) == results[i-1].Strategy && strings.HasPrefix(r.Server, "redis") {
			colours[i], paired[i] = colours[i-1], true
			continue
		}
		colours[i] = palette[next%len(palette)]
		next++
	}
	return colours, paired
}

// barLen scales v to a bar length; a non-zero value is at least 1 pixel.
func barLen(v, scale float64) int {
	if v <= 0 || scale <= 0 {
		return 0
	}
	return max(1, int(v/scale*barMax+0.5))
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writing to a bytes.Buffer cannot fail
	return b.String()
}

// truncate shortens s to at most n runes, marking the cut with "...".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}
