// Command gm004 keeps a long-lived session store: it fills the store with millions
// of sessions, logs everyone out by deleting every key, and keeps serving logins.
// A map never shrinks: the emptied map still holds its peak bucket array for as
// long as the store lives.
//
// Metric: heap in use (runtime.MemStats.HeapInuse after a GC) once the map is empty.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
)

// store lives for the whole process, as a server's session table would.
type store struct {
	byID map[int]string
}

func (s *store) login(id int) { s.byID[id] = "active" }

// logoutAll empties the table; the store stays in use.
func (s *store) logoutAll() {
	for id := range s.byID {
		delete(s.byID, id)
	}
}

func main() {
	users := 2_000_000
	if os.Getenv("PROOF_SIZE") == "small" {
		users = 500_000
	}
	s := &store{byID: make(map[int]string)}
	for id := 0; id < users; id++ {
		s.login(id)
	}

	// Everyone logs out.
	s.logoutAll()

	report("heap_in_use_after_emptying", "bytes", "lower", float64(heapInUse()))
	s.login(1)
	fmt.Println("sessions after a new login:", len(s.byID))
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
