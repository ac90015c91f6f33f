//go:build race

package session_test

// idleMemRace: the race detector is on; its frames and allocations are
// not a server's (TestIdleClientMemory).
const idleMemRace = true
