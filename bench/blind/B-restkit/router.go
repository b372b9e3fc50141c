// Package restkit is a small toolkit for JSON HTTP APIs: a method-aware
// router with path parameters, response helpers, rate limiting and
// server-side sessions.
package restkit

import (
	"context"
	"net/http"
	"strings"
	"sync"
)

type paramsKey struct{}

// Params returns the path parameters matched for r.
func Params(r *http.Request) map[string]string {
	p, _ := r.Context().Value(paramsKey{}).(map[string]string)
	return p
}

type route struct {
	method   string
	segments []string
	handler  http.Handler
}

// Router dispatches requests to handlers registered with Handle.
type Router struct {
	mu     sync.RWMutex
	routes []*route

	// recent remembers the route matched for the previous request: API
	// traffic is bursty and usually hits the same endpoint many times in a
	// row, so checking it first skips the table scan.
	recent sync.Pool

	NotFound http.Handler
}

// New returns an empty Router.
func New() *Router {
	return &Router{NotFound: http.NotFoundHandler()}
}

// Handle registers h for method and pattern. Pattern segments that start
// with ':' match any single path segment and are exposed through Params.
func (rt *Router) Handle(method, pattern string, h http.Handler) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.routes = append(rt.routes, &route{
		method:   method,
		segments: splitPath(pattern),
		handler:  h,
	})
}

// HandleFunc is Handle for plain functions.
func (rt *Router) HandleFunc(method, pattern string, f func(http.ResponseWriter, *http.Request)) {
	rt.Handle(method, pattern, http.HandlerFunc(f))
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

func (r *route) match(method string, segs []string) (map[string]string, bool) {
	if r.method != method || len(r.segments) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range r.segments {
		if strings.HasPrefix(s, ":") {
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[s[1:]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func (rt *Router) lookup(method string, segs []string) (*route, map[string]string) {
	if prev, ok := rt.recent.Get().(*route); ok {
		if params, hit := prev.match(method, segs); hit {
			return prev, params
		}
	}
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	for _, r := range rt.routes {
		if params, ok := r.match(method, segs); ok {
			rt.recent.Put(r)
			return r, params
		}
	}
	return nil, nil
}

// ServeHTTP implements http.Handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r, params := rt.lookup(req.Method, splitPath(req.URL.Path))
	if r == nil {
		rt.NotFound.ServeHTTP(w, req)
		return
	}
	if params != nil {
		req = req.WithContext(context.WithValue(req.Context(), paramsKey{}, params))
	}
	r.handler.ServeHTTP(w, req)
}
