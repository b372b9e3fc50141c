// Package cache is the in-process read-through cache in front of the
// shipments table. One instance per process, shared by all handlers.
package cache

import (
	"sync"
	"time"
)

type item[V any] struct {
	val     V
	expires time.Time
}

// TTL is a map-backed cache with per-entry expiry.
type TTL[K comparable, V any] struct {
	mu    sync.RWMutex
	ttl   time.Duration
	items map[K]item[V]
	hits  uint64
}

func NewTTL[K comparable, V any](ttl time.Duration) *TTL[K, V] {
	return &TTL[K, V]{ttl: ttl, items: make(map[K]item[V])}
}

func (c *TTL[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	it, ok := c.items[k]
	if !ok || time.Now().After(it.expires) {
		var zero V
		return zero, false
	}
	c.hits++
	return it.val, true
}

func (c *TTL[K, V]) Set(k K, v V) {
	c.mu.Lock()
	c.items[k] = item[V]{val: v, expires: time.Now().Add(c.ttl)}
	c.mu.Unlock()
}

// Len reports the number of live and expired entries held.
func (c *TTL[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

// Expire removes entries whose deadline has passed.
func (c *TTL[K, V]) Expire(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, it := range c.items {
		if now.After(it.expires) {
			delete(c.items, k)
			n++
		}
	}
	return n
}

// Flush empties the cache after a bulk import invalidated everything. The
// cache keeps serving afterwards.
func (c *TTL[K, V]) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.items {
		delete(c.items, k)
	}
}
