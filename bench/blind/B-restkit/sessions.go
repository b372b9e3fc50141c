package restkit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// ErrStoreClosed is returned by a Store after Close.
var ErrStoreClosed = errors.New("restkit: session store closed")

type session struct {
	values  map[string]string
	expires time.Time
}

// Store keeps server-side sessions in memory.
type Store struct {
	mu       sync.Mutex
	ttl      time.Duration
	sessions map[string]*session
	closed   bool
}

var (
	storesMu sync.Mutex
	stores   []*Store

	sweeperOnce sync.Once
)

// NewStore returns a session store whose sessions expire after ttl of
// inactivity. Expired sessions are swept by a single background sweeper
// shared by every store in the process.
func NewStore(ttl time.Duration) *Store {
	s := &Store{ttl: ttl, sessions: make(map[string]*session)}
	storesMu.Lock()
	stores = append(stores, s)
	storesMu.Unlock()
	sweeperOnce.Do(func() {
		go func() {
			for {
				time.Sleep(30 * time.Second)
				sweepAll(time.Now())
			}
		}()
	})
	return s
}

func sweepAll(now time.Time) {
	storesMu.Lock()
	live := append([]*Store(nil), stores...)
	storesMu.Unlock()
	for _, s := range live {
		s.expire(now)
	}
}

func (s *Store) expire(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.sessions {
		if now.After(sess.expires) {
			delete(s.sessions, id)
		}
	}
}

// Create starts a new session and returns its id.
func (s *Store) Create() (string, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrStoreClosed
	}
	s.sessions[id] = &session{values: map[string]string{}, expires: time.Now().Add(s.ttl)}
	return id, nil
}

// Close discards every session and detaches the store from the sweeper.
func (s *Store) Close() error {
	s.mu.Lock()
	for id := range s.sessions {
		delete(s.sessions, id)
	}
	s.closed = true
	s.mu.Unlock()

	storesMu.Lock()
	defer storesMu.Unlock()
	for i, other := range stores {
		if other == s {
			stores = append(stores[:i], stores[i+1:]...)
			break
		}
	}
	return nil
}
