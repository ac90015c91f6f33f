package memory

import (
	"math/rand/v2"
	"runtime"
	"time"

	"redpool/backend"
)

// Active-expiry tuning, as in Redis's activeExpireCycle.
const (
	expireSample    = 20 // keys with a TTL sampled per round
	expireStaleDiv  = 10 // go on while more than 1/10 of a sample expired
	expireRoundsMax = 3  // rounds per lock hold (<= 60 deletions), so one hold stays short
)

func (m *Memory) expireLoop(interval, budget time.Duration) {
	defer close(m.done)
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tk.C:
			if m.activeOff.Load() {
				continue
			}
			if n, hold := m.ExpireCycle(budget); n > 0 && m.log != nil {
				m.log.Debug("active expiry", "expired", n, "max_hold", hold)
			}
		}
	}
}

// ExpireCycle runs one active-expiry pass, as Redis does every 100ms: it
// walks the shards (resuming where the previous pass stopped) and, in each
// shard with keys that have a TTL, samples 20 of them, deletes the expired
// ones, and repeats while more than 10% of a sample had expired. It stops
// when budget (wall time) is used up. Each shard lock is held for at most
// expireRoundsMax rounds at a time. Each key it deletes is reported to
// Options.OnExpire under the shard's lock. It returns how many keys it
// deleted and the longest single lock hold. Concurrent calls are serialized. It is safe
// to call while transactions run; it does nothing after Close.
func (m *Memory) ExpireCycle(budget time.Duration) (expired int, maxHold time.Duration) {
	if m.closed.Load() {
		return 0, 0
	}
	m.expMu.Lock()
	defer m.expMu.Unlock()
	start := time.Now()
	var rs expireRoundStats
	defer func() { m.expStats.Cycle(time.Since(start), rs.capped, rs.sampled, expired) }()
	var y yielder
	n := len(m.shards)
	for i := 0; i < n; i++ {
		idx := m.expNext
		sh := &m.shards[idx]
		var gone func(key string)
		if m.onExpire != nil {
			db := idx / shardsPerDB
			gone = func(key string) { m.onExpire(db, bytesOf(key)) }
		}
		for sh.data.Load().nvol.Load() != 0 {
			now := backend.NowMs(m.clock)
			y.maybe()
			sh.mu.Lock()
			t0 := time.Now()
			rs.ttlSum, rs.ttlSamples = 0, 0
			k, more := sh.data.Load().expireRounds(now, gone, &rs)
			hold := time.Since(t0)
			sh.mu.Unlock()
			m.expStats.TTLRound(idx/shardsPerDB, rs.ttlSum, rs.ttlSamples)
			expired += k
			maxHold = max(maxHold, hold)
			if k > 0 {
				m.expired.Add(int64(k))
			}
			if time.Since(start) >= budget {
				if !more {
					m.expNext = (idx + 1) % n
				}
				rs.capped = more
				return expired, maxHold
			}
			if !more {
				break
			}
		}
		m.expNext = (idx + 1) % n
	}
	return expired, maxHold
}

// expireRoundStats is what a cycle's sampling rounds saw, for INFO's
// expired_stale_perc, expired_time_cap_reached_count and avg_ttl.
type expireRoundStats struct {
	sampled            int
	ttlSum, ttlSamples int64 // time left (ms) of the samples that had not expired
	capped             bool  // the cycle stopped at its budget with work left
}

// sample counts one sampled key that expires at at.
func (rs *expireRoundStats) sample(now, at int64) {
	rs.sampled++
	if at > now {
		rs.ttlSum += at - now
		rs.ttlSamples++
	}
}

// expireRounds runs up to expireRoundsMax sampling rounds on the locked
// shard and reports how many keys it deleted and whether the last round
// found enough expired keys to go on. It calls gone (if not nil) with
// each key it deletes, and counts what it sampled in rs.
func (sd *shardData) expireRounds(now int64, gone func(key string), rs *expireRoundStats) (expired int, more bool) {
	for range expireRoundsMax {
		nv := len(sd.vol)
		if nv == 0 {
			return expired, false
		}
		if nv <= expireSample {
			// Few enough to check them all (from the end: removal swaps
			// the last element down).
			for i := nv - 1; i >= 0; i-- {
				if i < len(sd.vol) {
					e := sd.vol[i]
					rs.sample(now, e.expireAt)
					if e.expireAt <= now {
						sd.remove(e)
						expired++
						if gone != nil {
							gone(e.key)
						}
					}
				}
			}
			return expired, false
		}
		k := 0
		for range expireSample {
			e := sd.vol[rand.IntN(len(sd.vol))]
			rs.sample(now, e.expireAt)
			if e.expireAt <= now {
				sd.remove(e)
				k++
				if gone != nil {
					gone(e.key)
				}
			}
		}
		expired += k
		if k*expireStaleDiv <= expireSample {
			return expired, false
		}
	}
	return expired, true
}

// yieldEvery is how long a background loop (active expiry, Snapshot.Each)
// runs before it yields the processor.
const yieldEvery = 2 * time.Millisecond

// yielder makes a background loop yield every yieldEvery of running, just
// before it takes a lock. The scheduler preempts a goroutine that has run
// for 10ms; yielding first means a short lock hold does not straddle that
// point (which would stall every client waiting for the lock), while the
// loop still gets most of its time slice when the CPUs are busy.
type yielder struct{ last time.Time }

func (y *yielder) maybe() {
	if now := time.Now(); now.Sub(y.last) >= yieldEvery {
		runtime.Gosched()
		y.last = time.Now()
	}
}

// SetActiveExpiry implements backend.ActiveExpiry.
func (m *Memory) SetActiveExpiry(on bool) { m.activeOff.Store(!on) }
