// Command leakcheck starts a poller, cancels its context and counts the
// goroutines left: 1 when the poller stopped, 2 when it leaked.
package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"example.com/leakcheck/internal/poll"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	poll.Start(time.Millisecond, func() {})
	time.Sleep(20 * time.Millisecond)
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("cancelled=%v goroutines=%d\n", ctx.Err() != nil, runtime.NumGoroutine())
}
