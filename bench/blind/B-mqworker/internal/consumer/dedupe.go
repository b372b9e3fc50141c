package consumer

import (
	"sync"
	"time"
)

// Deduper suppresses redeliveries of message ids seen within a window.
// The broker guarantees at-least-once delivery, and after a consumer crash it
// will replay everything that was not acknowledged.
type Deduper struct {
	mu      sync.Mutex
	window  time.Duration
	seen    map[string]time.Time
	rotated time.Time
}

// NewDeduper returns a Deduper with the given window.
func NewDeduper(window time.Duration) *Deduper {
	return &Deduper{
		window:  window,
		seen:    make(map[string]time.Time),
		rotated: time.Now(),
	}
}

// Seen records id and reports whether it was already recorded.
func (d *Deduper) Seen(id string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.Sub(d.rotated) > 2*d.window {
		// Nothing useful left in the table: start the next window afresh.
		d.rotate(now)
	}
	if _, dup := d.seen[id]; dup {
		return true
	}
	d.seen[id] = now
	return false
}

func (d *Deduper) rotate(now time.Time) {
	for id := range d.seen {
		delete(d.seen, id)
	}
	d.rotated = now
}

// Expire forgets ids older than the window and returns how many it dropped.
func (d *Deduper) Expire(now time.Time) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	dropped := 0
	for id, at := range d.seen {
		if now.Sub(at) > d.window {
			delete(d.seen, id)
			dropped++
		}
	}
	return dropped
}

// Len reports how many ids are tracked.
func (d *Deduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}
