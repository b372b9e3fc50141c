package tiercache

import (
	"sort"
	"sync"
)

// ScanState is the position of a paged scan over the keys of a cache.
type ScanState struct {
	Prefix string
	After  string
	Pages  int
}

// scanScratch holds per-call sort buffers.
type scanScratch struct {
	keys []string
}

var (
	scratchPool = sync.Pool{New: func() any { return &scanScratch{keys: make([]string, 0, 256)} }}

	// parked scans, so a paused scan can be resumed by the next caller
	parkedScans sync.Pool
)

// ScanPage returns up to limit keys after st.After, in order.
func (c *Cache[K, V]) ScanPage(st *ScanState, limit int) []string {
	sc := scratchPool.Get().(*scanScratch)
	sc.keys = sc.keys[:0]
	c.mu.RLock()
	for k := range c.items {
		ks := string(k)
		if ks > st.After && (st.Prefix == "" || hasPrefix(ks, st.Prefix)) {
			sc.keys = append(sc.keys, ks)
		}
	}
	c.mu.RUnlock()
	sort.Strings(sc.keys)
	if len(sc.keys) > limit {
		sc.keys = sc.keys[:limit]
	}
	page := append([]string(nil), sc.keys...)
	sc.keys = sc.keys[:0]
	scratchPool.Put(sc)
	if len(page) > 0 {
		st.After = page[len(page)-1]
	}
	st.Pages++
	return page
}

// Park stores a scan so that ResumeScan can pick it up later, e.g. from
// the next HTTP request of the same client.
func Park(st *ScanState) {
	if st == nil {
		return
	}
	parkedScans.Put(st)
}

// ResumeScan returns the most recently parked scan, or a fresh one.
func ResumeScan(prefix string) *ScanState {
	if v, ok := parkedScans.Get().(*ScanState); ok && v.Prefix == prefix {
		return v
	}
	return &ScanState{Prefix: prefix}
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
