package command

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"redpool/backend"
)

// INFO has every section and field of Redis 7.0, in Redis's order. The
// figures are redpool's own where it has them; what redpool has no such
// thing for (a fork, active defragmentation, cluster links, replication
// buffers while it has no replicas) is reported as Redis reports it when
// idle. See the README's "Operating redpool" for what each memory figure
// is made of.

// infoSections returns the sections, all of them.
func (e *Engine) infoSections() []InfoSection {
	now := e.clock.Now()
	st := e.backend.Stats()
	f := e.memFiguresOf(st)
	persistence := e.infoPersistence()
	f.aofBuffer = e.aofBuffered()
	secs := []InfoSection{
		{Name: "Server", Fields: e.infoServer(now)},
		{Name: "Clients", Fields: e.infoClients(now)},
		{Name: "Memory", Fields: e.infoMemory(f)},
		{Name: "Persistence", Fields: persistence},
		{Name: "Stats", Fields: e.infoStats(now, st.ExpiredKeys, st.ExpireCycle)},
		{Name: "Replication", Fields: e.infoReplication()},
		{Name: "CPU", Fields: cpuFields()},
		{Name: "Modules"},
	}
	if len(st.Extra) > 0 {
		secs = append(secs, InfoSection{Name: "Backend", Fields: st.Extra})
	}
	if e.extraInfo != nil {
		secs = append(secs, e.extraInfo()...)
	}
	var ks [][2]string
	for db, n := range st.Keys {
		if n == 0 {
			continue
		}
		var exp int64
		if db < len(st.Expires) {
			exp = st.Expires[db]
		}
		var ttl int64
		if db < len(st.ExpireCycle.AvgTTL) {
			ttl = st.ExpireCycle.AvgTTL[db]
		}
		ks = append(ks, [2]string{"db" + strconv.Itoa(db), "keys=" + fmtInt(n) + ",expires=" + fmtInt(exp) + ",avg_ttl=" + fmtInt(ttl)})
	}
	return append(secs,
		InfoSection{Name: "Commandstats", Fields: e.table.commandStatFields()},
		InfoSection{Name: "Errorstats", Fields: e.errors.fields()},
		InfoSection{Name: "Latencystats", Fields: e.latencyStatFields()},
		InfoSection{Name: "Cluster", Fields: [][2]string{{"cluster_enabled", boolDigit(e.clusterOn())}}},
		InfoSection{Name: "Keyspace", Fields: ks})
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

// aofBuffered is the persister's AOF bytes not yet written; 0 without one.
func (e *Engine) aofBuffered() int64 {
	if e.persister == nil {
		return 0
	}
	return e.persister.AOFBuffered()
}

// identity is what a server is called for INFO: a run id, random per
// process start as Redis's, and the replication id of a primary without
// history.
type identity struct {
	runID, replID string
}

func newIdentity() identity {
	return identity{runID: randomHex40(), replID: randomHex40()}
}

func randomHex40() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lruClock is Redis's LRU clock: seconds, 24 bits.
func lruClock(now time.Time) int64 { return now.Unix() & (1<<24 - 1) }

func (e *Engine) infoServer(now time.Time) [][2]string {
	up := now.Sub(e.started)
	return [][2]string{
		{"redis_version", RedisVersion},
		{"redis_git_sha1", "00000000"},
		{"redis_git_dirty", "0"},
		{"redis_build_id", "0"},
		{"redis_mode", e.serverMode()},
		{"os", osName()},
		{"arch_bits", strconv.Itoa(strconv.IntSize)},
		{"monotonic_clock", "POSIX clock_gettime"},
		{"multiplexing_api", multiplexingAPI()},
		{"atomicvar_api", "sync-atomic"},
		{"gcc_version", "0.0.0"},
		{"go_version", runtime.Version()},
		{"process_id", fmtInt(int64(pid()))},
		{"process_supervised", "no"},
		{"run_id", e.id.runID},
		{"tcp_port", e.tcpPort()},
		{"server_time_usec", fmtInt(now.UnixMicro())},
		{"uptime_in_seconds", fmtInt(int64(up / time.Second))},
		{"uptime_in_days", fmtInt(int64(up / (24 * time.Hour)))},
		{"hz", e.paramOr("hz", "10")},
		{"configured_hz", e.paramOr("hz", "10")},
		{"lru_clock", fmtInt(lruClock(now))},
		{"executable", executable()},
		{"config_file", e.paramOr("config-file", "")},
		{"io_threads_active", "0"},
	}
}

func (e *Engine) infoClients(now time.Time) [][2]string {
	peakIn, peakOut := e.recentPeaks(now)
	return [][2]string{
		{"connected_clients", fmtInt(int64(e.ConnectedClients()))},
		{"cluster_connections", "0"},
		{"maxclients", e.paramOr("maxclients", "0")},
		{"client_recent_max_input_buffer", fmtInt(peakIn)},
		{"client_recent_max_output_buffer", fmtInt(peakOut)},
		{"blocked_clients", fmtInt(int64(e.blocking.count()))},
		{"tracking_clients", fmtInt(e.tracking.clients.Load())},
		{"clients_in_timeout_table", fmtInt(int64(e.blocking.count()))},
	}
}

func (e *Engine) infoMemory(f memFigures) [][2]string {
	used := e.usedMemory(f.total) // what maxmemory compares (maxmemory.go)
	peak := max(f.peak, used)
	overhead := min(f.startup, used)
	dataset := used - overhead
	pct := func(a, b int64) string {
		if b <= 0 {
			return "0.00%"
		}
		return strconv.FormatFloat(100*float64(a)/float64(b), 'f', 2, 64) + "%"
	}
	ratio := func(a, b int64) string {
		if b <= 0 {
			return "0.00"
		}
		return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64)
	}
	sysMem := totalSystemMemory()
	luaBytes, evalBytes, cached := e.scripts.memory()
	libs, funcs, fnBytes := e.functions.counts()
	maxmem := int64(min(e.mm.limit.Load(), math.MaxInt64))
	return [][2]string{
		{"used_memory", fmtInt(used)},
		{"used_memory_human", humanBytes(used)},
		{"used_memory_rss", fmtInt(f.rss)},
		{"used_memory_rss_human", humanBytes(f.rss)},
		{"used_memory_peak", fmtInt(peak)},
		{"used_memory_peak_human", humanBytes(peak)},
		{"used_memory_peak_perc", pct(used, peak)},
		{"used_memory_overhead", fmtInt(overhead)},
		{"used_memory_startup", fmtInt(f.startup)},
		{"used_memory_dataset", fmtInt(dataset)},
		{"used_memory_dataset_perc", pct(dataset, used-overhead)},
		{"allocator_allocated", fmtInt(f.total)},
		{"allocator_active", fmtInt(f.active)},
		{"allocator_resident", fmtInt(f.resident)},
		{"total_system_memory", fmtInt(sysMem)},
		{"total_system_memory_human", humanBytes(sysMem)},
		{"used_memory_lua", fmtInt(luaBytes)},
		{"used_memory_vm_eval", fmtInt(luaBytes)},
		{"used_memory_lua_human", humanBytes(luaBytes)},
		{"used_memory_scripts_eval", fmtInt(evalBytes)},
		{"number_of_cached_scripts", fmtInt(cached)},
		{"number_of_functions", fmtInt(funcs)},
		{"number_of_libraries", fmtInt(libs)},
		{"used_memory_vm_functions", "0"},
		{"used_memory_vm_total", fmtInt(luaBytes)},
		{"used_memory_vm_total_human", humanBytes(luaBytes)},
		{"used_memory_functions", fmtInt(fnBytes)},
		{"used_memory_scripts", fmtInt(evalBytes + fnBytes)},
		{"used_memory_scripts_human", humanBytes(evalBytes + fnBytes)},
		{"maxmemory", fmtInt(maxmem)},
		{"maxmemory_human", humanBytes(maxmem)},
		{"maxmemory_policy", policyNames[e.mm.policy.Load()]},
		{"allocator_frag_ratio", ratio(f.active, f.total)},
		{"allocator_frag_bytes", fmtInt(f.active - f.total)},
		{"allocator_rss_ratio", ratio(f.resident, f.active)},
		{"allocator_rss_bytes", fmtInt(f.resident - f.active)},
		{"rss_overhead_ratio", ratio(f.rss, f.resident)},
		{"rss_overhead_bytes", fmtInt(f.rss - f.resident)},
		{"mem_fragmentation_ratio", ratio(f.rss, used)},
		{"mem_fragmentation_bytes", fmtInt(f.rss - used)},
		{"mem_not_counted_for_evict", fmtInt(f.aofBuffer)}, // Redis's: the AOF buffer, and replication buffers beyond the backlog (none: they are the backlog)
		{"mem_replication_backlog", fmtInt(f.backlog)},
		{"mem_total_replication_buffers", fmtInt(f.backlog)}, // one buffer: see memFigures
		{"mem_clients_slaves", "0"},
		{"mem_clients_normal", fmtInt(f.clientsNormal)},
		{"mem_cluster_links", "0"},
		{"mem_aof_buffer", fmtInt(f.aofBuffer)},
		{"mem_allocator", "go-" + runtime.Version()},
		{"active_defrag_running", "0"},
		{"lazyfree_pending_objects", fmtInt(f.lazyPending)},
		{"lazyfreed_objects", fmtInt(f.lazyFreed - e.counters.lazyFreed.Load())},
	}
}

