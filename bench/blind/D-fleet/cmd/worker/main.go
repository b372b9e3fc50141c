// Command worker drains the reconciliation queue.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/fleet/internal/cache"
	"example.com/fleet/internal/jobs"
	"example.com/fleet/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	recent := cache.NewTTL[string, store.Shipment](time.Hour)
	go func() {
		for now := range time.Tick(time.Minute) {
			if n := recent.Expire(now); n > 0 {
				log.Printf("worker: expired %d cached rows", n)
			}
		}
	}()

	r := jobs.NewRunner(15 * time.Second)
	r.Beat = func(id string) { log.Printf("heartbeat %s", id) }
	r.Apply = func(_ context.Context, batch []store.Shipment) error {
		for _, s := range batch {
			recent.Set(s.Tracking, s)
		}
		return nil
	}

	// jobs arrive as JSON lines from the queue sidecar on stdin
	queue := make(chan *jobs.Job)
	go func() {
		defer close(queue)
		dec := json.NewDecoder(os.Stdin)
		for ctx.Err() == nil {
			j := new(jobs.Job)
			if err := dec.Decode(j); err != nil {
				return
			}
			queue <- j
		}
	}()
	for j := range queue {
		if err := r.Process(ctx, j); err != nil {
			log.Printf("job %s: %v", j.ID, err)
		}
	}
	log.Printf("worker: %d jobs done", r.Done())
}
