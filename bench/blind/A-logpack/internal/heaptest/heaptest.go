// Package heaptest has helpers shared by the package tests that assert on
// heap usage.
package heaptest

import (
	"runtime"
	"testing"
)

// Settle runs collections until the live heap stops shrinking (or rounds
// runs out) and returns the final HeapAlloc.
func Settle(tb testing.TB, rounds int) uint64 {
	tb.Helper()
	var ms runtime.MemStats
	last := ^uint64(0)
	for i := 0; i < rounds; i++ {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc >= last {
			break
		}
		last = ms.HeapAlloc
	}
	return ms.HeapAlloc
}
