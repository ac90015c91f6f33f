package memory

import (
	"syscall"
	"unsafe"
)

// Linux's madvise advice values (the same on every architecture).
const (
	madvHugePage   = 14 // MADV_HUGEPAGE
	madvNoHugePage = 15 // MADV_NOHUGEPAGE
)

// bulkAdvise, with huge set, asks the kernel to back b with transparent
// huge pages when it is first touched (where transparent_hugepage is
// "madvise", the usual setting, the Go heap gets 4 KB pages otherwise: a
// page fault, each costly in a virtual machine, for every 4 KB a load
// fills). It reports whether the kernel took the advice. Without huge it
// withdraws the advice: pages already huge stay so, but khugepaged will
// not gather freed pages of b back into huge pages later, which would
// make the process's resident memory grow after the collector has given
// memory back (the reason the Go runtime stopped advising huge pages).
// Only the 2 MB-aligned part of b is advised.
func bulkAdvise(b []byte, huge bool) bool {
	const hugePage = 2 << 20
	if len(b) < hugePage {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	beg := (p + hugePage - 1) &^ (hugePage - 1)
	end := (p + uintptr(len(b))) &^ (hugePage - 1)
	if beg >= end {
		return false
	}
	advice := madvNoHugePage
	if huge {
		advice = madvHugePage
	}
	return syscall.Madvise(b[beg-p:end-p], advice) == nil
}
