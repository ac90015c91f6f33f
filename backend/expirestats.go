package backend

import (
	"math"
	"sync/atomic"
	"time"
)

// ExpireCycleStats are the active expiry's figures for INFO, as Redis's
// activeExpireCycle keeps them.
type ExpireCycleStats struct {
	// CPU is the time spent in expiry cycles (expire_cycle_cpu_milliseconds).
	CPU time.Duration
	// TimeCapReached counts the cycles that stopped at their time budget
	// with expired keys left (expired_time_cap_reached_count).
	TimeCapReached int64
	// StalePerc is expired_stale_perc as a fraction: a running average
	// (each cycle weighs 5%) of the share of sampled keys that had expired.
	StalePerc float64
	// AvgTTL is, per database, the running estimate of the time to live
	// of keys with an expiry, in ms (each sampling round weighs 2%), 0
	// while none was sampled or the database has no such keys (INFO
	// keyspace's avg_ttl). nil: the backend does not sample.
	AvgTTL []int64
}

// ExpireCycleCounter accumulates ExpireCycleStats for a backend's active
// expiry. Cycle and TTLRound are called by the one goroutine that runs the
// cycles; Stats may be called concurrently with them.
type ExpireCycleCounter struct {
	cpu    atomic.Int64 // ns
	capped atomic.Int64
	stale  atomic.Uint64 // float64 bits
	avgTTL []atomic.Int64
}

// NewExpireCycleCounter returns a counter for dbs databases.
func NewExpireCycleCounter(dbs int) *ExpireCycleCounter {
	return &ExpireCycleCounter{avgTTL: make([]atomic.Int64, dbs)}
}

// Cycle records one cycle: how long it took, whether it stopped at its
// time budget with work left, how many keys it sampled and how many of
// those had expired.
func (c *ExpireCycleCounter) Cycle(took time.Duration, capped bool, sampled, expired int) {
	c.cpu.Add(int64(took))
	if capped {
		c.capped.Add(1)
	}
	cur := 0.0
	if sampled > 0 {
		cur = float64(expired) / float64(sampled)
	}
	old := math.Float64frombits(c.stale.Load())
	c.stale.Store(math.Float64bits(cur*0.05 + old*0.95))
}

// TTLRound folds one sampling round of database db into its avg_ttl:
// ttlSum is the time left (ms) of the samples that had not expired,
// samples their number.
func (c *ExpireCycleCounter) TTLRound(db int, ttlSum, samples int64) {
	if samples == 0 || db < 0 || db >= len(c.avgTTL) {
		return
	}
	avg := ttlSum / samples
	if old := c.avgTTL[db].Load(); old != 0 {
		avg = old/50*49 + avg/50
	}
	c.avgTTL[db].Store(avg)
}

// Stats returns the figures; expires is the backend's keys with an
// expiry per database (a database without any reports avg_ttl 0, as
// Redis resets it).
func (c *ExpireCycleCounter) Stats(expires []int64) ExpireCycleStats {
	st := ExpireCycleStats{
		CPU:            time.Duration(c.cpu.Load()),
		TimeCapReached: c.capped.Load(),
		StalePerc:      math.Float64frombits(c.stale.Load()),
		AvgTTL:         make([]int64, len(c.avgTTL)),
	}
	for db := range c.avgTTL {
		if db < len(expires) && expires[db] == 0 {
			c.avgTTL[db].Store(0)
			continue
		}
		st.AvgTTL[db] = c.avgTTL[db].Load()
	}
	return st
}
