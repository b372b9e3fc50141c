// Package examples holds the ten idioms of the Go memory catalogue as code that
// compiles, so `gomemfix fix --diff examples/` shows every rule at work.
package main

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"
)

// Buffer is a reusable scratch buffer.
type Buffer struct{ data []byte }

// Reset empties the buffer for its next user.
func (b *Buffer) Reset() { b.data = b.data[:0] }

// Bug 1: sub-slice pinning.
func header() []byte {
	big := make([]byte, 1<<20)
	small := big[:10]
	big = nil
	_ = big
	return small
}

// Bug 2: sync.Pool without reset.
var pool = sync.Pool{New: func() any { return new(Buffer) }}

func use() {
	b := pool.Get().(*Buffer)
	defer pool.Put(b)
	b.data = append(b.data, "payload"...)
}

// Bug 3: goroutine leak.
func process(req *http.Request) {
	go func() {
		for {
			time.Sleep(time.Hour)
			_ = req.Body
		}
	}()
}

// Bug 4: a map emptied key by key keeps its peak bucket array.
func churn() {
	cache := map[int]string{}
	for i := 0; i < 10_000_000; i++ {
		cache[i] = "..."
	}
	for i := 0; i < 10_000_000; i++ {
		delete(cache, i)
	}
	// The map lives on: the next round fills it again.
	cache[0] = "next round"
}

// Bug 5: manually triggering GC in a loop.
func batch() {
	for i := 0; i < 1000; i++ {
		work()
		runtime.GC() // BUG?
	}
}

func work() {}

// Bug 7: a pool used to keep state between calls.
var statePool = sync.Pool{}

func resume() int {
	state := statePool.Get().(*int)
	return *state
}

// Bug 8: heap profile without sampling.
func init() {
	runtime.MemProfileRate = 1 // record every allocation
}

// Bug 9: deep recursion with a large frame.
func recurse(n int) {
	var local [1024]int
	if n > 0 {
		recurse(n - 1)
	}
	_ = local
}

// Bug 10: RSS does not drop after GC.
func release(cache map[string][]byte) {
	clear(cache)
	runtime.GC()
}

// Bug 6: a containerised service (see Dockerfile) with no memory limit.
func main() {
	ctx := context.Background()
	_ = ctx
	header()
	use()
	churn()
	batch()
	_ = resume
	recurse(len(os.Args) * 100_000) // as deep as the input asks
	release(map[string][]byte{})
	// Every request starts one more watcher.
	http.HandleFunc("/watch", func(w http.ResponseWriter, r *http.Request) { process(r) })
}

// Bug 1's caller keeps the ten bytes, and with them the megabyte, for the
// life of the process.
var signature []byte

func init() { signature = header() }
