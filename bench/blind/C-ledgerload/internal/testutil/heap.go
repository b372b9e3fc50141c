// Package testutil has helpers shared by the importer and server tests.
package testutil

import (
	"runtime"
	"testing"
)

// SettleHeap runs a few collections so that finalizers have run and heap
// numbers read afterwards are stable.
func SettleHeap(tb testing.TB) {
	tb.Helper()
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
}

// HeapInUse returns the current HeapInuse after settling.
func HeapInUse(tb testing.TB) uint64 {
	SettleHeap(tb)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
