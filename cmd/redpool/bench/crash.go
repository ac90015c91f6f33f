package bench

import (
	"bytes"
	"context"
	"strconv"
	"time"
)

// crashResult is what the crash phase measured.
type crashResult struct {
	acked    int64         // writes the server acknowledged before the kill
	lost     int64         // acknowledged writes missing after the restart
	lostSpan time.Duration // from the earliest lost acknowledgement to the kill
	// suffix reports that on every connection the lost writes all came
	// after the kept ones: the server lost a tail, not random writes.
	suffix bool
	// lastKept and firstLost are when the latest kept and the earliest lost
	// write were acknowledged (zero if none).
	lastKept, firstLost time.Time
}

// crashLoad has clients write unique keys crash:<client>:<seq> = <seq>, each
// connection in order, recording when each write was acknowledged, until the
// server dies.
type crashLoad struct {
	clients  int
	pipeline int
	started  chan struct{}     // closed when the clients start writing
	start    time.Time         // when they started; read after run returns
	acks     [][]time.Duration // per client, per seq: ack time since start, -1 if refused
}

func newCrashLoad(clients, pipeline int) *crashLoad {
	return &crashLoad{clients: clients, pipeline: pipeline, started: make(chan struct{})}
}

// crashKey appends the key of write seq of client c.
func crashKey(dst []byte, c int, seq int64) []byte {
	dst = append(dst, "crash:"...)
	dst = strconv.AppendInt(dst, int64(c), 10)
	dst = append(dst, ':')
	return strconv.AppendInt(dst, seq, 10)
}

// run writes until the connections fail, which they do once the server is
// killed. It returns when every client has stopped, with the first client's
// error: expected after the kill, a real failure before.
func (l *crashLoad) run(ctx context.Context, addr string) error {
	l.acks = make([][]time.Duration, l.clients)
	_, err := runClients(ctx, addr, l.clients, func(i int, c *conn, start time.Time) error {
		if i == 0 {
			l.start = start
			close(l.started)
		}
		acks := make([]time.Duration, 0, 1<<14)
		defer func() { l.acks[i] = acks }()
		var key, val []byte
		for seq := int64(0); ; {
			for j := range int64(l.pipeline) {
				key = crashKey(key[:0], i, seq+j)
				val = strconv.AppendInt(val[:0], seq+j, 10)
				c.queue(cmdSET, key, val)
			}
			_ = c.nc.SetDeadline(time.Now().Add(opTimeout))
			if err := c.flush(); err != nil {
				return err
			}
			for range l.pipeline {
				r, err := c.readReply()
				if err != nil {
					return err
				}
				if r.kind != '+' {
					// Not acknowledged; later writes still count.
					acks = append(acks, -1)
				} else {
					acks = append(acks, time.Since(start))
				}
				seq++
			}
		}
	})
	return err
}

// verify reads back every acknowledged write from addr, pipelined, and
// reports the loss relative to killedAt (since the start of the load).
func (l *crashLoad) verify(ctx context.Context, addr string, killedAt time.Duration) (crashResult, error) {
	c, err := dial(addr, 5*time.Second)
	if err != nil {
		return crashResult{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()

	res := crashResult{suffix: true}
	earliest, latest := time.Duration(-1), time.Duration(-1)
	const batch = 1000
	var key, want []byte
	for i, acks := range l.acks {
		sawLost := false
		for from := 0; from < len(acks); from += batch {
			to := min(from+batch, len(acks))
			for seq := from; seq < to; seq++ {
				key = crashKey(key[:0], i, int64(seq))
				c.queue(cmdGET, key)
			}
			_ = c.nc.SetDeadline(time.Now().Add(opTimeout))
			if err := c.flush(); err != nil {
				return crashResult{}, err
			}
			for seq := from; seq < to; seq++ {
				r, err := c.readReply()
				if err != nil {
					return crashResult{}, err
				}
				if acks[seq] < 0 {
					continue
				}
				res.acked++
				want = strconv.AppendInt(want[:0], int64(seq), 10)
				if r.kind == '$' && !r.null && bytes.Equal(r.str, want) {
					if sawLost {
						res.suffix = false
					}
					latest = max(latest, acks[seq])
					continue
				}
				sawLost = true
				res.lost++
				if earliest < 0 || acks[seq] < earliest {
					earliest = acks[seq]
				}
			}
		}
	}
	if earliest >= 0 {
		res.lostSpan = max(killedAt-earliest, 0)
		res.firstLost = l.start.Add(earliest)
	}
	if latest >= 0 {
		res.lastKept = l.start.Add(latest)
	}
	return res, nil
}
