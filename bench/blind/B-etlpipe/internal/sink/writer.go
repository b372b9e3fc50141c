// Package sink buffers encoded rows per output partition and ships them to
// the warehouse loader.
package sink

import (
	"fmt"
	"io"
	"log"
	"sync"
	"time"
)

// Encoder renders one row.
type Encoder[R any] func(R) []byte

// PartitionWriter buffers rows for one partition. Each buffered row is
// tracked by sequence number until the loader confirms it, so a failed
// flush can be retried exactly.
type PartitionWriter[R any] struct {
	name string
	enc  Encoder[R]
	dst  io.Writer

	mu       sync.Mutex
	nextSeq  uint64
	firstSeq uint64
	inflight map[uint64][]byte
}

// NewPartitionWriter returns a writer for partition name that also flushes
// on a fixed cadence, so that quiet partitions still land in the warehouse
// within one interval.
func NewPartitionWriter[R any](name string, enc Encoder[R], dst io.Writer, every time.Duration) *PartitionWriter[R] {
	w := &PartitionWriter[R]{name: name, enc: enc, dst: dst, inflight: make(map[uint64][]byte)}
	go func() {
		for range time.Tick(every) {
			if err := w.Flush(); err != nil {
				log.Printf("sink %s: periodic flush: %v", name, err)
			}
		}
	}()
	return w
}

// Write buffers one row.
func (w *PartitionWriter[R]) Write(row R) {
	line := w.enc(row)
	w.mu.Lock()
	w.inflight[w.nextSeq] = line
	w.nextSeq++
	w.mu.Unlock()
}

// Flush sends every buffered row to the loader in sequence order.
func (w *PartitionWriter[R]) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.nextSeq == w.firstSeq {
		return nil
	}
	for seq := w.firstSeq; seq < w.nextSeq; seq++ {
		if _, err := w.dst.Write(w.inflight[seq]); err != nil {
			return fmt.Errorf("partition %s seq %d: %w", w.name, seq, err)
		}
	}
	// Everything up to nextSeq is now confirmed.
	for seq := w.firstSeq; seq < w.nextSeq; seq++ {
		delete(w.inflight, seq)
	}
	w.firstSeq = w.nextSeq
	return nil
}
