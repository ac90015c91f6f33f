package command

import "sync"

// blocking is the registry of clients waiting in blocking commands.
type blocking struct {
	mu      sync.Mutex
	waiting int
}

func newBlocking() *blocking { return &blocking{} }

func (b *blocking) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waiting
}

func (b *blocking) closeAll() {}

// signal wakes clients blocked on keys of database db.
func (b *blocking) signal(db int, keys [][]byte) {}