// infoPersistence is Redis's Persistence section: the persister's own
// fields where it has them, Redis's values for a server that saved
// nothing otherwise, and the persister's extra fields (aof_current_size,
// ...) after them, as Redis lists them when the AOF is on; then redpool's
// own ack_not_durable_* (durability.go).
func (e *Engine) infoPersistence() [][2]string {
	base := [][2]string{
		{"loading", "0"},
		{"async_loading", "0"},
		{"current_cow_peak", "0"},
		{"current_cow_size", "0"},
		{"current_cow_size_age", "0"},
		{"current_fork_perc", "0.00"},
		{"current_save_keys_processed", "0"},
		{"current_save_keys_total", "0"},
		{"rdb_changes_since_last_save", fmtInt(e.dirty.load())},
		{"rdb_bgsave_in_progress", "0"},
		{"rdb_last_save_time", fmtInt(e.started.Unix())},
		{"rdb_last_bgsave_status", "ok"},
		{"rdb_last_bgsave_time_sec", "-1"},
		{"rdb_current_bgsave_time_sec", "-1"},
		{"rdb_saves", "0"},
		{"rdb_last_cow_size", "0"},
		{"rdb_last_load_keys_expired", "0"},
		{"rdb_last_load_keys_loaded", "0"},
		{"aof_enabled", "0"},
		{"aof_rewrite_in_progress", "0"},
		{"aof_rewrite_scheduled", "0"},
		{"aof_last_rewrite_time_sec", "-1"},
		{"aof_current_rewrite_time_sec", "-1"},
		{"aof_last_bgrewrite_status", "ok"},
		{"aof_rewrites", "0"},
		{"aof_rewrites_consecutive_failures", "0"},
		{"aof_last_write_status", "ok"},
		{"aof_last_cow_size", "0"},
		{"module_fork_in_progress", "0"},
		{"module_fork_last_cow_size", "0"},
	}
	if e.persister != nil {
		base = overlayFields(base, e.persister.Info())
	}
	if e.durability != nil {
		base = append(base, e.durability.Info()...) // redpool's own, last
	}
	return base
}

