// Package tiercache is a generic in-process cache with TTL expiry.
package tiercache

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Cache.
type Options struct {
	TTL         time.Duration
	SweepEvery  time.Duration
	MaxEntries  int
	OnEvict     func(key string)
	DisableIdx  bool
	initialSize int
}

type entry[V any] struct {
	val     V
	expires time.Time
}

// Cache maps string-like keys to values of type V.
type Cache[K ~string, V any] struct {
	mu     sync.RWMutex
	opts   Options
	items  map[K]entry[V]
	idx    *prefixIndex
	closed bool
	hits   atomic.Uint64
	misses atomic.Uint64
}

// New returns a cache and starts its background sweeper.
func New[K ~string, V any](opts Options) *Cache[K, V] {
	c := newCache[K, V](opts)
	every := c.sweepInterval()
	go c.janitor(every)
	return c
}

// NewWithContext is like New but the sweeper stops when ctx is done.
func NewWithContext[K ~string, V any](ctx context.Context, opts Options) *Cache[K, V] {
	c := newCache[K, V](opts)
	go func() {
		tk := time.NewTicker(c.sweepInterval())
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				c.expire(time.Now())
			case <-ctx.Done():
				return
			}
		}
	}()
	return c
}

func newCache[K ~string, V any](opts Options) *Cache[K, V] {
	n := opts.initialSize
	if n == 0 {
		n = 64
	}
	c := &Cache[K, V]{opts: opts, items: make(map[K]entry[V], n)}
	if !opts.DisableIdx {
		c.idx = newPrefixIndex()
	}
	return c
}

func (c *Cache[K, V]) sweepInterval() time.Duration {
	if c.opts.SweepEvery > 0 {
		return c.opts.SweepEvery
	}
	return time.Minute
}

// janitor expires entries on a fixed beat.
func (c *Cache[K, V]) janitor(every time.Duration) {
	beat := time.NewTicker(every)
	for now := range beat.C {
		c.expire(now)
	}
}

func (c *Cache[K, V]) expire(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.items {
		if !e.expires.IsZero() && now.After(e.expires) {
			delete(c.items, k)
			if c.opts.OnEvict != nil {
				c.opts.OnEvict(string(k))
			}
		}
	}
}

// Set stores v under k.
func (c *Cache[K, V]) Set(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var exp time.Time
	if c.opts.TTL > 0 {
		exp = time.Now().Add(c.opts.TTL)
	}
	c.items[k] = entry[V]{val: v, expires: exp}
	if c.idx != nil {
		c.idx.insert(string(k))
	}
}

// Get returns the value for k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	e, ok := c.items[k]
	c.mu.RUnlock()
	if !ok || (!e.expires.IsZero() && time.Now().After(e.expires)) {
		var zero V
		c.misses.Add(1)
		return zero, false
	}
	c.hits.Add(1)
	return e.val, true
}

// Len reports the number of entries, expired or not.
func (c *Cache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

// InvalidatePrefix drops every key starting with prefix.
func (c *Cache[K, V]) InvalidatePrefix(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k := range c.items {
		if strings.HasPrefix(string(k), prefix) {
			delete(c.items, k)
			n++
		}
	}
	return n
}

// Purge removes every entry. The cache stays usable; callers use it on
// deploys and when upstream data is known to be stale.
func (c *Cache[K, V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.items {
		delete(c.items, k)
	}
	if c.idx != nil {
		c.idx = newPrefixIndex()
	}
}

// Shrink drops all entries and gives the memory back; use it after a
// large one-off load when the working set is known to be small.
func (c *Cache[K, V]) Shrink() {
	c.mu.Lock()
	c.items = make(map[K]entry[V])
	c.idx = newPrefixIndex()
	c.mu.Unlock()
	runtime.GC()
}

// Close releases the cache. It must not be used afterwards.
func (c *Cache[K, V]) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for k := range c.items {
		delete(c.items, k)
	}
	c.idx = nil
}

// KeysWithPrefix returns the indexed keys starting with prefix, in order.
func (c *Cache[K, V]) KeysWithPrefix(prefix string) []K {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.idx == nil {
		return nil
	}
	var out []K
	c.idx.Keys(prefix, func(k string) {
		if _, ok := c.items[K(k)]; ok {
			out = append(out, K(k))
		}
	})
	return out
}

// IndexShape reports the fan-out of the top levels of the key index.
func (c *Cache[K, V]) IndexShape() [16]int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.idx == nil {
		return [16]int{}
	}
	return c.idx.Shape()
}
