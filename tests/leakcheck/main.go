// Command leakcheck starts a poller per job it receives, cancels its context
// and counts the goroutines left: 1 when the poller stopped, 2 when it leaked.
package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"example.com/leakcheck/internal/poll"
)

// work starts one poller per job: a leak repeats with every job.
func work(ctx context.Context, jobs <-chan int) {
	for range jobs {
		poll.Start(time.Millisecond, func() {})
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	jobs := make(chan int, 1)
	jobs <- 1
	close(jobs)
	work(ctx, jobs)
	time.Sleep(20 * time.Millisecond)
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("cancelled=%v goroutines=%d\n", ctx.Err() != nil, runtime.NumGoroutine())
}
