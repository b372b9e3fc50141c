// Command gm001 keeps the 16-byte header of each large message it reads and drops
// the message. The header is a sub-slice, so each one pins its whole message: the
// heap in use after a collection is the messages, not the headers.
//
// Metric: heap in use (runtime.MemStats.HeapInuse after a GC) while the headers live.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
)

// readHeader reads one message of size bytes and keeps only its header.
func readHeader(size, seed int) []byte {
	big := make([]byte, size)
	for i := range big {
		big[i] = byte(seed + i)
	}
	small := big[:16]
	big = nil
	return small
}

func main() {
	messages, size := 16, 4<<20
	if os.Getenv("PROOF_SIZE") == "small" {
		messages, size = 8, 2<<20
	}
	for i := 0; i < messages; i++ {
		headers = append(headers, readHeader(size, i))
	}
	report("heap_in_use_after_drop", "bytes", "lower", float64(heapInUse()))
	runtime.KeepAlive(headers)
}

// headers keeps every message's header for the life of the process.
var headers [][]byte

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
