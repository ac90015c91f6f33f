package command

import "testing"

// TestLatencyHistRedisFigures checks the histogram against figures a real
// Redis 7.0 printed for the same recorded values (INFO latencystats and
// LATENCY HISTOGRAM): values are microseconds times 1000, as Redis
// records them.
func TestLatencyHistRedisFigures(t *testing.T) {
	for _, c := range []struct {
		usec int64
		want int64 // the highest equivalent value, ns
	}{
		{12, 12031}, {30, 30079}, {69, 69119}, {1384, 1384447}, {5, 5023}, {3, 3007}, {149, 149503},
	} {
		var h latencyHist
		h.record(c.usec * 1000)
		if got := h.percentile(50); got != c.want {
			t.Errorf("%d µs: p50 = %d, want %d", c.usec, got, c.want)
		}
	}
	var h latencyHist
	for _, us := range []int64{3, 4, 5, 12, 30, 60} {
		h.record(us * 1000)
	}
	var got [][2]int64
	h.cdf(func(usec, cum int64) { got = append(got, [2]int64{usec, cum}) })
	want := [][2]int64{{4, 2}, {8, 3}, {16, 4}, {33, 5}, {66, 6}}
	if len(got) != len(want) {
		t.Fatalf("cdf = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cdf = %v, want %v", got, want)
		}
	}
	h.record(5e9) // past the maximum: counted at 1 s
	if p := h.percentile(100); p < 1e9 || p > 1.01e9 {
		t.Errorf("p100 after a 5 s call = %d", p)
	}
}

// TestSparkline renders three samples as Redis's sparklineRender does
// with SPARKLINE_FILL on 4 rows: levels "_o#" per row, '|' below the top
// of a column, a blank margin line, then each label written downwards.
func TestSparkline(t *testing.T) {
	got := string(sparkline(nil, []float64{1, 5, 10}, []string{"2s", "1s", "0s"}, 80, 4))
	want := "  #\n  |\n #|\n_||\n   \n210\nsss\n"
	if got != want {
		t.Errorf("sparkline:\n%q\nwant\n%q", got, want)
	}
	// Equal values: all on the lowest level. Past cols, a second block.
	got = string(sparkline(nil, []float64{3, 3, 3}, []string{"a", "b", "c"}, 2, 2))
	want = "  \n__\n  \nab\n\n \n_\n \nc\n"
	if got != want {
		t.Errorf("sparkline in blocks:\n%q\nwant\n%q", got, want)
	}
}

// TestLatencyEvents checks the monitor's bookkeeping: one sample per
// second (the highest), the newest 160 kept, the all-time high.
func TestLatencyEvents(t *testing.T) {
	l := newLatency()
	l.add("command", 5, 100)
	l.add("command", 9, 100)
	l.add("command", 3, 100)
	l.add("command", 4, 101)
	ev := l.events["command"]
	if len(ev.samples) != 2 || ev.samples[0] != (latencySample{100, 9}) || ev.samples[1] != (latencySample{101, 4}) || ev.max != 9 {
		t.Fatalf("samples %v max %d", ev.samples, ev.max)
	}
	for i := int64(0); i < 200; i++ {
		l.add("command", 1, 200+i)
	}
	if len(ev.samples) != latencyHistoryLen || ev.samples[0].at != 240 || ev.max != 9 {
		t.Fatalf("after 200 more: %d samples from %d, max %d", len(ev.samples), ev.samples[0].at, ev.max)
	}
}
