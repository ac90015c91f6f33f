package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"redpool/command"
)

// metrics serves GET /metrics in Prometheus's text format when
// metrics.listen is set: the figures INFO reports under the names
// redis_exporter gives them (so that dashboards made for Redis work), and
// redpool's own (redpool_*): AOF fsync latency, bolt commit batches and
// latency, the client pool, and how long acknowledged writes stay not
// durable (INFO's ack_not_durable_*). Each server has its own registry. The
// HTTP server's goroutine is owned by the metrics value and stopped by
// shutdown.
type metrics struct {
	reg      *prometheus.Registry
	fsync    prometheus.Histogram
	batch    prometheus.Histogram
	commitIn prometheus.Histogram
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}
}

// newMetrics makes the registry and the histograms the storage layers feed
// (through OnFsync and OnCommit) before the engine exists.
func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		fsync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "redpool_aof_fsync_seconds",
			Help:    "Time each fsync of the append-only file took.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16),
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "redpool_bolt_commit_batch_size",
			Help:    "Write transactions committed together in one bbolt commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		commitIn: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "redpool_bolt_commit_seconds",
			Help:    "Time each bbolt commit took, its fsync included.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16),
		}),
	}
	m.reg.MustRegister(m.fsync, m.batch, m.commitIn)
	return m
}

func (m *metrics) observeFsync(d time.Duration) { m.fsync.Observe(d.Seconds()) }

func (m *metrics) observeCommit(n int, d time.Duration) {
	m.batch.Observe(float64(n))
	m.commitIn.Observe(d.Seconds())
}

