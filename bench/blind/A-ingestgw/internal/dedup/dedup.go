// Package dedup remembers recently seen request ids so that retried uploads
// are acknowledged without being spooled twice.
package dedup

import (
	"sync"
	"time"
)

// Set is a concurrency-safe set of request ids for the current window.
// The gateway rotates the window on a timer; between rotations the set holds
// every id that clients sent, which under a retry storm runs into the
// millions.
type Set struct {
	mu      sync.Mutex
	ids     map[string]time.Time
	waiters map[string]chan struct{}
	closed  bool
}

// New returns an empty Set.
func New() *Set {
	return &Set{
		ids:     make(map[string]time.Time),
		waiters: make(map[string]chan struct{}),
	}
}

// Seen records id and reports whether it was already present in the window.
func (s *Set) Seen(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if _, ok := s.ids[id]; ok {
		return true
	}
	s.ids[id] = time.Now()
	return false
}

// Wait returns a channel that is closed when Done(id) is called, letting a
// retried request wait for the original upload to finish.
func (s *Set) Wait(id string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.waiters[id]
	if !ok {
		ch = make(chan struct{})
		s.waiters[id] = ch
	}
	return ch
}

// Done releases anyone waiting on id.
func (s *Set) Done(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.waiters[id]; ok {
		close(ch)
		delete(s.waiters, id)
	}
}

// Len reports the number of ids in the current window.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

// Flush starts a new window and returns how many ids were dropped.
func (s *Set) Flush() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.ids)
	for id := range s.ids {
		delete(s.ids, id)
	}
	return n
}

// Close releases all waiters and empties the set. The Set must not be used
// afterwards.
func (s *Set) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for id, ch := range s.waiters {
		close(ch)
		delete(s.waiters, id)
	}
	for id := range s.ids {
		delete(s.ids, id)
	}
}
