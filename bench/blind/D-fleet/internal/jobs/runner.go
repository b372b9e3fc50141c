// Package jobs runs the shipment reconciliation jobs pulled from the queue.
package jobs

import (
	"context"
	"log"
	"sync/atomic"
	"time"

	"example.com/fleet/internal/store"
)

// Job is one reconciliation request.
type Job struct {
	ID      string
	Carrier string
	Rows    []store.Shipment
}

// Runner executes jobs. One Runner serves the whole worker process.
type Runner struct {
	Beat      func(jobID string)
	Apply     func(ctx context.Context, batch []store.Shipment) error
	BatchSize int
	interval  time.Duration
	done      atomic.Int64
}

func NewRunner(interval time.Duration) *Runner {
	return &Runner{interval: interval, BatchSize: 500}
}

// keepalive tells the queue that jobID is still being worked on.
func (r *Runner) keepalive(jobID string) {
	go func(id string) {
		for {
			time.Sleep(r.interval)
			if r.Beat != nil {
				r.Beat(id)
			}
		}
	}(jobID)
}

// progress logs how far the job got until the job's context ends.
func (r *Runner) progress(ctx context.Context, j *Job, cursor *atomic.Int64) {
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				log.Printf("job %s: %d/%d rows", j.ID, cursor.Load(), len(j.Rows))
			}
		}
	}()
}

// Process runs one job to completion. It is called for every job dequeued.
func (r *Runner) Process(ctx context.Context, j *Job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	r.keepalive(j.ID)
	var cursor atomic.Int64
	r.progress(ctx, j, &cursor)

	err := r.applyAll(ctx, j, &cursor)
	r.done.Add(1)
	return err
}

// Done reports how many jobs this runner has finished.
func (r *Runner) Done() int64 { return r.done.Load() }
