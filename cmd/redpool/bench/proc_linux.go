package bench

import (
	"os"
	"syscall"
	"unsafe"
)

// sysProcAttr puts a child server in its own process group, so that a
// Ctrl-C at the terminal reaches only the bench (which then stops its
// children itself), and has the kernel kill it if the bench dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd uintptr) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

// killGroup sends SIGKILL to p's process group (p leads it, see
// sysProcAttr), so that a child it forked dies with it.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}
