package command

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MONITOR: every command the server runs, streamed to the clients that
// asked, as Redis's replicationFeedMonitors formats it:
//
//	+1339518083.107412 [0 127.0.0.1:60866] "set" "a b" "x\"y"
//
// A command is fed once it has run (the commands EXEC runs one by one,
// then EXEC; the commands a script runs as from "lua"), not when it is
// queued after MULTI, and never an admin command (CONFIG, DEBUG, ...), as
// in Redis. The lines go through the monitor's output queue (Engine.Push)
// under the replica output-buffer limit: a monitor that does not read is
// disconnected at the limit, and no one waits for it.

// monitors is the set of clients in MONITOR mode. Safe for concurrent use;
// n lets the hot path skip everything when there are none.
type monitors struct {
	n    atomic.Int32
	mu   sync.Mutex
	list []*Client
}

func (m *monitors) add(cl *Client) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.list {
		if x == cl {
			return
		}
	}
	m.list = append(m.list, cl)
	m.n.Store(int32(len(m.list)))
}

func (m *monitors) remove(cl *Client) {
	if !cl.flags.has(flagMonitor) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.list {
		if x == cl {
			m.list = append(m.list[:i], m.list[i+1:]...)
			break
		}
	}
	m.n.Store(int32(len(m.list)))
}

func (m *monitors) snapshot() []*Client {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Client(nil), m.list...)
}

func monitorCommands() []Spec {
	return []Spec{
		{Name: "monitor", Arity: 1, Flags: Admin | NoScript, Run: monitorCmd, Group: "server", Summary: "Listens for all requests received by the server in real-time.", Since: "1.0.0"},
	}
}

// monitorCmd is MONITOR: +OK, then the client receives every command.
func monitorCmd(c *Ctx) error {
	if c.Client.flags.has(flagMonitor) {
		return nil // already monitoring: Redis ignores it
	}
	c.OK()
	c.Client.flags.set(flagMonitor, true)
	c.e.monitors.add(c.Client)
	return nil
}

// feedMonitors sends the command c ran (args, on db) to every monitor.
func (c *Ctx) feedMonitors(spec *Spec, args [][]byte) {
	if spec.Flags&Admin != 0 || (spec.parent != nil && spec.parent.Flags&Admin != 0) || len(args) == 0 {
		return
	}
	addr := c.Client.Addr
	if c.InScript() {
		addr = "lua"
	}
	now := time.Now()
	line := make([]byte, 0, 64)
	line = append(line, '+')
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	us := now.Nanosecond() / 1000
	for d := 100000; d > 1 && us < d; d /= 10 {
		line = append(line, '0')
	}
	line = strconv.AppendInt(line, int64(us), 10)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(c.Client.DB()), 10)
	line = append(line, ' ')
	line = append(line, addr...)
	line = append(line, ']')
	for _, a := range args {
		line = append(line, ' ')
		line = appendRepr(line, a)
	}
	line = append(line, "\r\n"...)
	for _, m := range c.e.monitors.snapshot() {
		c.e.Push(m, line)
	}
}

// appendRepr appends b quoted as Redis's sdscatrepr: \\ \" \n \r \t \a \b
// escaped, other unprintable bytes as \xHH.
func appendRepr(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, ch := range b {
		switch ch {
		case '\\', '"':
			dst = append(dst, '\\', ch)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				dst = append(dst, ch)
			} else {
				dst = append(dst, '\\', 'x', hex[ch>>4], hex[ch&0xf])
			}
		}
	}
	return append(dst, '"')
}
