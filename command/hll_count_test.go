package command

import "testing"

// TestHLLCountReadOnlyScript: PFCOUNT inside EVAL_RO runs in a read-only
// transaction; the count is computed, the cache stays invalid, and the
// dense and sparse paths both reply.
func TestHLLCountReadOnlyScript(t *testing.T) {
	_, c := newMemoryCtx(t)
	execAll(c, "PFADD s a b c", "PFADD d a b c", "PFDEBUG TODENSE d")
	script := "return redis.call('pfcount', KEYS[1])"
	for _, key := range []string{"s", "d"} {
		before := execAll(c, "GET "+key)
		c.e.Exec(c, benchArgs("EVAL_RO", script, "1", key))
		if got := string(c.Out()); got != ":3\r\n" {
			t.Errorf("EVAL_RO PFCOUNT %s = %q, want :3", key, got)
		}
		c.Reset()
		if after := execAll(c, "GET "+key); after != before {
			t.Errorf("%s changed under EVAL_RO: %q -> %q", key, before, after)
		}
		if got := execAll(c, "PFCOUNT "+key); got != ":3\r\n" {
			t.Errorf("PFCOUNT %s = %q, want :3", key, got)
		}
		if after := execAll(c, "GET "+key); after == before {
			t.Errorf("%s: PFCOUNT did not cache the cardinality", key)
		}
	}
}
