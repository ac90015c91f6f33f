//go:build !race

package session_test

// idleMemRace: the race detector is on (TestIdleClientMemory).
const idleMemRace = false
