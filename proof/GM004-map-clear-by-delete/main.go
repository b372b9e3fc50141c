// Command gm004 fills a session table with millions of entries, logs everyone out
// by deleting every key, and keeps using the table. A map never shrinks: the
// emptied map still holds its peak bucket array.
//
// Metric: heap in use (runtime.MemStats.HeapInuse after a GC) once the map is empty.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
)

func main() {
	users := 2_000_000
	if os.Getenv("PROOF_SIZE") == "small" {
		users = 500_000
	}
	sessions := make(map[int]string)
	for id := 0; id < users; id++ {
		sessions[id] = "active"
	}

	// Everyone logs out.
	for id := range sessions {
		delete(sessions, id)
	}

	report("heap_in_use_after_emptying", "bytes", "lower", float64(heapInUse()))
	sessions[1] = "active"
	fmt.Println("sessions after a new login:", len(sessions))
}

// heapInUse collects and then reads the bytes in in-use heap spans.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// report prints one measurement as the machine-readable line proof/run reads.
func report(metric, unit, better string, value float64) {
	line, _ := json.Marshal(map[string]any{"metric": metric, "unit": unit, "better": better, "value": value})
	fmt.Printf("PROOF %s\n", line)
}
