package memory

import (
	"math/rand/v2"
	"time"

	"redpool/backend"
)

// Access clocks.
//
// Every entry has Redis's 24-bit lru field (entry.access), kept as Redis
// keeps it: with an LRU policy (any policy but an LFU one) it is the
// access time in seconds modulo 2^24 (LRU_CLOCK, resolution 1000 ms);
// with an LFU policy it is the access time in minutes modulo 2^16 in the
// high 16 bits and a logarithmic access counter in the low 8
// (LFUGetTimeInMinutes, LFULogIncr, LFUDecrAndReturn). A key's clock is
// set when it is created and updated on every lookup that Redis counts as
// an access (tx.lookup; Type, Exists, ExpireAt, MemoryUsage and
// TxOptions.NoTouch transactions do not count, as Redis's
// LOOKUP_NOTOUCH).
//
// Read transactions run concurrently under shared locks, so the field is
// an atomic: a touch loads it and stores only when the value changes
// (with an LRU policy once a second per key at most, so a hot key's cache
// line is not written by every reader). Two readers touching at once may
// lose one LFU increment, which is harmless: the counter is a
// probabilistic estimate anyway.

// Redis's clock constants.
const (
	lruClockMax     = 1<<24 - 1 // LRU_CLOCK_MAX
	lruResolutionMs = 1000      // LRU_CLOCK_RESOLUTION
	lfuInitVal      = backend.LFUInitVal
	clockRefresh    = 100 * time.Millisecond // Redis's hz 10 refresh of server.lruclock
)

// accessConfig is an immutable backend.AccessConfig (Memory.acc).
type accessConfig struct {
	lfu       bool
	logFactor float64
	decayTime int64
}

// defaultAccessConfig is Redis's default: noeviction (an LRU clock),
// lfu-log-factor 10, lfu-decay-time 1.
var defaultAccessConfig = accessConfig{logFactor: 10, decayTime: 1}

// SetAccessConfig implements backend.Evictor.
func (m *Memory) SetAccessConfig(c backend.AccessConfig) {
	m.acc.Store(&accessConfig{lfu: c.LFU, logFactor: float64(c.LogFactor), decayTime: int64(c.DecayTime)})
}

// nowSec is the access clocks' time in Unix seconds. With the system clock
// it is Redis's cached clock, refreshed every 100ms by clockLoop, so that
// a lookup costs no clock reading; with any other clock (tests) it is read
// each time.
func (m *Memory) nowSec() int64 {
	if m.sysClock {
		return m.cachedSec.Load()
	}
	return m.clock.Now().Unix()
}

// clockLoop refreshes cachedSec until Close.
func (m *Memory) clockLoop() {
	defer close(m.clockDone)
	tk := time.NewTicker(clockRefresh)
	defer tk.Stop()
	for {
		select {
		case <-m.stop:
			return
		case now := <-tk.C:
			m.cachedSec.Store(now.Unix())
		}
	}
}

// lruClock is LRU_CLOCK() at now (seconds).
func lruClock(now int64) uint32 { return uint32(now) & lruClockMax }

// lfuMinutes is LFUGetTimeInMinutes() at now (seconds).
func lfuMinutes(now int64) uint32 { return uint32(now/60) & 0xffff }

// newAccess is the clock of a key created at now (Redis's createObject).
func (c *accessConfig) newAccess(now int64) uint32 {
	if c.lfu {
		return lfuMinutes(now)<<8 | lfuInitVal
	}
	return lruClock(now)
}

// touched is a's value after an access at now: updateLFU or LRU_CLOCK().
func (c *accessConfig) touched(a uint32, now int64) uint32 {
	if !c.lfu {
		return lruClock(now)
	}
	n := c.decayed(a, now)
	if n < 255 {
		base := float64(n) - lfuInitVal
		if base < 0 {
			base = 0
		}
		if rand.Float64() < 1.0/(base*c.logFactor+1) { // LFULogIncr
			n++
		}
	}
	return lfuMinutes(now)<<8 | n
}

// decayed is LFUDecrAndReturn: the counter of a, less one per
// lfu-decay-time minutes elapsed since its time.
func (c *accessConfig) decayed(a uint32, now int64) uint32 {
	counter := a & 0xff
	if c.decayTime == 0 {
		return counter
	}
	ldt, cur := (a>>8)&0xffff, lfuMinutes(now)
	elapsed := cur - ldt // LFUTimeElapsed
	if cur < ldt {
		elapsed = 0xffff - ldt + cur
	}
	periods := int64(elapsed) / c.decayTime
	if periods >= int64(counter) {
		return 0
	}
	return counter - uint32(periods)
}

// idleMs is estimateObjectIdleTime: milliseconds since the LRU clock a.
func idleMs(a uint32, now int64) int64 {
	clk := lruClock(now)
	a &= lruClockMax
	if clk >= a {
		return int64(clk-a) * lruResolutionMs
	}
	return int64(clk+(lruClockMax-a)) * lruResolutionMs
}

// touch counts an access of e, found by a lookup of t.
func (t *tx) touch(e *entry) {
	if t.noTouch || e == t.touched {
		return
	}
	t.touched = e // once per transaction: INCR's Get then Set is one access
	c := t.m.acc.Load()
	old := e.access.Load()
	if a := c.touched(old, t.m.nowSec()); a != old {
		e.access.Store(a)
	}
}

// Touch implements backend.Tx.
func (t *tx) Touch(key []byte) (bool, error) {
	_, e, err := t.lookup(t.db, key)
	return e != nil, err
}

// Access implements backend.Tx.
func (t *tx) Access(key []byte) (int64, int, bool, error) {
	_, e, err := t.find(t.db, key)
	if e == nil {
		return 0, 0, false, err
	}
	c, now, a := t.m.acc.Load(), t.m.nowSec(), e.access.Load()
	return idleMs(a, now) / 1000, int(c.decayed(a, now)), true, nil
}

// SetAccess implements backend.Tx, as Redis's objectSetLRUOrLFU with an
// LRU clock resolution of 1000 ms.
func (t *tx) SetAccess(key []byte, idleSeconds int64, freq int) (bool, error) {
	if !t.write {
		return false, backend.ErrReadOnlyTx
	}
	_, e, err := t.find(t.db, key)
	if e == nil {
		return false, err
	}
	c, now := t.m.acc.Load(), t.m.nowSec()
	switch {
	case c.lfu && freq >= 0:
		e.access.Store(lfuMinutes(now)<<8 | uint32(min(freq, 255)))
	case !c.lfu && idleSeconds >= 0:
		abs := int64(lruClock(now)) - idleSeconds
		if abs < 0 {
			abs += lruClockMax
		}
		e.access.Store(uint32(abs) & lruClockMax)
	}
	return true, nil
}
