// Package testutil holds helpers shared by the pipeline's tests and
// benchmarks.
package testutil

import (
	"runtime"
	"testing"
)

// SettledHeap runs the collector until the live heap stops shrinking and
// returns it, so that benchmarks comparing HeapAlloc before and after a
// stage do not count garbage left over from setup.
func SettledHeap(tb testing.TB) uint64 {
	tb.Helper()
	var ms runtime.MemStats
	prev := ^uint64(0)
	for i := 0; i < 10; i++ {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc >= prev {
			break
		}
		prev = ms.HeapAlloc
	}
	return ms.HeapAlloc
}
