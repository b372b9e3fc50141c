// Command gm005 processes a batch of jobs over a warm cache and forces a garbage
// collection after every job, "to keep memory low".
//
// Metrics: GC cycles run over the loop (runtime.MemStats.NumGC) and the loop's
// wall time.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// entry is one cached record; the cache gives every collection real work to do.
type entry struct {
	key  string
	next *entry
}

var cache []*entry

// process handles one job: it builds a short-lived report.
func process(job int) string {
	parts := make([]string, 0, 16)
	for i := 0; i < 16; i++ {
		parts = append(parts, fmt.Sprint(job, i))
	}
	return strings.Join(parts, ",")
}

func main() {
	jobs, cached := 100, 100_000
	if os.Getenv("PROOF_SIZE") == "small" {
		jobs, cached = 50, 20_000
	}
	for i := 0; i < cached; i++ {
		cache = append(cache, &entry{key: fmt.Sprint(i)})
	}

	before := gcCycles()
	start := time.Now()
	total := 0
	for job := 0; job < jobs; job++ {
		total += len(process(job))
		runtime.GC()
	}
	elapsed := time.Since(start)
	report("gc_cycles", "count", "lower", float64(gcCycles()-before))
	report("loop_wall_time", "ns", "lower", float64(elapsed.Nanoseconds()))
	fmt.Println("report bytes:", total, "cached:", len(cache))
}

// gcCycles is the number of completed GC cycles so far.
func gcCycles() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

// report prints one measurement as the machine-readable line proof/run reads.
func report(metric, unit, better string, value float64) {
	line, _ := json.Marshal(map[string]any{"metric": metric, "unit": unit, "better": better, "value": value})
	fmt.Printf("PROOF %s\n", line)
}
