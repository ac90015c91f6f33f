package command

import (
	"errors"
	"testing"
)

// pairApplier takes a and b (staged by their Params' Set) together, and
// refuses a pair whose halves differ, as a certificate and its key.
type pairApplier struct {
	a, b    string // staged
	applied string // the pair in effect
	runs    int
}

func (p *pairApplier) Apply() error {
	p.runs++
	if p.a != p.b {
		return errors.New("halves differ")
	}
	p.applied = p.a + "+" + p.b
	return nil
}

// TestParamsApply: CONFIG SET runs a shared Applier once, after every
// value is set; when it fails, every value (other parameters' too) gets
// its old one back, the Applier runs again, and the error names the first
// parameter sharing it.
func TestParamsApply(t *testing.T) {
	p := NewParams()
	ap := &pairApplier{a: "x", b: "x", applied: "x+x"}
	p.Register(Param{Name: "half-a", Get: func() string { return ap.a }, Set: func(v string) error { ap.a = v; return nil }, Apply: ap})
	p.Register(Param{Name: "half-b", Get: func() string { return ap.b }, Set: func(v string) error { ap.b = v; return nil }, Apply: ap})
	set := func(args ...string) error {
		b := make([][]byte, len(args))
		for i, a := range args {
			b[i] = []byte(a)
		}
		return p.Set(b)
	}

	if err := set("half-a", "y", "half-b", "y"); err != nil || ap.runs != 1 || ap.applied != "y+y" {
		t.Fatalf("set both: %v, %d runs, applied %q", err, ap.runs, ap.applied)
	}
	ap.runs = 0
	err := set("hz", "7", "half-b", "z")
	want := "ERR CONFIG SET failed (possibly related to argument 'half-b') - halves differ"
	if err == nil || err.Error() != want {
		t.Fatalf("set one half: %v, want %q", err, want)
	}
	if ap.a != "y" || ap.b != "y" || ap.applied != "y+y" || ap.runs != 2 || p.Lookup("hz").Get() != "10" {
		t.Errorf("after a refused pair: a %q b %q applied %q, %d runs, hz %s",
			ap.a, ap.b, ap.applied, ap.runs, p.Lookup("hz").Get())
	}
	err = set("half-b", "w", "half-a", "v")
	want = "ERR CONFIG SET failed (possibly related to argument 'half-b') - halves differ"
	if err == nil || err.Error() != want {
		t.Fatalf("set a differing pair: %v, want %q", err, want)
	}
	// A Set that refuses its value comes before any Apply.
	ap.runs = 0
	if err := set("half-a", "q", "hz", "bogus"); err == nil || ap.runs != 0 || ap.a != "y" {
		t.Errorf("refused Set: %v, %d runs, a %q", err, ap.runs, ap.a)
	}
}
