// Command bench is a load generator that compares codec releases. It is run
// by hand on a workstation and is not part of any image.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"example.com/tlvcodec/tlv"
)

func doc(width, depth int) tlv.Value {
	v := tlv.Value{Kind: tlv.KindString, Str: "leaf"}
	for d := 0; d < depth; d++ {
		list := make([]tlv.Value, width)
		for i := range list {
			list[i] = v
		}
		v = tlv.Value{Kind: tlv.KindList, List: list}
	}
	return v
}

func main() {
	iters := flag.Int("n", 100_000, "decode iterations")
	width := flag.Int("width", 4, "list width")
	depth := flag.Int("depth", 6, "list depth")
	heapOut := flag.String("heapprofile", "", "write a heap profile here at the end")
	flag.Parse()

	go func() {
		tk := time.NewTicker(time.Second)
		var ms runtime.MemStats
		for range tk.C {
			runtime.ReadMemStats(&ms)
			log.Printf("heap=%dKiB gc=%d", ms.HeapAlloc>>10, ms.NumGC)
		}
	}()

	enc, err := tlv.Marshal(doc(*width, *depth))
	if err != nil {
		log.Fatal(err)
	}
	dec := tlv.NewDecoder()
	start := time.Now()
	for i := 0; i < *iters; i++ {
		if _, err := dec.Decode(enc); err != nil {
			log.Fatal(err)
		}
	}
	el := time.Since(start)
	fmt.Printf("%d decodes of %d bytes in %v (%.0f ns/op)\n", *iters, len(enc), el, float64(el.Nanoseconds())/float64(*iters))

	if *heapOut != "" {
		f, err := os.Create(*heapOut)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			log.Fatal(err)
		}
	}
}
