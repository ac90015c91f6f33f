package memory

import (
	"bytes"
	"maps"

	"redpool/backend"
)

// Aux implements backend.Backend.
func (m *Memory) Aux(name string) ([]byte, error) {
	if m.closed.Load() {
		return nil, backend.ErrClosed
	}
	return bytes.Clone(m.auxView()[name]), nil
}

// SetAux implements backend.Tx. The map is replaced, never modified, and
// the value copied, so that snapshots share both.
func (t *tx) SetAux(name string, val []byte) error {
	if !t.write {
		return backend.ErrReadOnlyTx
	}
	if !t.all {
		return notAll("SetAux")
	}
	m := t.m
	m.auxMu.Lock()
	defer m.auxMu.Unlock()
	next := maps.Clone(m.aux)
	if len(val) == 0 {
		delete(next, name)
	} else {
		if next == nil {
			next = make(map[string][]byte)
		}
		next[name] = bytes.Clone(val)
	}
	m.aux = next
	return nil
}

// auxView returns the auxiliary data as it is now; the map is never
// modified after SetAux installed it.
func (m *Memory) auxView() map[string][]byte {
	m.auxMu.Lock()
	defer m.auxMu.Unlock()
	return m.aux
}

// Aux implements backend.Snapshot.
func (s *snapshot) Aux() map[string][]byte { return s.aux }
