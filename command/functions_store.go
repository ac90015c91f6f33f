package command

import (
	"fmt"

	"redpool/backend"
	"redpool/persistence/rdb"
)

// Function libraries are data: every change (FUNCTION LOAD, DELETE, FLUSH,
// RESTORE) stores the whole set in the backend as auxiliary data
// (backend.AuxFunctions), in the transaction of the change, as a FUNCTION
// DUMP payload. Snapshots carry it and the bolt file keeps it; the server
// loads it at start (LoadStoredFunctions). The AOF keeps the commands
// themselves, and its replay stores the set again as it goes.

// FunctionsPayload returns libraries' code as a FUNCTION DUMP payload:
// Redis's RDB function records, RDB version and CRC-64.
func FunctionsPayload(codes []string) []byte {
	var b []byte
	for _, code := range codes {
		b = append(b, rdb.OpFunction2)
		b = rdb.AppendString(b, []byte(code), false)
	}
	return rdb.AppendDumpFooter(b)
}

// codes returns the libraries' code, by library name.
func (r *functionRegistry) codes() []string {
	libs := r.sorted()
	codes := make([]string, len(libs))
	for i, lib := range libs {
		codes[i] = lib.code
	}
	return codes
}

// storeFunctions stores the libraries in c's transaction, which locks
// everything; an empty set removes the data.
func (c *Ctx) storeFunctions() error {
	codes := c.e.functions.codes()
	var p []byte
	if len(codes) > 0 {
		p = FunctionsPayload(codes)
	}
	return c.Tx.SetAux(backend.AuxFunctions, p)
}

// LoadStoredFunctions loads the libraries stored in the backend: the
// server calls it once the data is loaded (bolt file, snapshot, AOF) and
// before it serves. Libraries an AOF replay already loaded are the ones
// it stored as it went: they are not compiled again.
func (e *Engine) LoadStoredFunctions() error {
	if libs, _, _ := e.functions.counts(); libs > 0 {
		return nil
	}
	p, err := e.backend.Aux(backend.AuxFunctions)
	if err != nil || p == nil {
		return err
	}
	codes, err := ParseFunctionsPayload(p)
	if err != nil {
		return fmt.Errorf("stored function libraries: %w", err)
	}
	return e.restoreLibraries(codes, false)
}

// restoreLibraries compiles codes and serves them instead of the
// libraries there were; store also stores them in the backend (a
// replica's full sync). Nothing changes if one does not compile.
func (e *Engine) restoreLibraries(codes []string, store bool) error {
	libs := make([]*functionLib, 0, len(codes))
	for _, code := range codes {
		lib, err := e.scripts.compileLibrary(code)
		if err != nil {
			return fmt.Errorf("stored function libraries: %w", err)
		}
		libs = append(libs, lib)
	}
	if err := e.functions.restore(libs, "flush"); err != nil || !store || len(codes) == 0 {
		return err
	}
	return e.backend.Update(backend.TxOptions{All: true}, func(tx backend.Tx) error {
		return tx.SetAux(backend.AuxFunctions, FunctionsPayload(codes))
	})
}

// counts returns the number of libraries and functions and the bytes of
// their code, for INFO.
func (r *functionRegistry) counts() (libs, funcs, code int64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, lib := range r.libs {
		libs++
		funcs += int64(len(lib.funcs))
		code += int64(len(lib.code))
	}
	return libs, funcs, code
}
