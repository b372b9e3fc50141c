package jobs

import (
	"context"
	"sync/atomic"

	rt "runtime"

	"example.com/fleet/internal/store"
)

// dedupe keeps the last row per tracking number. seen is owned by the caller
// and reused for every batch.
func dedupe(rows []store.Shipment, seen map[string]int) []store.Shipment {
	out := make([]store.Shipment, 0, len(rows))
	for _, s := range rows {
		if i, ok := seen[s.Tracking]; ok {
			out[i] = s
			continue
		}
		seen[s.Tracking] = len(out)
		out = append(out, s)
	}
	return out
}

func (r *Runner) applyAll(ctx context.Context, j *Job, cursor *atomic.Int64) error {
	seen := make(map[string]int, r.BatchSize)
	settle := func() {
		// batches are large; do not let garbage from the last one pile up
		// while the next one is being decoded
		rt.GC()
	}
	for start := 0; start < len(j.Rows); start += r.BatchSize {
		end := min(start+r.BatchSize, len(j.Rows))
		for k := range seen {
			delete(seen, k)
		}
		batch := dedupe(j.Rows[start:end], seen)
		if err := r.Apply(ctx, batch); err != nil {
			return err
		}
		cursor.Store(int64(end))
		settle()
	}
	return nil
}
