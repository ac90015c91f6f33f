package server_test

import (
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"redpool/cmd/redpool/config"
	"redpool/cmd/redpool/server/servertest"
)

// TestMetricsEndpoint scrapes /metrics on both backends (the AOF with
// fsync always on memory, so that fsyncs are observed; bolt commits on
// bolt), parses it with Prometheus's own text parser and checks the
// redis_exporter names and redpool's own.
func TestMetricsEndpoint(t *testing.T) {
	servertest.EachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.Start(t, servertest.WithConfig(func(c *config.Config) {
			b.Apply(c)
			c.Metrics.Listen = "127.0.0.1:0"
			if c.Backend == config.BackendMemory {
				c.Persistence.Mode = config.ModeAOF
				c.Persistence.AOF.Fsync = config.FsyncAlways
			}
		}))
		c := servertest.Dial(t, s.Addr)
		c.Expect("+OK\r\n", "SET", "a", "1")
		c.Expect("+OK\r\n", "SET", "b", "2", "EX", "100")
		c.Expect("$1\r\n1\r\n", "GET", "a")
		c.Do("GET")
		c.Do("SELECT", "2")
		c.Expect("+OK\r\n", "SET", "c", "3")

		resp, err := http.Get("http://" + s.MetricsAddr().String() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(resp.Body)
		if err != nil {
			t.Fatalf("parse /metrics: %v", err)
		}
		value := func(name string, labels map[string]string) (float64, bool) {
			f := fams[name]
			if f == nil {
				return 0, false
			}
		next:
			for _, m := range f.Metric {
				for _, l := range m.Label {
					if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
						continue next
					}
				}
				switch {
				case m.Gauge != nil:
					return m.Gauge.GetValue(), true
				case m.Counter != nil:
					return m.Counter.GetValue(), true
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount()), true
				}
			}
			return 0, false
		}
		for _, w := range []struct {
			name   string
			labels map[string]string
			want   float64
		}{
			{"redis_up", nil, 1},
			{"redis_connected_clients", nil, 1},
			{"redis_db_keys", map[string]string{"db": "db0"}, 2},
			{"redis_db_keys", map[string]string{"db": "db2"}, 1},
			{"redis_db_keys_expiring", map[string]string{"db": "db0"}, 1},
			{"redis_commands_total", map[string]string{"cmd": "set"}, 3},
			{"redis_commands_total", map[string]string{"cmd": "get"}, 1},
			{"redis_commands_rejected_calls_total", map[string]string{"cmd": "get"}, 1},
			{"redis_errors_total", map[string]string{"err": "ERR"}, 1},
			{"redpool_pool_running", nil, 1},
			{"redpool_pool_capacity", nil, float64(config.Default().MaxClients)},
		} {
			got, ok := value(w.name, w.labels)
			if !ok || got != w.want {
				t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.want)
			}
		}
		for _, name := range []string{"redis_commands_processed_total", "redis_commands_duration_seconds_total",
			"redis_memory_used_bytes", "redis_uptime_in_seconds", "redis_net_input_bytes_total", "redis_expired_keys_total"} {
			if _, ok := value(name, nil); !ok {
				t.Errorf("%s missing", name)
			}
		}
		if b.Name == "memory" {
			if n, _ := value("redpool_aof_fsync_seconds", nil); n < 3 {
				t.Errorf("redpool_aof_fsync_seconds has %v samples after 3 writes with fsync always", n)
			}
		} else if n, _ := value("redpool_bolt_commit_batch_size", nil); n < 1 {
			t.Errorf("redpool_bolt_commit_batch_size has %v samples after 3 writes", n)
		}
	})
}
