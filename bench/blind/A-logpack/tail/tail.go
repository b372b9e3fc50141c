// Package tail follows a directory of segments and delivers new records to
// a callback as segments are sealed.
package tail

import (
	"log"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"example.com/logpack/segment"
)

// Handler receives each newly sealed segment summary.
type Handler func(*segment.Summary)

// Tailer polls a directory for sealed segments.
type Tailer struct {
	dir      string
	interval time.Duration
	handle   Handler

	mu   sync.Mutex
	seen map[string]bool
}

// NewTailer returns a Tailer that polls dir every interval and calls h once
// for every sealed segment it finds. Polling starts immediately.
func NewTailer(dir string, interval time.Duration, h Handler) *Tailer {
	t := &Tailer{
		dir:      dir,
		interval: interval,
		handle:   h,
		seen:     make(map[string]bool),
	}
	go t.run()
	return t
}

func (t *Tailer) run() {
	for {
		time.Sleep(t.interval)
		if err := t.scan(); err != nil {
			log.Printf("tail %s: %v", t.dir, err)
		}
	}
}

func (t *Tailer) scan() error {
	names, err := filepath.Glob(filepath.Join(t.dir, "*.seg"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		t.mu.Lock()
		done := t.seen[name]
		t.mu.Unlock()
		if done {
			continue
		}
		if _, err := os.Stat(name + ".sealed"); err != nil {
			continue
		}
		sum, err := segment.Summarize(name)
		if err != nil {
			return err
		}
		t.mu.Lock()
		t.seen[name] = true
		t.mu.Unlock()
		t.handle(sum)
	}
	return nil
}

// Watcher is like Tailer but can be stopped.
type Watcher struct {
	Tailer
	quit chan struct{}
	wg   sync.WaitGroup
}

// NewWatcher starts polling dir; call Stop to end it.
func NewWatcher(dir string, interval time.Duration, h Handler) *Watcher {
	w := &Watcher{
		Tailer: Tailer{dir: dir, interval: interval, handle: h, seen: make(map[string]bool)},
		quit:   make(chan struct{}),
	}
	w.wg.Add(1)
	go w.loop()
	return w
}

func (w *Watcher) loop() {
	defer w.wg.Done()
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		select {
		case <-w.quit:
			return
		case <-tick.C:
			if err := w.scan(); err != nil {
				log.Printf("watch %s: %v", w.dir, err)
			}
		}
	}
}

// Stop ends polling and waits for an in-flight scan to finish.
func (w *Watcher) Stop() {
	close(w.quit)
	w.wg.Wait()
}

// Forget drops bookkeeping for segments that no longer exist on disk, so
// that a directory with heavy churn does not grow the seen set forever.
func (w *Watcher) Forget() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for name := range w.seen {
		if _, err := os.Stat(name); os.IsNotExist(err) {
			delete(w.seen, name)
			n++
		}
	}
	return n
}
