//go:build race

package server_test

// raceEnabled: the race detector multiplies memory use (its shadow
// memory), so RSS bounds do not hold under it.
const raceEnabled = true
