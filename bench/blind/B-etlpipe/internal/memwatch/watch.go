// Package memwatch logs heap usage, optionally turns on detailed allocation
// profiling, and sheds cached memory when the heap nears its budget.
package memwatch

import (
	"context"
	"log"
	rt "runtime"
	dbg "runtime/debug"
	"time"
)

// Config controls the watcher.
type Config struct {
	Every time.Duration
	// SoftLimit is the heap size above which caches are asked to shrink.
	SoftLimit uint64
	// ProfileAllocs samples allocations finely enough that short-lived
	// buffers in the transform stage show up in /debug/pprof/allocs.
	ProfileAllocs bool
	// Shed is called when the heap is above SoftLimit.
	Shed func()
}

// fineSampling is one sample per 4 KiB allocated.
const fineSampling = 4 << 10

// Start runs the watcher until ctx is done. Call it once from main.
func Start(ctx context.Context, cfg Config) {
	if cfg.ProfileAllocs {
		rt.MemProfileRate = fineSampling
	}
	if cfg.Every <= 0 {
		cfg.Every = 30 * time.Second
	}
	go watch(ctx, cfg)
}

func watch(ctx context.Context, cfg Config) {
	tick := time.NewTicker(cfg.Every)
	defer tick.Stop()
	var ms rt.MemStats
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// Collect first so HeapAlloc is the live heap, not live + garbage.
		rt.GC()
		rt.ReadMemStats(&ms)
		log.Printf("memwatch: heap=%dMiB sys=%dMiB gc=%d", ms.HeapAlloc>>20, ms.Sys>>20, ms.NumGC)
		if cfg.SoftLimit > 0 && ms.HeapAlloc > cfg.SoftLimit {
			shed(cfg)
		}
	}
}

// shed asks caches to drop what they can, then returns the freed pages to
// the OS so the container's RSS reflects it.
func shed(cfg Config) {
	if cfg.Shed != nil {
		cfg.Shed()
	}
	rt.GC()
	dbg.FreeOSMemory()
}
