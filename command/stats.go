package command

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Per-command and per-error statistics (INFO commandstats and errorstats,
// SLOWLOG), recorded by Ctx.Run for every command it runs, including those
// run inside EXEC, as Redis's call() records them.

// statShards spreads one command's counters over several cache lines, so
// that two cores running the same command rarely share one.
const statShards = 4

// cmdStats are one command's counters, owned by the Table that holds the
// command. Safe for concurrent use.
type cmdStats struct {
	shards [statShards]cmdCounters
	hist   atomic.Pointer[latencyHist] // made at the first call tracked
}

type cmdCounters struct {
	calls    atomic.Int64
	usec     atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
	_        [32]byte // pad to a cache line
}

func (s *cmdStats) shard(client *Client) *cmdCounters {
	return &s.shards[uint64(client.ID)%statShards]
}

// totals sums the shards: calls, usec, rejected, failed.
func (s *cmdStats) totals() (calls, usec, rejected, failed int64) {
	for i := range s.shards {
		sh := &s.shards[i]
		calls += sh.calls.Load()
		usec += sh.usec.Load()
		rejected += sh.rejected.Load()
		failed += sh.failed.Load()
	}
	return
}

func (s *cmdStats) reset() {
	if h := s.hist.Load(); h != nil {
		h.reset()
	}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.calls.Store(0)
		sh.usec.Store(0)
		sh.rejected.Store(0)
		sh.failed.Store(0)
	}
}

// changeCount is the engine's count of changes (Redis's server.dirty),
// spread over statShards cache lines as a command's counters are: every
// write's commit adds to it, and two cores adding to one line would pass
// it between them. Safe for concurrent use.
type changeCount struct {
	shards [statShards]struct {
		n atomic.Int64
		_ [56]byte // pad to a cache line
	}
}

// add counts n changes made by client.
func (d *changeCount) add(client *Client, n int64) {
	d.shards[uint64(client.ID)%statShards].n.Add(n)
}

// load returns the changes counted.
func (d *changeCount) load() int64 {
	var n int64
	for i := range d.shards {
		n += d.shards[i].n.Load()
	}
	return n
}

// runStat is what Run needs to record the command it runs: the spec whose
// counters it charges (a container's subcommand once Sub has found it),
// and when it started. Ctx.stats holds one per command running, the
// commands an EXEC or a script runs above theirs: Run neither saves nor
// restores one.
type runStat struct {
	spec  *Spec
	start time.Duration // since the engine's epoch (monotonic clock only)
	// rejected: the call was refused before it ran (a subcommand's arity),
	// and counts only as rejected; skip: nothing to charge (an unknown
	// subcommand, which Redis charges to no command); instant: the call
	// ends when it started (tookNoTime); endsInner: the call ends when
	// the last command it ran did, if the client read and wrote nothing
	// since (endWithInner).
	rejected, skip, instant, endsInner bool
}

// statNow is the measurement of the command running; nil outside Run.
func (c *Ctx) statNow() *runStat {
	if c.depth == 0 {
		return nil
	}
	return &c.stats[c.depth-1]
}

// beginStat starts measuring spec's run, above the measurement of the
// EXEC or script around it, if any.
func (c *Ctx) beginStat(spec *Spec, args [][]byte) {
	start := c.lastEndOrNow(c.ioMark())
	if c.depth == len(c.stats) {
		c.stats = append(c.stats, runStat{}) // once per nesting level
	}
	st := &c.stats[c.depth]
	c.depth++
	st.spec, st.start = spec, start
	st.rejected, st.skip, st.instant, st.endsInner = false, false, false, false
	if start != c.lastEnd {
		c.markActive(start) // else the command that ended then marked it
	}
	if spec.Flags&Script != 0 && c.e.monitors.n.Load() != 0 {
		c.feedMonitors(spec, args) // as Redis: a script's line comes before its commands'
	}
	c.counted = c.errReplies // errors replied before it are not its own
}

// markActive records at (since the engine's epoch) as the client's last
// interaction: a command starting or ending, as Redis's lastinteraction
// is set by reading a command and writing its reply.
func (c *Ctx) markActive(at time.Duration) {
	if sec := int64(at / time.Second); c.Client.active.Load() != sec { // a store costs more than a load
		c.Client.active.Store(sec)
	}
}

