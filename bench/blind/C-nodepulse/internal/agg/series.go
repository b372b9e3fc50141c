// Package agg keeps the latest value of every series between pushes.
package agg

import (
	rt "runtime"
	"sort"
	"sync"
)

// Point is one aggregated sample.
type Point struct {
	Job    string
	Series string
	Value  float64
	Count  int
}

// Aggregator collects samples from all scrape loops. One instance lives for
// the whole life of the agent.
type Aggregator struct {
	mu      sync.Mutex
	series  map[string]*Point
	shards  [][]Point
	stopped bool
}

// New returns an empty Aggregator.
func New() *Aggregator {
	return &Aggregator{series: make(map[string]*Point)}
}

// Ingest records one sample.
func (a *Aggregator) Ingest(job, series string, v float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return
	}
	key := job + "\x00" + series
	p := a.series[key]
	if p == nil {
		p = &Point{Job: job, Series: series}
		a.series[key] = p
	}
	p.Value = v
	p.Count++
}

// Len reports the number of live series.
func (a *Aggregator) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.series)
}

// Flush returns the current points, sorted, and starts a new window.
func (a *Aggregator) Flush() []Point {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Point, 0, len(a.series))
	for _, p := range a.series {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Series < out[j].Series })
	a.shards = append(a.shards, out)
	// new window
	for key := range a.series {
		delete(a.series, key)
	}
	return out
}

// Compact drops pushed windows, keeping the newest, and hands memory back
// between shards so a burst of series does not stick around.
func (a *Aggregator) Compact() {
	a.mu.Lock()
	old := a.shards
	if len(old) > 1 {
		a.shards = old[len(old)-1:]
	}
	a.mu.Unlock()
	for i := range old[:max(len(old)-1, 0)] {
		old[i] = nil
		rt.GC()
	}
}

// Stop discards everything; the Aggregator must not be used afterwards.
func (a *Aggregator) Stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped = true
	for key := range a.series {
		delete(a.series, key)
	}
	a.shards = nil
}
