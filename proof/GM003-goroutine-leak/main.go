// Command gm003 starts a background watcher per request. The watcher loops forever
// on a sleep, so cancelling the work does not stop it: every goroutine, and the
// request body it holds, stays alive after the server is done.
//
// Metrics: goroutines still alive after cancellation (runtime.NumGoroutine), and
// the heap in use they pin (runtime.MemStats.HeapInuse after a GC).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"time"
)

// Request is an incoming request with its body read into memory.
type Request struct {
	Body []byte
}

// process starts a watcher that refreshes the request's state periodically.
func process(req *Request) {
	go func() {
		for {
			time.Sleep(time.Hour)
			_ = req.Body
		}
	}()
}

// serve handles the requests that arrive on the queue, one watcher each.
func serve(ctx context.Context, queue <-chan *Request) {
	for req := range queue {
		process(req)
	}
}

// arrive sends n requests of bodySize bytes each, then closes the queue.
func arrive(n, bodySize int) <-chan *Request {
	queue := make(chan *Request)
	go func() {
		defer close(queue)
		for i := 0; i < n; i++ {
			queue <- &Request{Body: make([]byte, bodySize)}
		}
	}()
	return queue
}

func main() {
	requests := 2000
	if os.Getenv("PROOF_SIZE") == "small" {
		requests = 500
	}
	baseline := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	serve(ctx, arrive(requests, 16<<10))
	cancel()
	alive := settle(baseline, 500*time.Millisecond)
	report("goroutines_after_cancel", "count", "lower", float64(alive-baseline))
	report("heap_in_use_after_cancel", "bytes", "lower", float64(heapInUse()))
}

// settle waits until at most want goroutines remain or the timeout passes, and
// returns how many remain.
func settle(want int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return runtime.NumGoroutine()
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
