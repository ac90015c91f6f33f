package bench

import (
	"bufio"
	"html/template"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Report is one run of the bench to share as a file: what ran, where, and
// what it measured.
type Report struct {
	Started time.Time
	Elapsed time.Duration
	// Command is the command line that ran, for the record.
	Command string
	// Options are those given to Run (Progress is not used).
	Options Options
	Results []Result
	Machine Machine
}

// Machine describes the computer a run measured. Empty fields could not be
// read.
type Machine struct {
	Hostname    string
	OS          string // GOOS/GOARCH
	Kernel      string // /proc/sys/kernel/osrelease
	CPU         string // the first "model name" of /proc/cpuinfo
	CPUs        int    // runtime.NumCPU
	MemoryBytes int64  // MemTotal of /proc/meminfo
	LoadAverage string // /proc/loadavg's first three fields, when the run began
	GoVersion   string // the bench's Go
}

// DescribeMachine reads the description of this computer.
func DescribeMachine() Machine {
	m := Machine{OS: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	m.Hostname, _ = os.Hostname()
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			m.LoadAverage = strings.Join(f[:3], " ")
		}
	}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.MemoryBytes = kb << 10
	}
	return m
}

// procField returns the value of the first "name: value" line of a /proc
// file, or "".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// htmlReport is what the template renders.
type htmlReport struct {
	Report
	Head       []string
	Rows       []htmlRow
	Charts     []template.HTML
	Workload   [][2]string
	Configs    []htmlConfig
	MemoryText string
}

type htmlRow struct {
	Cells  []string
	Failed bool
	Redis  bool
}

type htmlConfig struct{ Name, File, Text string }

// WriteHTML writes rep as one self-contained HTML page: no script and no
// external asset, the charts inline SVG. It holds the table, a chart per
// measurement, the configuration of every strategy and the machine.
func WriteHTML(w io.Writer, rep Report) error {
	d := htmlReport{Report: rep, MemoryText: fmtBytes(rep.Machine.MemoryBytes)}
	_, rows := tableRows(rep.Results)
	d.Head = rows[0]
	for i, cells := range rows[1:] {
		r := rep.Results[i]
		d.Rows = append(d.Rows, htmlRow{Cells: cells, Failed: r.Failed(), Redis: strings.HasPrefix(r.Server, "redis")})
	}
	for _, p := range chartPanels {
		id := "chart-" + strings.ToLower(strings.ReplaceAll(p.title, " ", "-"))
		d.Charts = append(d.Charts, template.HTML(panelSVG(p, rep.Results, id))) // escaped by writePanel
	}
	d.Workload = workloadRows(rep.Options, rep.Results)
	for _, s := range rep.Options.Strategies {
		c := htmlConfig{Name: s.Name}
		if s.IsRedis() {
			c.File, c.Text = "redis.conf", redisConf(s.Redis, "<run directory>")
		} else {
			c.File = "redpool.toml"
			data, err := encodeConfig(s.runConfig("<run directory>"))
			if err != nil {
				return err
			}
			c.Text = string(data)
		}
		d.Configs = append(d.Configs, c)
	}
	return reportTemplate.Execute(w, d)
}

// workloadRows describes the run's options as name/value rows, with the
// Redis version the results name.
func workloadRows(o Options, results []Result) [][2]string {
	w := o.Workload
	var types []string
	for _, t := range w.Types {
		types = append(types, t.String())
	}
	length := w.Duration.String() + " per strategy"
	if w.Ops > 0 {
		length = fmtCount(w.Ops) + " requests per strategy"
	}
	crash := "skipped"
	if o.CrashDuration > 0 {
		crash = o.CrashDuration.String() + " of writes, then SIGKILL"
	}
	bin := o.Bin
	if bin == "" {
		bin = "(the redpool binary that ran the bench)"
	}
	rows := [][2]string{
		{"clients", strconv.Itoa(w.Clients)},
		{"pipeline", strconv.Itoa(w.Pipeline)},
		{"keys", fmtCount(int64(w.Keys)) + " per family"},
		{"value size", strconv.Itoa(w.ValueSize) + " bytes"},
		{"read ratio", strconv.FormatFloat(w.ReadRatio, 'f', -1, 64)},
		{"types", strings.Join(types, ", ")},
		{"workload", length},
		{"seed", strconv.FormatUint(w.Seed, 10)},
		{"crash test", crash},
		{"redpool binary", bin},
	}
	for _, s := range o.Strategies {
		if s.IsRedis() {
			redis := o.RedisBin
			if redis == "" {
				redis = "redis-server on PATH"
			}
			for _, r := range results {
				if r.Server != "redpool" && r.Server != "" {
					redis += " (" + r.Server + ")"
					break
				}
			}
			return append(rows, [2]string{"redis-server binary", redis})
		}
	}
	return rows
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>redpool bench report</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em; color: #222; max-width: 1400px; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #eee; white-space: nowrap; }
th { background: #f4f4f4; text-align: right; } th:first-child, td:first-child { text-align: left; }
td { text-align: right; font-variant-numeric: tabular-nums; }
tr.redis td:first-child { color: #a33; }
tr.failed td { color: #b00; }
td.error { text-align: left; white-space: normal; }
table.kv th { text-align: left; } table.kv td { text-align: left; }
pre { background: #f7f7f7; padding: 0.8em; font-size: 0.85em; overflow-x: auto; }
.chart { display: block; margin: 1em 0; }
.note { color: #666; font-size: 0.9em; }
</style>
</head>
<body>
<h1>redpool bench: persistence strategies compared</h1>
<p class="note">Run {{.Started.UTC.Format "2006-01-02 15:04:05 UTC"}}, took {{.Elapsed}}{{if .Command}}: <code>{{.Command}}</code>{{end}}</p>

<h2>Results</h2>
<div style="overflow-x: auto">
<table id="results">
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr class="{{if .Redis}}redis{{end}}{{if .Failed}} failed{{end}}">{{range $i, $c := .Cells}}<td>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
<p class="note">Redis rows (red names) ran a real redis-server with the redis.conf below, each beside the redpool strategy that keeps data the same way; in the charts their bars are lighter, in that strategy's colour.
Power-loss exposure is what the server reports in INFO persistence (p99/max window an acknowledged write was not yet durable, and the count of such writes); n/a where the server does not report it.</p>

<h2>Charts</h2>
{{range .Charts}}{{.}}{{end}}

<h2>Workload</h2>
<table class="kv" id="workload">
{{range .Workload}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>

<h2>Machine</h2>
<table class="kv" id="machine">
<tr><th>host</th><td>{{.Machine.Hostname}}</td></tr>
<tr><th>OS</th><td>{{.Machine.OS}} {{.Machine.Kernel}}</td></tr>
<tr><th>CPU</th><td>{{.Machine.CPUs}} × {{.Machine.CPU}}</td></tr>
<tr><th>memory</th><td>{{.MemoryText}}</td></tr>
<tr><th>load average at the start</th><td>{{.Machine.LoadAverage}}</td></tr>
<tr><th>Go</th><td>{{.Machine.GoVersion}}</td></tr>
</table>

<h2>Configuration of each strategy</h2>
{{range .Configs}}<h3>{{.Name}} <span class="note">({{.File}})</span></h3>
<pre>{{.Text}}</pre>
{{end}}
</body>
</html>
`))
