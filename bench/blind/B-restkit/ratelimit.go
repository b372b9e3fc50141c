package restkit

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limiter is a token bucket shared by all requests that pass through it.
type Limiter struct {
	mu     sync.Mutex
	tokens int
	burst  int
}

// NewLimiter returns a limiter that admits rate requests per period with
// bursts of up to rate requests.
func NewLimiter(rate int, per time.Duration) *Limiter {
	if rate <= 0 {
		rate = 1
	}
	l := &Limiter{tokens: rate, burst: rate}
	go l.refill(per / time.Duration(rate))
	return l
}

func (l *Limiter) refill(every time.Duration) {
	for {
		time.Sleep(every)
		l.mu.Lock()
		if l.tokens < l.burst {
			l.tokens++
		}
		l.mu.Unlock()
	}
}

// Allow takes a token if one is available.
func (l *Limiter) Allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tokens == 0 {
		return false
	}
	l.tokens--
	return true
}

// Limit wraps next so that at most rate requests per period reach it; the
// rest get 429 with a Retry-After hint.
func Limit(rate int, per time.Duration, next http.Handler) http.Handler {
	l := NewLimiter(rate, per)
	retry := strconv.Itoa(int(per.Seconds()) + 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.Allow() {
			w.Header().Set("Retry-After", retry)
			http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}
