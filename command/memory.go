package command

import (
	"runtime"
	"runtime/debug"
	"strconv"

	"redpool/backend"
	"redpool/session/resp"
)

// MEMORY: what the server's memory holds, as far as Go's runtime and the
// backend can tell. USAGE is the backend's figure for one key (see
// backend.Tx.MemoryUsage); the server-wide figures come from
// runtime.MemStats, where Redis reports jemalloc's.

func memoryCommands() []Spec {
	return []Spec{
		{Name: "memory", Arity: -2, Run: memoryCmd, Group: "server", Summary: "A container for memory diagnostics commands.", Since: "4.0.0",
			Subcommands: []Spec{
				{Name: "usage", Arity: -3, Keys: KeySpec{First: 2, Last: 2, Step: 1}, Run: memoryUsage, Summary: "Estimates the memory usage of a key."},
				{Name: "stats", Arity: 2, Run: memoryStats, Summary: "Returns details about memory usage."},
				{Name: "doctor", Arity: 2, Run: memoryDoctor, Summary: "Outputs a memory problems report."},
				{Name: "malloc-stats", Arity: 2, Run: memoryMallocStats, Summary: "Returns the allocator statistics."},
				{Name: "purge", Arity: 2, Run: memoryPurge, Summary: "Asks the allocator to release memory."},
				{Name: "help", Arity: 2, Run: memoryHelp, Summary: "Returns helpful text about the different subcommands."},
			}},
	}
}

func memoryCmd(c *Ctx) error { return c.Sub("MEMORY") }

// defaultUsageSamples is MEMORY USAGE's default SAMPLES, as in Redis.
const defaultUsageSamples = 5

// memoryUsage is MEMORY USAGE key [SAMPLES count]: the key's bytes, or
// nil for a missing key.
func memoryUsage(c *Ctx) error {
	samples := defaultUsageSamples
	for i := 3; i < len(c.Args); i += 2 {
		if !equalFold(c.Args[i], "samples") || i+1 >= len(c.Args) {
			return ErrSyntax
		}
		n, ok := resp.ParseInt(c.Args[i+1])
		if !ok {
			return ErrNotInteger
		}
		if n < 0 {
			return ErrSyntax
		}
		samples = int(min(n, int64(^uint(0)>>1)))
		if n == 0 {
			samples = -1 // all
		}
	}
	return c.InTx(false, c.Args[2:3], func(c *Ctx) error {
		n, ok, err := c.Tx.MemoryUsage(c.Args[2], samples)
		if err != nil {
			return err
		}
		if !ok {
			c.Null()
			return nil
		}
		c.Int(n)
		return nil
	})
}

// memFigures are the server-wide figures MEMORY STATS and DOCTOR report.
type memFigures struct {
	peak, total, startup int64
	keys, dataset        int64
	dbKeys               []int64
	dbExpires            []int64
	active, resident     int64
	rss                  int64
	aofBuffer            int64 // the AOF's bytes not yet written (INFO's aof_buffer_length)
	backlog              int64 // the replication backlog, which the replicas' streams share
	clientsNormal        int64 // the clients' buffers, as maxmemory-clients counts them
	lazyPending          int64 // backend.Stats' LazyFreePending
	lazyFreed            int64 // backend.Stats' LazyFreed
}

func (e *Engine) memFigures() memFigures { return e.memFiguresOf(e.backend.Stats()) }

// memFiguresOf is memFigures with the backend's stats already read.
func (e *Engine) memFiguresOf(st backend.Stats) memFigures {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f := memFigures{
		total:     int64(ms.HeapAlloc),
		startup:   e.startupHeap,
		dataset:   st.UsedBytes,
		dbKeys:    st.Keys,
		dbExpires: st.Expires,
		active:    int64(ms.HeapInuse),
		resident:  int64(ms.HeapSys - ms.HeapReleased),
		rss:       residentBytes(),

		lazyPending: st.LazyFreePending,
		lazyFreed:   st.LazyFreed,

		// Redis 7.0's shared replication buffer: the backlog and the
		// replicas' output are one buffer, reported as the backlog.
		backlog:       e.repl.stream.info().len,
		clientsNormal: e.clientEvict.total.Load(),
	}
	if f.rss == 0 { // no /proc: what Go holds from the OS
		f.rss = int64(ms.Sys - ms.HeapReleased)
	}
	for _, n := range st.Keys {
		f.keys += n
	}
	f.peak = e.memPeak.Load()
	for f.total > f.peak && !e.memPeak.CompareAndSwap(f.peak, f.total) {
		f.peak = e.memPeak.Load()
	}
	f.peak = max(f.peak, f.total)
	return f
}

