package memory

import (
	"testing"

	"redpool/backend"
)

// TestEntryTypeBits checks that every type fits below the string form's
// bits of entry.tb, and that the form does not change the type.
func TestEntryTypeBits(t *testing.T) {
	for i := range 256 {
		if _, known := backend.Lookup(backend.Type(i)); known && i >= 1<<typeBits {
			t.Fatalf("type %d does not fit in entry.tb's %d type bits", i, typeBits)
		}
	}
	e := &entry{tb: backend.TypeString}
	for _, f := range []backend.StringForm{backend.StringRaw, backend.StringNoInt, backend.StringDerived} {
		e.setForm(f)
		if e.typ() != backend.TypeString || e.form() != f {
			t.Fatalf("setForm(%d): type %d, form %d", f, e.typ(), e.form())
		}
	}
}