// endStat charges the run of args measured since beginStat to its
// command, and goes back to the measurement around it. As in Redis, a
// call counts as failed when it replied with an error that no command it
// ran has counted already, and the time a blocking command spent waiting
// is not counted.
func (c *Ctx) endStat(args [][]byte) {
	c.depth--
	st := &c.stats[c.depth]
	if c.e.monitors.n.Load() != 0 && !st.skip && !st.rejected && st.spec.Flags&Script == 0 {
		c.feedMonitors(st.spec, args) // after it ran; scripts before (beginStat)
	}
	end, io := st.start, c.ioMark()
	switch {
	case st.instant:
	case st.endsInner:
		end = c.lastEndOrNow(io)
	default:
		end = time.Since(c.e.epoch)
	}
	c.lastEnd, c.lastIO = end, io
	c.markActive(end)
	took := end - st.start - c.waited
	c.waited = 0
	if took < 0 {
		took = 0
	}
	if st.skip {
		return
	}
	if st.rejected {
		c.reject(st.spec)
		return
	}
	failed := c.errReplies > c.counted
	if failed {
		c.counted = c.errReplies
	}
	c.charge(st.spec, took, failed)
	// Top-level commands are logged, and the commands EXEC runs (EXEC
	// itself is not); the commands a script runs are not.
	if outer := c.statNow(); st.spec.Flags&SkipSlowlog == 0 && (outer == nil || outer.spec.Flags&SkipSlowlog != 0) {
		c.e.slowlog.observe(c, args, took)
	}
}

// lastEndOrNow is when the last command ended if the client read and
// wrote nothing since (io is c.ioMark() now), else the clock. Reading the
// clock costs as much as a small command here, so a command that follows
// another one with no network read or write in between (the commands of
// one pipelined batch, those EXEC or a script runs) starts when the
// previous one ended, and EXEC ends when its last command did
// (endWithInner).
func (c *Ctx) lastEndOrNow(io int64) time.Duration {
	if c.lastEnd != 0 && c.lastIO == io {
		return c.lastEnd
	}
	return time.Since(c.e.epoch)
}

// tookNoTime says that the command running does nothing that takes
// measurable time (MULTI sets a flag): it ends when it started, with no
// clock read, and is charged 0 µs, as a call under a microsecond is.
func (c *Ctx) tookNoTime() { c.statNow().instant = true }

// endWithInner says that the command running ends, for its statistics,
// when the last command it ran did (EXEC, once its queue ran): its own
// work after that one (closing the AOF unit, the commit, the post-commit
// effects, the queue's reset) goes uncounted, or counted in the next
// command the session runs with no read or write in between, which
// starts when it ended, so one clock read fewer. If the client read or
// wrote since, it reads the clock.
func (c *Ctx) endWithInner() { c.statNow().endsInner = true }

// clockGap says that time passed since the last command ended that is not
// the next command's (queueing in MULTI, a script's own Lua code): the
// next command reads the clock at its start.
func (c *Ctx) clockGap() { c.lastEnd = 0 }

// ioMark changes whenever the client's session reads or writes.
func (c *Ctx) ioMark() int64 {
	return c.Client.traffic.netIn.Load() + c.Client.traffic.netOut.Load()
}

// chargeSub moves the current measurement to sub, the subcommand a
// container command dispatches to (commandstats count "config|get", not
// "config"); nil means an unknown subcommand, charged to nothing. rejected
// says sub refused its arguments before running.
func (c *Ctx) chargeSub(sub *Spec, rejected bool) {
	st := c.statNow()
	if st == nil {
		return
	}
	if sub == nil {
		st.skip = true
		return
	}
	st.spec, st.rejected = sub, rejected
}

// reject counts a call refused before it ran (arity, refused writes).
func (c *Ctx) reject(spec *Spec) { spec.stats.shard(c.Client).rejected.Add(1) }

