package jobs

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"example.com/fleet/internal/store"
)

func rows(n int) []store.Shipment {
	out := make([]store.Shipment, n)
	for i := range out {
		out[i] = store.Shipment{ID: int64(i), Tracking: fmt.Sprintf("TRK%06d", i%(n/2+1))}
	}
	return out
}

func TestDedupeKeepsLast(t *testing.T) {
	in := []store.Shipment{{ID: 1, Tracking: "A"}, {ID: 2, Tracking: "A"}, {ID: 3, Tracking: "B"}}
	got := dedupe(in, map[string]int{})
	if len(got) != 2 || got[0].ID != 2 {
		t.Fatalf("got %+v", got)
	}
}

func BenchmarkApplyAll(b *testing.B) {
	r := NewRunner(0)
	r.Apply = func(context.Context, []store.Shipment) error { return nil }
	j := &Job{ID: "bench", Rows: rows(10_000)}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		var cur atomic.Int64
		_ = r.applyAll(context.Background(), j, &cur)
	}
}
