package pool

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// TestAcceptRetryPacing: the backoff doubles from 5 ms to 1 s, and a long
// run of errors is logged once per acceptLogEvery.
func TestAcceptRetryPacing(t *testing.T) {
	var n int
	logger := slog.New(countHandler{&n})
	r := acceptRetry{logger: logger}
	now := time.Unix(0, 0)
	var waits []time.Duration
	for range 10 {
		waits = append(waits, r.failed(errors.New("too many open files"), now))
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i, w := range want {
		if waits[i] != w*time.Millisecond {
			t.Fatalf("waits %v, want %v ms", waits, want)
		}
	}
	if n != 1 {
		t.Errorf("%d log lines for 10 errors within %v, want 1", n, acceptLogEvery)
	}
	r.failed(errors.New("too many open files"), now.Add(acceptLogEvery))
	if n != 2 {
		t.Errorf("%d log lines after %v, want 2", n, acceptLogEvery)
	}
	r.succeeded()
	if n != 3 || r.backoff != 0 || r.errors != 0 {
		t.Errorf("after success: %d lines, backoff %v, errors %d", n, r.backoff, r.errors)
	}
	r.succeeded()
	if n != 3 {
		t.Errorf("a success outside a run of errors logged")
	}
}

type countHandler struct{ n *int }

func (h countHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h countHandler) Handle(context.Context, slog.Record) error { *h.n++; return nil }
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h countHandler) WithGroup(string) slog.Handler             { return h }
