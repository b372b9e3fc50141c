// Command gm006 is a service that runs in a container limited to 64 MiB
// (compose.yaml). It keeps about 36 MiB of sessions live and churns request
// garbage. Nothing tells the Go runtime about the limit, so with GOGC=100 the heap
// is allowed to grow to twice the live data, past the container's limit: in the
// container, the kernel kills it.
//
// proof/run starts the binary with the environment its Dockerfile declares, as the
// container would. Metrics: the memory limit the runtime sees
// (/gc/gomemlimit:bytes), the peak memory the runtime holds from the OS
// (/memory/classes/total:bytes minus heap released, sampled; above 64 MiB the
// container is killed), and the GC cycles run (more as the heap nears the limit:
// the runtime's answer to it).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/metrics"
)

var sessions [][]byte

// inflight holds the bodies of the requests being served.
var inflight [4][]byte

func main() {
	requests := 20_000
	if os.Getenv("PROOF_SIZE") == "small" {
		requests = 6_000
	}
	for len(sessions) < 36*16 {
		sessions = append(sessions, make([]byte, 64<<10))
	}

	gcBefore := read("/gc/cycles/total:gc-cycles")
	var peak uint64
	served := 0
	for i := 0; i < requests; i++ {
		body := make([]byte, 32<<10)
		for j := range body {
			body[j] = byte(i + j)
		}
		inflight[i%len(inflight)] = body
		served += len(body)
		if i%64 == 0 {
			peak = max(peak, held())
		}
	}
	peak = max(peak, held())

	report("memory_limit_seen_by_the_runtime", "bytes", "lower", float64(read("/gc/gomemlimit:bytes")))
	report("peak_memory_held", "bytes", "lower", float64(peak))
	report("gc_cycles_as_the_heap_nears_the_limit", "count", "higher", float64(read("/gc/cycles/total:gc-cycles")-gcBefore))
	fmt.Println("served bytes:", served, "sessions:", len(sessions))
}

// held is the memory the runtime holds from the OS: everything mapped, minus
// heap pages already returned.
func held() uint64 {
	return read("/memory/classes/total:bytes") - read("/memory/classes/heap/released:bytes")
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
