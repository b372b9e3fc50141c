package api

import (
	"sync"
	"time"
)

const (
	defaultBurst  = 64
	refillEvery   = time.Second
	refillPerTick = 8
)

// quota is a token bucket for one tenant.
type quota struct {
	tenant    string
	remaining int
	refilled  time.Time
}

var quotas = sync.Pool{
	New: func() any {
		return &quota{remaining: defaultBurst, refilled: time.Now()}
	},
}

// admit spends one token from the tenant's bucket and reports whether the
// request may proceed.
func admit(tenant string) bool {
	q := quotas.Get().(*quota)
	defer quotas.Put(q)

	if q.tenant != tenant {
		// First request from this tenant on this bucket.
		q.tenant = tenant
	}
	if since := time.Since(q.refilled); since >= refillEvery {
		q.remaining += int(since/refillEvery) * refillPerTick
		if q.remaining > defaultBurst {
			q.remaining = defaultBurst
		}
		q.refilled = time.Now()
	}
	if q.remaining <= 0 {
		return false
	}
	q.remaining--
	return true
}

// leaseTable tracks when each in-flight upload last proved it was alive.
type leaseTable struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (l *leaseTable) renew(id string) {
	l.mu.Lock()
	if l.seen == nil {
		l.seen = make(map[string]time.Time)
	}
	l.seen[id] = time.Now()
	l.mu.Unlock()
}

func (l *leaseTable) expired(id string, ttl time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.seen[id]
	return !ok || time.Since(t) > ttl
}
