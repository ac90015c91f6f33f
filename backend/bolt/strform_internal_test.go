package bolt

import (
	"testing"

	"redpool/backend"
)

// TestStringFormRecord pins the string record's type byte: a file written
// before the form was kept (type byte 1) reads as StringDerived, each form
// survives encode and decode, and form bits on another type are no type.
func TestStringFormRecord(t *testing.T) {
	old := []byte{byte(backend.TypeString), 0, 0, 0, 0, 0, 0, 0, 0, 'a', 'b'}
	r, ok := decodeRecord(old)
	if !ok || r.typ != backend.TypeString || r.form != backend.StringDerived || string(r.str) != "ab" {
		t.Fatalf("old record: %+v, %v", r, ok)
	}
	var a arena
	for _, f := range []backend.StringForm{backend.StringDerived, backend.StringRaw, backend.StringNoInt} {
		v, err := (&record{typ: backend.TypeString, exp: 7, str: []byte("12"), form: f}).encode(&a)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := decodeRecord(v)
		if !ok || r.typ != backend.TypeString || r.form != f || r.exp != 7 || string(r.str) != "12" {
			t.Fatalf("form %d: %+v, %v", f, r, ok)
		}
	}
	list := make([]byte, listRecLen)
	list[0] = byte(backend.TypeList) | 1<<formShift
	if _, ok := decodeRecord(list); ok {
		t.Fatal("a list record with form bits decoded")
	}
}