// overlayFields returns base with the values of over's fields of the same
// name, and over's other fields after them, in over's order.
func overlayFields(base, over [][2]string) [][2]string {
	out := append([][2]string(nil), base...)
	at := make(map[string]int, len(out))
	for i, f := range out {
		at[f[0]] = i
	}
	for _, f := range over {
		if i, ok := at[f[0]]; ok {
			out[i][1] = f[1]
		} else {
			out = append(out, f)
		}
	}
	return out
}

func (e *Engine) infoStats(now time.Time, expired int64, cycle backend.ExpireCycleStats) [][2]string {
	cpuMs, capped := e.counters.sinceReset(cycle)
	exceededTotal, exceededNow := e.mm.exceeded.times(time.Now())
	tf := e.trafficTotals()
	commands, netIn, netOut := tf.commands, tf.netIn, tf.netOut
	rate := e.instant.rates(instantSample{at: now, commands: commands, in: netIn, out: netOut,
		replIn: e.counters.replIn.Load(), replOut: e.counters.replOut.Load()})
	trackedKeys, trackedItems, trackedPrefixes := e.tracking.info()
	channels, patterns, shard := e.pubsub.counts()
	kbps := func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
	return append([][2]string{
		{"total_connections_received", fmtInt(e.conns.Load())},
		{"total_commands_processed", fmtInt(commands)},
		{"instantaneous_ops_per_sec", fmtInt(rate.ops)},
		{"total_net_input_bytes", fmtInt(netIn)},
		{"total_net_output_bytes", fmtInt(netOut)},
		{"total_net_repl_input_bytes", fmtInt(rate.replIn)},
		{"total_net_repl_output_bytes", fmtInt(rate.replOut)},
		{"instantaneous_input_kbps", kbps(rate.inKbps)},
		{"instantaneous_output_kbps", kbps(rate.outKbps)},
		{"instantaneous_input_repl_kbps", kbps(rate.replInKbps)},
		{"instantaneous_output_repl_kbps", kbps(rate.replOutKbps)},
		{"rejected_connections", fmtInt(e.rejected.Load())},
		{"sync_full", fmtInt(e.repl.syncFull.Load())},
		{"sync_partial_ok", fmtInt(e.repl.syncPartialOK.Load())},
		{"sync_partial_err", fmtInt(e.repl.syncPartialErr.Load())},
		{"expired_keys", fmtInt(expired)},
		{"expired_stale_perc", strconv.FormatFloat(cycle.StalePerc*100, 'f', 2, 64)},
		{"expired_time_cap_reached_count", fmtInt(capped)},
		{"expire_cycle_cpu_milliseconds", fmtInt(cpuMs)},
		{"evicted_keys", fmtInt(e.mm.evicted.Load())},
		{"evicted_clients", fmtInt(e.clientEvict.evicted.Load())},
		{"total_eviction_exceeded_time", fmtInt(exceededTotal.Milliseconds())},
		{"current_eviction_exceeded_time", fmtInt(exceededNow.Milliseconds())},
		{"keyspace_hits", fmtInt(tf.hits)},
		{"keyspace_misses", fmtInt(tf.misses)},
		{"pubsub_channels", fmtInt(channels)},
		{"pubsub_patterns", fmtInt(patterns)},
		{"pubsubshard_channels", fmtInt(shard)},
		{"latest_fork_usec", "0"},
		{"total_forks", "0"},
		{"migrate_cached_sockets", fmtInt(e.counters.migrateSockets.Load())},
		{"slave_expires_tracked_keys", "0"},
		{"active_defrag_hits", "0"},
		{"active_defrag_misses", "0"},
		{"active_defrag_key_hits", "0"},
		{"active_defrag_key_misses", "0"},
		{"total_active_defrag_time", "0"},
		{"current_active_defrag_time", "0"},
		{"tracking_total_keys", fmtInt(int64(trackedKeys))},
		{"tracking_total_items", fmtInt(int64(trackedItems))},
		{"tracking_total_prefixes", fmtInt(int64(trackedPrefixes))},
		{"unexpected_error_replies", "0"},
		{"total_error_replies", fmtInt(e.errors.total.Load())},
		{"dump_payload_sanitizations", fmtInt(e.counters.dumpSanitized.Load())},
		{"total_reads_processed", fmtInt(tf.reads)},
		{"total_writes_processed", fmtInt(tf.writes)},
		{"io_threaded_reads_processed", "0"},
		{"io_threaded_writes_processed", "0"},
		{"reply_buffer_shrinks", fmtInt(e.counters.replyShrinks.Load())},
		{"reply_buffer_expands", fmtInt(e.counters.replyExpands.Load())},
	}, e.acl.infoFields()...) // Redis 7.2's, after 7.0's
}

