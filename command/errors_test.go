package command

import (
	"errors"
	"io/fs"
	"syscall"
	"testing"
)

// TestMisconfAOF checks the MISCONF text against Redis's
// "Errors writing to the AOF file: %s" with strerror(errno).
func TestMisconfAOF(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "write", Path: "/d/appendonly.aof", Err: syscall.ENOSPC},
			"MISCONF Errors writing to the AOF file: No space left on device"},
		{errors.Join(syscall.EIO), "MISCONF Errors writing to the AOF file: Input/output error"},
		{errors.New("short write\r\nx"), "MISCONF Errors writing to the AOF file: Short write  x"},
	} {
		if got := string(MisconfAOF(tc.err)); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}
