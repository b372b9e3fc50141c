// Package svc keeps a cache and releases it on demand.
package svc

import (
	"runtime"
)

var cache = map[string][]byte{}

// Drain empties the cache and forces a collection after each batch.
func Drain(batches [][]string) {
	for _, batch := range batches {
		for _, k := range batch {
			delete(cache, k)
		}
		runtime.GC()
	}
}

// Release drops the cache and expects RSS to fall.
func Release() {
	cache = nil
	runtime.GC()
}

// Warm keeps a deliberate collection in its loop.
func Warm(n int) {
	for i := 0; i < n; i++ {
		//gomemfix:ignore GM005 warm-up measures a cold heap on purpose
		runtime.GC()
	}
}

//gomemfix:ignore GM010 nothing to silence here any more
func size() int { return len(cache) }