// memoryStats is MEMORY STATS, with Redis's fields in Redis's order.
func memoryStats(c *Ctx) error {
	f := c.e.memFigures()
	f.aofBuffer = c.e.aofBuffered()
	overhead := f.startup + f.backlog + f.clientsNormal + f.aofBuffer
	type field struct {
		name  string
		n     int64
		ratio float64
		isDbl bool
		db    int
		isDB  bool
	}
	fields := []field{
		{name: "peak.allocated", n: f.peak},
		{name: "total.allocated", n: f.total},
		{name: "startup.allocated", n: f.startup},
		{name: "replication.backlog", n: f.backlog},
		{name: "clients.slaves"},
		{name: "clients.normal", n: f.clientsNormal},
		{name: "cluster.links"},
		{name: "aof.buffer", n: f.aofBuffer},
		{name: "lua.caches"},
		{name: "functions.caches"},
	}
	for db, n := range f.dbKeys {
		if n > 0 {
			fields = append(fields, field{name: "db." + strconv.Itoa(db), db: db, isDB: true})
			overhead += n * dictEntryOverhead
		}
	}
	dataset := max(f.total-overhead, 0)
	perKey := int64(0)
	if f.keys > 0 {
		perKey = (f.total - f.startup) / f.keys
	}
	ratio := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	fields = append(fields,
		field{name: "overhead.total", n: overhead},
		field{name: "keys.count", n: f.keys},
		field{name: "keys.bytes-per-key", n: perKey},
		field{name: "dataset.bytes", n: dataset},
		field{name: "dataset.percentage", ratio: 100 * ratio(dataset, f.total-f.startup), isDbl: true},
		field{name: "peak.percentage", ratio: 100 * ratio(f.total, f.peak), isDbl: true},
		field{name: "allocator.allocated", n: f.total},
		field{name: "allocator.active", n: f.active},
		field{name: "allocator.resident", n: f.resident},
		field{name: "allocator-fragmentation.ratio", ratio: ratio(f.active, f.total), isDbl: true},
		field{name: "allocator-fragmentation.bytes", n: f.active - f.total},
		field{name: "allocator-rss.ratio", ratio: ratio(f.resident, f.active), isDbl: true},
		field{name: "allocator-rss.bytes", n: f.resident - f.active},
		field{name: "rss-overhead.ratio", ratio: ratio(f.rss, f.resident), isDbl: true},
		field{name: "rss-overhead.bytes", n: f.rss - f.resident},
		field{name: "fragmentation", ratio: ratio(f.rss, f.total), isDbl: true},
		field{name: "fragmentation.bytes", n: f.rss - f.total},
	)
	c.Map(len(fields))
	for _, fd := range fields {
		c.BulkString(fd.name)
		switch {
		case fd.isDB:
			var exp int64
			if fd.db < len(f.dbExpires) {
				exp = f.dbExpires[fd.db]
			}
			c.Map(3)
			c.BulkString("overhead.hashtable.main")
			c.Int(f.dbKeys[fd.db] * dictEntryOverhead)
			c.BulkString("overhead.hashtable.expires")
			c.Int(exp * dictEntryOverhead)
			c.BulkString("overhead.hashtable.slot-to-keys")
			c.Int(0)
		case fd.isDbl:
			c.Double(fd.ratio)
		default:
			c.Int(fd.n)
		}
	}
	return nil
}

// dictEntryOverhead is what MEMORY STATS counts as the per-key index
// overhead, as Redis counts a dict entry and its bucket.
const dictEntryOverhead = 32

// memoryDoctor is MEMORY DOCTOR, with Redis's texts.
func memoryDoctor(c *Ctx) error {
	f := c.e.memFigures()
	var text string
	switch {
	case f.total < 5<<20:
		text = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."
	case f.peak > f.total*3/2:
		text = "Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
			" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n" +
			"I'm here to keep you safe, Sam. I want to help you.\n"
	default:
		text = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base."
	}
	c.Verbatim([]byte(text))
	return nil
}

// memoryMallocStats is MEMORY MALLOC-STATS: Go's allocator is not one
// whose statistics Redis can print, so the reply is Redis's for such a
// build.
func memoryMallocStats(c *Ctx) error {
	c.Verbatim([]byte("Stats not supported for the current allocator"))
	return nil
}

// memoryPurge is MEMORY PURGE: a garbage collection that returns the
// freed memory to the operating system.
func memoryPurge(c *Ctx) error {
	debug.FreeOSMemory()
	c.OK()
	return nil
}

func memoryHelp(c *Ctx) error {
	return helpReply(c, "MEMORY", []string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}
