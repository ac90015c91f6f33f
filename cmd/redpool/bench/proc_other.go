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

// maxRSS returns 0: the peak RSS comes from sampling only.
func maxRSS(*os.ProcessState) int64 { return 0 }

// killGroup kills p.
func killGroup(p *os.Process) { _ = p.Kill() }
