package bolt

import (
	"testing"

	"redpool/backend"
	"redpool/backend/backendtest"
)

func TestContract(t *testing.T) {
	backendtest.Run(t, func(t *testing.T, clock backend.Clock, databases int) backend.Backend {
		return openTest(t, Options{Sync: SyncNone, Clock: clock, Databases: databases})
	})
}

func TestContractSyncAlways(t *testing.T) {
	if testing.Short() {
		t.Skip("fsync-heavy")
	}
	backendtest.Run(t, func(t *testing.T, clock backend.Clock, databases int) backend.Backend {
		return openTest(t, Options{Sync: SyncAlways, Clock: clock, Databases: databases})
	})
}

func TestContractSyncBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	backendtest.Run(t, func(t *testing.T, clock backend.Clock, databases int) backend.Backend {
		return openTest(t, Options{Sync: SyncBatch, Clock: clock, Databases: databases})
	})
}
