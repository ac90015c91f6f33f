package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"redpool/backend"
	"redpool/cmd/redpool/server/servertest"
)

// wire builds expected RESP2 replies for transcript tests:
// wire.Bulk("v") is "$1\r\nv\r\n".
var wire wireReplies

type wireReplies struct{}

const (
	wireOK        = "+OK\r\n"
	wireNull      = "$-1\r\n"
	wireNullArray = "*-1\r\n"
	wireEmpty     = "$0\r\n\r\n"
	wireWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
	wireSyntax    = "-ERR syntax error\r\n"
	wireNotInt    = "-ERR value is not an integer or out of range\r\n"
)

func (wireReplies) Bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

func (wireReplies) Int(n int64) string { return ":" + strconv.FormatInt(n, 10) + "\r\n" }

func (wireReplies) Simple(s string) string { return "+" + s + "\r\n" }

func (wireReplies) Err(msg string) string { return "-" + msg + "\r\n" }

// Array joins already-encoded elements under an array header.
func (wireReplies) Array(elems ...string) string {
	return "*" + strconv.Itoa(len(elems)) + "\r\n" + strings.Join(elems, "")
}

// Bulks is an array of bulk strings.
func (w wireReplies) Bulks(ss ...string) string {
	elems := make([]string, len(ss))
	for i, s := range ss {
		elems[i] = w.Bulk(s)
	}
	return w.Array(elems...)
}

// clockStart is the injected clock's start in transcript tests: a round number of
// seconds, so EXPIRETIME and PEXPIRETIME replies are predictable.
var clockStart = time.UnixMilli(1_700_000_000_000)

// startClocked starts a server on backend b with a manual clock at
// clockStart.
func startClocked(t *testing.T, b servertest.Backend) (*servertest.Conn, *backend.ManualClock) {
	t.Helper()
	clk := backend.NewManualClock(clockStart)
	s := servertest.Start(t, servertest.WithConfig(b.Apply), servertest.WithClock(clk))
	return servertest.Dial(t, s.Addr), clk
}

// atMs returns clockStart plus d as Unix milliseconds, in decimal.
func atMs(d time.Duration) string { return strconv.FormatInt(clockStart.Add(d).UnixMilli(), 10) }

// atSecs returns clockStart plus d as Unix seconds, in decimal.
func atSecs(d time.Duration) string { return strconv.FormatInt(clockStart.Add(d).Unix(), 10) }
