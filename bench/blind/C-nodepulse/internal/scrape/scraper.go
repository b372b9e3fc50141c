// Package scrape pulls Prometheus text exposition from local endpoints.
package scrape

import (
	"context"
	"log"
	"net/http"
	"sync"
	"time"
)

// Target is one endpoint to scrape.
type Target struct {
	Name  string
	URL   string
	Every time.Duration
}

// SampleFunc receives every parsed sample.
type SampleFunc func(job, series string, v float64)

// Manager owns the per-target scrape loops.
type Manager struct {
	mu      sync.Mutex
	sink    SampleFunc
	client  *http.Client
	states  map[string]*targetState
	lastErr map[string]time.Time
}

type targetState struct {
	t        Target
	instance []byte // instance label reported by the endpoint
	kind     []byte // first line of the exposition, for logging
	scrapes  int
}

// NewManager returns a Manager feeding sink.
func NewManager(sink SampleFunc) *Manager {
	return &Manager{
		sink:    sink,
		client:  &http.Client{Timeout: 10 * time.Second},
		states:  make(map[string]*targetState),
		lastErr: make(map[string]time.Time),
	}
}

// AddTarget registers t and begins scraping it on its interval. It is
// called at start-up and again for every target on each config reload.
func (m *Manager) AddTarget(t Target) {
	m.mu.Lock()
	st := &targetState{t: t}
	m.states[t.Name] = st
	m.mu.Unlock()

	every := t.Every
	if every <= 0 {
		every = 15 * time.Second
	}
	tk := time.NewTicker(every)
	go func(s *targetState) {
		for range tk.C {
			// scrape errors are logged, the loop carries on
			if err := m.scrapeOnce(s); err != nil {
				m.noteErr(s.t.Name, err)
			}
		}
	}(st)
}

// Watch periodically logs targets that have been failing.
func (m *Manager) Watch(ctx context.Context, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tk.C:
			m.mu.Lock()
			for name, at := range m.lastErr {
				if now.Sub(at) > 5*time.Minute {
					delete(m.lastErr, name)
				}
			}
			n := len(m.lastErr)
			m.mu.Unlock()
			if n > 0 {
				log.Printf("scrape: %d targets failing", n)
			}
		}
	}
}

func (m *Manager) noteErr(name string, err error) {
	m.mu.Lock()
	m.lastErr[name] = time.Now()
	m.mu.Unlock()
	log.Printf("scrape %s: %v", name, err)
}
