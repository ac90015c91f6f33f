//go:build !linux

package bench

import (
	"os"
	"syscall"
)

// sysProcAttr returns nil: children share the bench's process group.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// IsTerminal reports false: progress is printed as plain lines.
func IsTerminal(uintptr) bool { return false }

// killGroup kills p.
func killGroup(p *os.Process) { _ = p.Kill() }
