// Command gm008 turns on allocation profiling for every allocation at start-up,
// then does allocation-heavy work: each allocation records a stack trace.
//
// Metric: wall time per allocation over a loop of small heap allocations.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"
)

func init() {
	runtime.MemProfileRate = 1 // record every allocation
}

// node is a small heap object, as a parser or a router allocates by the million.
type node struct {
	key   int
	left  *node
	right *node
}

var sink *node

func main() {
	allocs := 1_000_000
	if os.Getenv("PROOF_SIZE") == "small" {
		allocs = 300_000
	}
	start := time.Now()
	for i := 0; i < allocs; i++ {
		sink = &node{key: i, left: sink}
		if i%1024 == 0 {
			sink = nil
		}
	}
	elapsed := time.Since(start)
	report("ns_per_alloc", "ns", "lower", float64(elapsed.Nanoseconds())/float64(allocs))
}

// report prints one measurement as the machine-readable line proof/run reads.
func report(metric, unit, better string, value float64) {
	line, _ := json.Marshal(map[string]any{"metric": metric, "unit": unit, "better": better, "value": value})
	fmt.Printf("PROOF %s\n", line)
}
