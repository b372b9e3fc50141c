package consumer

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestDeduperExpireBoundsHeap(t *testing.T) {
	d := NewDeduper(time.Second)
	start := time.Now()
	var ms runtime.MemStats
	var peak uint64
	for round := 0; round < 5; round++ {
		for i := 0; i < 20000; i++ {
			d.Seen(fmt.Sprintf("r%d-%d", round, i), start)
		}
		d.Expire(start.Add(time.Hour))
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak {
			peak = ms.HeapInuse
		}
	}
	if d.Len() != 0 {
		t.Fatalf("expire left %d ids", d.Len())
	}
	t.Logf("peak heap in use: %d KiB", peak>>10)
}
