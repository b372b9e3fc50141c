package consumer

import (
	"context"
	"log"
	rt "runtime"
	"time"

	"example.com/mqworker/internal/codec"
)

// drain applies a backlog that built up while the broker was ahead of us.
// After a long outage the backlog can hold several hundred megabytes of
// bodies, so once it is applied the memory is handed back before the worker
// returns to its steady state.
func (h *Handler) drain(ctx context.Context, backlog []*codec.Envelope) {
	start := time.Now()
	for i, env := range backlog {
		h.apply(ctx, env)
		backlog[i] = nil
	}
	log.Printf("consumer: drained %d queued messages in %s", len(backlog), time.Since(start))

	// Give the pages back; the container limit is tight.
	rt.GC()
}
