package server_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"redpool/cmd/redpool/server/servertest"
)

// hotpathPid returns the process id the server at addr reports (INFO
// server), for hotpathCPU.
func hotpathPid(b *testing.B, addr string) int {
	b.Helper()
	c := servertest.Dial(b, addr)
	for line := range strings.SplitSeq(c.Do("INFO", "server"), "\r\n") {
		if v, ok := strings.CutPrefix(line, "process_id:"); ok {
			if pid, err := strconv.Atoi(v); err == nil {
				return pid
			}
		}
	}
	b.Fatalf("%s: no process_id in INFO server", addr)
	return 0
}

// hotpathCPU returns the user+system CPU seconds process pid has used so
// far (/proc/PID/stat), or -1 where there is no /proc.
func hotpathCPU(pid int) float64 {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// The fields after the command name, which ends with the last ")":
	// utime and stime are the 12th and 13th, in clock ticks (100 a second
	// on Linux; USER_HZ does not vary).
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (u + st) / 100
}
