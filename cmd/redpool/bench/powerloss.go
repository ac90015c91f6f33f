package bench

import (
	"strconv"
	"strings"
)

// PowerLoss is a server's own account of how much acknowledged data a power
// cut could lose: the windows during which a write was acknowledged but not
// yet durable (fsync of the AOF, bbolt commit with sync, snapshot
// completion). A server reports it in INFO persistence; Redis and older
// redpool versions do not.
type PowerLoss struct {
	P99Us  int64 // ack_not_durable_p99_us: p99 window, microseconds
	MaxUs  int64 // ack_not_durable_max_us: the longest window
	Writes int64 // ack_not_durable_writes: writes acknowledged while not durable
}

// INFO persistence fields of PowerLoss.
const (
	infoPowerLossP99    = "ack_not_durable_p99_us"
	infoPowerLossMax    = "ack_not_durable_max_us"
	infoPowerLossWrites = "ack_not_durable_writes"
)

// ParsePowerLoss reads PowerLoss from the text of INFO (any sections): nil
// unless all three fields are there as integers.
func ParsePowerLoss(info string) *PowerLoss {
	var pl PowerLoss
	found := 0
	for line := range strings.SplitSeq(info, "\n") {
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case infoPowerLossP99:
			dst = &pl.P99Us
		case infoPowerLossMax:
			dst = &pl.MaxUs
		case infoPowerLossWrites:
			dst = &pl.Writes
		default:
			continue
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return nil
		}
		*dst = n
		found++
	}
	if found != 3 {
		return nil
	}
	return &pl
}

// setPowerLoss records pl (nil: not reported) in r.
func (r *Result) setPowerLoss(pl *PowerLoss) {
	if pl == nil {
		r.PowerLossP99Us, r.PowerLossMaxUs, r.PowerLossWrites = nil, nil, nil
		return
	}
	r.PowerLossP99Us, r.PowerLossMaxUs, r.PowerLossWrites = &pl.P99Us, &pl.MaxUs, &pl.Writes
}

// PowerLoss returns what r records of the power-loss exposure, or nil.
func (r Result) PowerLoss() *PowerLoss {
	if r.PowerLossP99Us == nil || r.PowerLossMaxUs == nil || r.PowerLossWrites == nil {
		return nil
	}
	return &PowerLoss{P99Us: *r.PowerLossP99Us, MaxUs: *r.PowerLossMaxUs, Writes: *r.PowerLossWrites}
}