// charge counts a call of spec that took took: its commandstats, its
// latency histogram (latency-tracking), a latency-monitor sample. In a
// batch (BeginBatch) the counts wait in c and are published together.
func (c *Ctx) charge(spec *Spec, took time.Duration, failed bool) {
	l := c.e.latency
	l.observeSpike(spec.Flags&Fast != 0, took)
	usec := int64(took / time.Microsecond)
	bucket := -1
	if l.tracking.Load() {
		bucket = histSlot(usec * 1000) // Redis records µs as ns
	}
	if !c.batching() {
		spec.stats.add(c.Client, statDelta{calls: 1, usec: usec, failed: boolInt64(failed), bucket: bucket})
		return
	}
	c.pending.add(spec.stats, usec, failed, bucket, c)
}

// batchStats turns the batching of c's command statistics on or off
// (BeginBatch, EndBatch). While it is on, the counters of the commands c
// runs (commandstats, latency histograms, total_commands_processed,
// CLIENT LIST's multi= and cmd=, the writes acknowledged for Durability)
// add up in c, and reach the shared counters,
// where every core's commands count, in one step per command and
// histogram bucket when c publishes them: at PublishStats, when c has no
// room left, when a command reads them (INFO, LATENCY HISTOGRAM, EXEC
// for its own multi=) and when batching ends. The session publishes
// before it writes the replies: no client sees a reply before the
// statistics that count its command.
func (c *Ctx) batchStats(on bool) {
	if c.pending == nil {
		if !on {
			return
		}
		c.pending = new(pendingStats) // a client that never pipelines needs none
	}
	c.pending.publish(c.Client, c.e.durability)
	c.pending.on = on
}

// PublishStats adds the statistics batched in c to the shared counters.
func (c *Ctx) PublishStats() {
	if c.pending != nil {
		c.pending.publish(c.Client, c.e.durability)
	}
}

// noteCmd records spec as the client's last command (CLIENT LIST's
// cmd=). In a batch it is published with the statistics, as other
// clients see a Redis client only between the runs of its event loop;
// otherwise at once.
func (c *Ctx) noteCmd(spec *Spec) {
	if c.batching() {
		c.pending.lastCmd = spec
		return
	}
	if c.Client.lastCmd.Load() != spec { // a store costs more than a load
		c.Client.lastCmd.Store(spec)
	}
}

// batching reports whether c runs a batch (BeginBatch).
func (c *Ctx) batching() bool { return c.pending != nil && c.pending.on }

// statDelta is what a run of calls adds to a command's counters: bucket
// is the histogram bucket of every call (-1: none recorded).
type statDelta struct {
	calls, usec, failed int64
	bucket              int
}

// add adds d to s's counters, in the shard of client.
func (s *cmdStats) add(client *Client, d statDelta) {
	sh := s.shard(client)
	sh.calls.Add(d.calls)
	if d.usec != 0 {
		sh.usec.Add(d.usec)
	}
	if d.failed != 0 {
		sh.failed.Add(d.failed)
	}
	if d.bucket >= 0 {
		h := s.hist.Load()
		if h == nil {
			s.hist.CompareAndSwap(nil, new(latencyHist))
			h = s.hist.Load()
		}
		h.counts[d.bucket].Add(d.calls)
	}
}

// pendingStats are the statistics a Ctx batches while on (batchStats):
// one entry per command and histogram bucket.
type pendingStats struct {
	on       bool
	commands int64 // commands processed
	acked    int64 // writes acknowledged (Durability.Acked)
	lastCmd  *Spec // the client's last command (noteCmd); nil: published
	n        int
	d        [maxPendingStats]pendingStat
}

// maxPendingStats is how many (command, bucket) pairs a Ctx batches
// before it publishes them: a pipeline mostly repeats a few commands.
const maxPendingStats = 8

type pendingStat struct {
	st *cmdStats
	statDelta
}

// add batches a call of st (publishing the batch first if it is full).
func (p *pendingStats) add(st *cmdStats, usec int64, failed bool, bucket int, c *Ctx) {
	for i := range p.n {
		d := &p.d[i]
		if d.st == st && d.bucket == bucket {
			d.calls++
			d.usec += usec
			d.failed += boolInt64(failed)
			return
		}
	}
	if p.n == maxPendingStats {
		p.publish(c.Client, c.e.durability)
	}
	p.d[p.n] = pendingStat{st: st, statDelta: statDelta{calls: 1, usec: usec, failed: boolInt64(failed), bucket: bucket}}
	p.n++
}

