// Command warmup shows loading a snapshot into a cache at start-up and
// printing how much heap the loaded data occupies.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"time"

	"github.com/halvard/tiercache"
)

func main() {
	snap := flag.String("snapshot", "cache.snap", "snapshot file")
	flag.Parse()

	c := tiercache.New[string, []byte](tiercache.Options{TTL: 10 * time.Minute})
	n, err := tiercache.LoadSnapshot(c, *snap)
	if err != nil {
		log.Fatal(err)
	}

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fmt.Printf("loaded %d entries, heap in use %d KiB\n", n, ms.HeapInuse>>10)

	key := tiercache.CompositeKey("user", "42", "profile")
	if err := tiercache.SetJSON(c, key, map[string]any{"id": 42}); err != nil {
		log.Fatal(err)
	}
	if err := tiercache.WriteCompressed(c, key, os.Stdout); err != nil {
		log.Fatal(err)
	}
	for _, k := range c.KeysWithPrefix("user:") {
		fmt.Fprintln(os.Stderr, k)
	}
}
