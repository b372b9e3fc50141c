// Command gm009 walks n levels of a computation recursively, each level with an
// 8 KiB scratch array on its frame: the stack grows by 8 KiB per level. Only the
// recursion needs the stack; a loop does the same work in one frame.
//
// Metrics: the stack memory after a walk of the given depth
// (/memory/classes/heap/stacks:bytes; stacks only shrink at a GC, so this is the
// peak), and whether a deeper walk crashes in a child process whose stack is
// capped at 16 MiB (debug.SetMaxStack; a stack overflow is fatal, not a panic,
// so only a separate process can observe it).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/metrics"
)

var total int

// walk does one level of work and then the n levels below it.
func walk(n int) {
	var scratch [1024]int
	for i := range scratch {
		scratch[i] = n + i
	}
	total += scratch[n%len(scratch)]
	if n > 0 {
		walk(n - 1)
	}
}

const childDepth = 10_000

func main() {
	if os.Getenv("PROOF_CHILD") == "1" {
		debug.SetMaxStack(16 << 20)
		walk(childDepth)
		return
	}
	depth := 4000
	if os.Getenv("PROOF_SIZE") == "small" {
		depth = 1000
	}
	walk(depth)
	report("stack_bytes_after_walk", "bytes", "lower", float64(read("/memory/classes/heap/stacks:bytes")))
	report("child_crashed_at_depth_10000_with_16MiB_stack", "bool", "lower", crashed())
	fmt.Println("total:", total)
}

// crashed runs this program again as a child that walks childDepth levels with
// a capped stack, and returns 1 when the child dies.
func crashed() float64 {
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	child := exec.Command(self)
	child.Env = append(os.Environ(), "PROOF_CHILD=1")
	if err := child.Run(); err != nil {
		return 1
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
