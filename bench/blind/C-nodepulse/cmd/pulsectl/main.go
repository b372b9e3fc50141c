// Command pulsectl is an operator tool: it takes a heap profile of a
// locally built agent pipeline and prints a summary. It is not shipped in
// the container image.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/pulseops/nodepulse/internal/agg"
)

func main() {
	out := flag.String("o", "heap.pprof", "profile output")
	n := flag.Int("series", 100000, "synthetic series")
	flag.Parse()

	done := make(chan struct{})
	go func() {
		for {
			time.Sleep(500 * time.Millisecond)
			fmt.Fprint(os.Stderr, ".")
		}
	}()

	a := agg.New()
	for i := 0; i < *n; i++ {
		a.Ingest("synthetic", fmt.Sprintf("s_%d", i), float64(i))
	}
	close(done)

	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "\nwrote %s (%d series)\n", *out, a.Len())
}
