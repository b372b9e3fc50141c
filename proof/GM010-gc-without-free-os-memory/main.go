// Command gm010 loads a large cache, drops it, and forces a collection so that
// the process "gives the memory back". A collection frees the heap but the
// runtime keeps the pages, so the process's resident set stays where it was.
//
// Metrics: heap memory returned to the OS (/memory/classes/heap/released:bytes)
// and the process's resident set (VmRSS in /proc/self/status) right after.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
)

var cache map[int][]byte

// load fills the cache with n entries of 64 KiB.
func load(n int) {
	cache = make(map[int][]byte, n)
	for i := 0; i < n; i++ {
		entry := make([]byte, 64<<10)
		for j := range entry {
			entry[j] = byte(i + j)
		}
		cache[i] = entry
	}
}

// release drops the cache and hands its memory back.
func release() {
	cache = nil
	runtime.GC()
}

func main() {
	entries := 1024
	if os.Getenv("PROOF_SIZE") == "small" {
		entries = 512
	}
	load(entries)
	release()
	report("heap_released_to_the_OS", "bytes", "higher", float64(read("/memory/classes/heap/released:bytes")))
	report("RSS_after_release", "bytes", "lower", float64(rss()))
}

// rss is the resident set of this process, from /proc/self/status (Linux).
func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if kb, ok := strings.CutPrefix(lines.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(kb, "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

// read returns one runtime/metrics value.
func read(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// report prints one measurement as the machine-readable line proof/run reads.
func report(metric, unit, better string, value float64) {
	line, _ := json.Marshal(map[string]any{"metric": metric, "unit": unit, "better": better, "value": value})
	fmt.Printf("PROOF %s\n", line)
}