// start registers the server's figures and listens on addr.
func (m *metrics) start(addr string, s *Server) error {
	m.reg.MustRegister(
		&engineCollector{eng: s.engine},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redpool_pool_capacity", Help: "Client pool size (max_clients)."},
			func() float64 { return float64(s.pool.MaxClients()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redpool_pool_running", Help: "Clients connected now, parked or not."},
			func() float64 { return float64(s.pool.Running()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redpool_pool_parked", Help: "Clients whose idle sessions are parked now (no goroutine)."},
			func() float64 { return float64(s.pool.Parked()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redpool_ack_not_durable_p99_seconds", Help: "99th percentile of how long acknowledged writes stayed not durable (INFO ack_not_durable_p99_us)."},
			func() float64 { return s.durability.Figures().P99.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redpool_ack_not_durable_max_seconds", Help: "Longest an acknowledged write stayed (or has been) not durable (INFO ack_not_durable_max_us)."},
			func() float64 { return s.durability.Figures().Max.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redpool_ack_not_durable_writes", Help: "Writes acknowledged while not durable (INFO ack_not_durable_writes)."},
			func() float64 { return float64(s.durability.Figures().Writes) }),
	)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	m.ln, m.done = ln, make(chan struct{})
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("metrics endpoint stopped", "err", err)
		}
	}()
	return nil
}

// addr is where /metrics is served, or nil when it is not.
func (m *metrics) addr() net.Addr {
	if m == nil || m.ln == nil {
		return nil
	}
	return m.ln.Addr()
}

// shutdown stops the endpoint and waits for its goroutine.
func (m *metrics) shutdown(ctx context.Context) error {
	if m == nil || m.srv == nil {
		return nil
	}
	err := m.srv.Shutdown(ctx)
	<-m.done
	return err
}

// engineCollector turns Engine.Metrics into redis_exporter's metrics at
// each scrape.
type engineCollector struct{ eng *command.Engine }

var (
	descUp          = prometheus.NewDesc("redis_up", "Whether the server answers (always 1 here).", nil, nil)
	descUptime      = prometheus.NewDesc("redis_uptime_in_seconds", "Seconds since the server started.", nil, nil)
	descStart       = prometheus.NewDesc("redis_start_time_seconds", "Unix time the server started.", nil, nil)
	descClients     = prometheus.NewDesc("redis_connected_clients", "Connected clients.", nil, nil)
	descBlocked     = prometheus.NewDesc("redis_blocked_clients", "Clients waiting in a blocking command.", nil, nil)
	descConns       = prometheus.NewDesc("redis_connections_received_total", "Connections accepted.", nil, nil)
	descRejected    = prometheus.NewDesc("redis_rejected_connections_total", "Connections refused at max clients.", nil, nil)
	descProcessed   = prometheus.NewDesc("redis_commands_processed_total", "Commands processed.", nil, nil)
	descNetIn       = prometheus.NewDesc("redis_net_input_bytes_total", "Bytes read from clients.", nil, nil)
	descNetOut      = prometheus.NewDesc("redis_net_output_bytes_total", "Bytes written to clients.", nil, nil)
	descExpired     = prometheus.NewDesc("redis_expired_keys_total", "Keys removed because they expired.", nil, nil)
	descEvicted     = prometheus.NewDesc("redis_evicted_keys_total", "Keys evicted for maxmemory.", nil, nil)
	descErrors      = prometheus.NewDesc("redis_errors_total", "Error replies, by code.", []string{"err"}, nil)
	descMemUsed     = prometheus.NewDesc("redis_memory_used_bytes", "Memory used, as INFO's used_memory.", nil, nil)
	descDataset     = prometheus.NewDesc("redis_memory_used_dataset_bytes", "Bytes the backend accounts to data.", nil, nil)
	descDBKeys      = prometheus.NewDesc("redis_db_keys", "Keys per database.", []string{"db"}, nil)
	descDBExpiring  = prometheus.NewDesc("redis_db_keys_expiring", "Keys with an expiry per database.", []string{"db"}, nil)
	descCmdCalls    = prometheus.NewDesc("redis_commands_total", "Calls per command.", []string{"cmd"}, nil)
	descCmdSeconds  = prometheus.NewDesc("redis_commands_duration_seconds_total", "Time spent per command.", []string{"cmd"}, nil)
	descCmdRejected = prometheus.NewDesc("redis_commands_rejected_calls_total", "Calls refused before running, per command.", []string{"cmd"}, nil)
	descCmdFailed   = prometheus.NewDesc("redis_commands_failed_calls_total", "Calls that replied an error, per command.", []string{"cmd"}, nil)
)

// Describe sends nothing: the collector is unchecked, as its label sets
// (commands, databases) change between scrapes.
func (c *engineCollector) Describe(chan<- *prometheus.Desc) {}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.eng.Metrics()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descUp, 1)
	gauge(descUptime, m.Uptime.Seconds())
	gauge(descStart, float64(m.Started.Unix()))
	gauge(descClients, float64(m.ConnectedClients))
	gauge(descBlocked, float64(m.BlockedClients))
	counter(descConns, float64(m.Connections))
	counter(descRejected, float64(m.Rejected))
	counter(descProcessed, float64(m.CommandsTotal))
	counter(descNetIn, float64(m.NetInput))
	counter(descNetOut, float64(m.NetOutput))
	counter(descExpired, float64(m.ExpiredKeys))
	counter(descEvicted, float64(m.EvictedKeys))
	for code, n := range m.Errors {
		counter(descErrors, float64(n), code)
	}
	gauge(descMemUsed, float64(m.UsedMemory))
	gauge(descDataset, float64(m.DatasetBytes))
	for db, n := range m.Keys {
		if n == 0 {
			continue
		}
		name := "db" + strconv.Itoa(db)
		gauge(descDBKeys, float64(n), name)
		if db < len(m.Expires) {
			gauge(descDBExpiring, float64(m.Expires[db]), name)
		}
	}
	for _, cm := range m.Commands {
		counter(descCmdCalls, float64(cm.Calls), cm.Name)
		counter(descCmdSeconds, cm.Duration.Seconds(), cm.Name)
		counter(descCmdRejected, float64(cm.Rejected), cm.Name)
		counter(descCmdFailed, float64(cm.Failed), cm.Name)
	}
}