// instantRates is Redis's instantaneous_* figures: rates over the samples
// of the last couple of seconds. Redis samples every 100 ms in its cron;
// redpool samples when asked (INFO, /metrics), at most every 100 ms, and
// keeps the last 16 samples, so the rate is over the time since the
// oldest sample still within 2 s (the last two calls' interval when they
// come further apart). Safe for concurrent use.
type instantRates struct {
	mu      sync.Mutex
	samples [16]instantSample
	n, next int
}

// instantSample is the totals the rates are taken over at one instant.
type instantSample struct {
	at                                 time.Time
	commands, in, out, replIn, replOut int64
}

// instantFigures is the rates at an instant, and the totals they end at.
type instantFigures struct {
	instantSample
	ops                                      int64
	inKbps, outKbps, replInKbps, replOutKbps float64
}

const (
	instantEvery  = 100 * time.Millisecond
	instantWindow = 2 * time.Second
)

func (r *instantRates) rates(cur instantSample) instantFigures {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := cur.at
	f := instantFigures{instantSample: cur}
	var oldest *instantSample
	for i := 0; i < r.n; i++ {
		s := &r.samples[(r.next-1-i+len(r.samples))%len(r.samples)]
		if i > 0 && now.Sub(s.at) > instantWindow {
			break
		}
		oldest = s
	}
	if oldest != nil {
		if d := now.Sub(oldest.at).Seconds(); d > 0 {
			kbps := func(n int64) float64 { return float64(n) / d / 1024 }
			f.ops = int64(float64(cur.commands-oldest.commands)/d + 0.5)
			f.inKbps, f.outKbps = kbps(cur.in-oldest.in), kbps(cur.out-oldest.out)
			f.replInKbps, f.replOutKbps = kbps(cur.replIn-oldest.replIn), kbps(cur.replOut-oldest.replOut)
		}
	}
	if r.n == 0 || now.Sub(r.samples[(r.next-1+len(r.samples))%len(r.samples)].at) >= instantEvery {
		r.samples[r.next] = cur
		r.next = (r.next + 1) % len(r.samples)
		r.n = min(r.n+1, len(r.samples))
	}
	return f
}

// osName is Redis's "os" field: kernel name, release and machine, as
// uname -srm prints them.
func osName() string {
	read := func(name string) string {
		b, _ := os.ReadFile("/proc/sys/kernel/" + name)
		return strings.TrimSpace(string(b))
	}
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	if name := read("ostype"); name != "" {
		return name + " " + read("osrelease") + " " + machine
	}
	return runtime.GOOS + " " + machine
}

// multiplexingAPI is the poller Go's network runtime uses.
func multiplexingAPI() string {
	switch runtime.GOOS {
	case "linux", "android":
		return "epoll"
	case "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	case "windows":
		return "iocp"
	}
	return "poll"
}

// totalSystemMemory is the machine's memory (MemTotal of /proc/meminfo).
func totalSystemMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// residentBytes is the process's resident set size (/proc/self/statm), 0
// where that is not available.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// tcpPort is INFO's tcp_port: port, or tls-port when it serves TLS only
// (port 0), as Redis.
func (e *Engine) tcpPort() string {
	if p := e.paramOr("port", "0"); p != "0" {
		return p
	}
	return e.paramOr("tls-port", "0")
}
