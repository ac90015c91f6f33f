package bench

import (
	"reflect"
	"testing"
)

// A fake INFO persistence text from a server that tracks the windows
// (the field names the server side exposes), one that does not (Redis,
// an older redpool), and broken variants.
func TestParsePowerLoss(t *testing.T) {
	const tracked = "# Persistence\r\nloading:0\r\naof_enabled:1\r\n" +
		"ack_not_durable_p99_us:1020\r\nack_not_durable_max_us:4100\r\nack_not_durable_writes:3456\r\n" +
		"aof_last_write_status:ok\r\n"
	tests := []struct {
		name string
		info string
		want *PowerLoss
	}{
		{"tracked", tracked, &PowerLoss{P99Us: 1020, MaxUs: 4100, Writes: 3456}},
		{"LF only", "ack_not_durable_writes:0\nack_not_durable_max_us:0\nack_not_durable_p99_us:0\n", &PowerLoss{}},
		{"redis", "# Persistence\r\nloading:0\r\naof_enabled:1\r\naof_last_write_status:ok\r\n", nil},
		{"empty", "", nil},
		{"partial", "ack_not_durable_p99_us:1\r\nack_not_durable_max_us:2\r\n", nil},
		{"not an integer", "ack_not_durable_p99_us:1.5\r\nack_not_durable_max_us:2\r\nack_not_durable_writes:3\r\n", nil},
	}
	for _, tt := range tests {
		if got := ParsePowerLoss(tt.info); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// A Result carries the exposure into every output format, and "n/a"
// where the server does not report it.
func TestResultPowerLoss(t *testing.T) {
	var r Result
	if r.PowerLoss() != nil || fmtPowerLoss(r) != "n/a" {
		t.Errorf("unset: %+v, %q", r.PowerLoss(), fmtPowerLoss(r))
	}
	r.setPowerLoss(&PowerLoss{P99Us: 250, MaxUs: 1500000, Writes: 1234567})
	if got, want := fmtPowerLoss(r), "0.250ms/1.50s, 1,234,567"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if *r.PowerLossP99Us != 250 || *r.PowerLossMaxUs != 1500000 || *r.PowerLossWrites != 1234567 {
		t.Errorf("fields %+v", r)
	}
	r.setPowerLoss(nil)
	if r.PowerLoss() != nil {
		t.Error("not cleared")
	}
}
