package bolt

import (
	"testing"

	"redpool/backend"
	"redpool/backend/backendtest"
)

func TestContract(t *testing.T) {
	backendtest.Run(t, contractFactory(SyncNone))
}

func TestContractSyncAlways(t *testing.T) {
	if testing.Short() {
		t.Skip("fsync-heavy")
	}
	backendtest.Run(t, contractFactory(SyncAlways))
}

func TestContractSyncBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	backendtest.Run(t, contractFactory(SyncBatch))
}

// contractFactory opens backends for the contract suite with sync.
func contractFactory(sync Sync) backendtest.Factory {
	return func(t *testing.T, c backendtest.Config) (backend.Backend, func()) {
		b := openTest(t, Options{Sync: sync, Clock: c.Clock, Databases: c.Databases, OnExpire: c.OnExpire,
			tuning: tuning{noExpirer: true}})
		return b, func() {
			if err := b.expireAll(); err != nil {
				t.Errorf("active expiry: %v", err)
			}
		}
	}
}
