package pool

import (
	"errors"
	"fmt"
	"log/slog"
)

// ReservedFDs is how many file descriptors the server keeps for itself
// beyond one per client: listeners, the AOF, the bolt file, snapshots, the
// lock file and logs. It is Redis's CONFIG_MIN_RESERVED_FDS.
const ReservedFDs = 32

// FDLimit is a process's open-file limit (RLIMIT_NOFILE). ProcessFDLimit is
// the real one; tests inject others. It must be safe for concurrent use.
type FDLimit interface {
	// Get returns the soft and hard limits. errors.ErrUnsupported means
	// the system has no such limit.
	Get() (soft, hard uint64, err error)
	// Set sets both limits.
	Set(soft, hard uint64) error
}

// fitMaxClients returns how many clients fit under lim, raising its soft
// limit (and, where the process may, its hard limit) as far as want needs,
// as Redis's adjustOpenFilesLimit does: want when want+ReservedFDs
// descriptors are available, else the limit less ReservedFDs, logged at
// warn. It fails when not even one client fits.
func fitMaxClients(want int, lim FDLimit, logger *slog.Logger) (int, error) {
	need := uint64(want) + ReservedFDs
	soft, hard, err := lim.Get()
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return want, nil
	case err != nil:
		n := min(want, 1024-ReservedFDs)
		logger.Warn(fmt.Sprintf("Unable to obtain the current NOFILE limit (%v), assuming 1024 and setting the max clients configuration accordingly.", err))
		return n, nil
	case soft >= need:
		return want, nil
	}
	// Ask for what is needed; if that is refused, for the hard limit.
	best := need
	setErr := lim.Set(need, max(need, hard))
	if setErr != nil {
		best = soft
		if hard > soft && lim.Set(hard, hard) == nil {
			best = hard
		}
	}
	if best >= need {
		logger.Info(fmt.Sprintf("Increased maximum number of open files to %d (it was originally set to %d).", best, soft))
		return want, nil
	}
	if best <= ReservedFDs {
		return 0, fmt.Errorf("Your current 'ulimit -n' of %d is not enough for the server to start. Please increase your open file limit to at least %d.", soft, need)
	}
	n := int(best - ReservedFDs)
	logger.Warn(fmt.Sprintf("You requested maxclients of %d requiring at least %d max file descriptors.", want, need))
	logger.Warn(fmt.Sprintf("Server can't set maximum open files to %d because of OS error: %v.", need, setErr))
	logger.Warn(fmt.Sprintf("Current maximum open files is %d. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", best, n))
	return n, nil
}