// publish adds the batched statistics of client's commands to the
// shared counters, and its acknowledged writes to d (nil: none kept).
func (p *pendingStats) publish(client *Client, d *Durability) {
	if p.commands != 0 {
		client.traffic.commands.Add(p.commands)
		p.commands = 0
	}
	if p.acked != 0 {
		d.Acked(p.acked)
		p.acked = 0
	}
	if p.lastCmd != nil {
		if client.lastCmd.Load() != p.lastCmd {
			client.lastCmd.Store(p.lastCmd)
		}
		p.lastCmd = nil
	}
	client.multi.show()
	for i := range p.n {
		d := &p.d[i]
		d.st.add(client, d.statDelta)
		*d = pendingStat{}
	}
	p.n = 0
}

func boolInt64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// errorStats counts error replies by their code (the first word: "ERR",
// "WRONGTYPE"), for INFO errorstats. Safe for concurrent use.
type errorStats struct {
	mu     sync.Mutex
	counts map[string]int64
	total  atomic.Int64
}

// maxErrorCodes bounds the table as Redis's ERRORSTATS_LIMIT does: past
// it, new codes are not tracked (the total still counts them).
const maxErrorCodes = 128

func (s *errorStats) count(msg string) {
	s.total.Add(1)
	code := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		code = msg[:i]
	}
	s.mu.Lock()
	if _, ok := s.counts[code]; ok || len(s.counts) < maxErrorCodes {
		if s.counts == nil {
			s.counts = make(map[string]int64)
		}
		s.counts[code]++
	}
	s.mu.Unlock()
}

// byCode returns a copy of the counts.
func (s *errorStats) byCode() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.counts))
	for code, n := range s.counts {
		out[code] = n
	}
	return out
}

func (s *errorStats) fields() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	codes := make([]string, 0, len(s.counts))
	for code := range s.counts {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	out := make([][2]string, 0, len(codes))
	for _, code := range codes {
		out = append(out, [2]string{"errorstat_" + code, "count=" + strconv.FormatInt(s.counts[code], 10)})
	}
	return out
}

func (s *errorStats) reset() {
	s.mu.Lock()
	clear(s.counts)
	s.mu.Unlock()
	s.total.Store(0)
}

// eachStat calls fn with the counters of every command (subcommands too)
// called or rejected since the last reset, in name order.
func (t *Table) eachStat(fn func(s *Spec, calls, usec, rejected, failed int64)) {
	t.eachSpec(func(s *Spec) {
		if calls, usec, rejected, failed := s.stats.totals(); calls != 0 || rejected != 0 {
			fn(s, calls, usec, rejected, failed)
		}
	})
}

// eachSpec calls fn for every command and subcommand, in name order: the
// units INFO commandstats, latencystats and LATENCY HISTOGRAM report.
func (t *Table) eachSpec(fn func(s *Spec)) {
	for _, s := range t.specs {
		s.withSubs(fn)
	}
}

// withSubs calls fn for s, then for each of its subcommands.
func (s *Spec) withSubs(fn func(s *Spec)) {
	fn(s)
	for i := range s.Subcommands {
		fn(&s.Subcommands[i])
	}
}

// commandStatFields is INFO commandstats: every command (subcommands as
// "container|sub") called or rejected since the last reset, in name order.
func (t *Table) commandStatFields() [][2]string {
	var out [][2]string
	t.eachStat(func(s *Spec, calls, usec, rejected, failed int64) {
		name := s.FullName()
		perCall := 0.0
		if calls > 0 {
			perCall = float64(usec) / float64(calls)
		}
		out = append(out, [2]string{"cmdstat_" + name, "calls=" + strconv.FormatInt(calls, 10) +
			",usec=" + strconv.FormatInt(usec, 10) +
			",usec_per_call=" + strconv.FormatFloat(perCall, 'f', 2, 64) +
			",rejected_calls=" + strconv.FormatInt(rejected, 10) +
			",failed_calls=" + strconv.FormatInt(failed, 10)})
	})
	return out
}

// resetStats zeroes every command's counters (CONFIG RESETSTAT).
func (t *Table) resetStats() {
	t.eachSpec(func(s *Spec) { s.stats.reset() })
}
