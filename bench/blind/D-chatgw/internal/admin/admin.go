// Package admin serves the operator endpoints on the private port.
package admin

import (
	"fmt"
	"net/http"
	"runtime/pprof"
	"strconv"

	rt "runtime"

	"example.com/chatgw/internal/history"
)

type Handler struct {
	hist *history.Store
	keep int
}

func New(h *history.Store, keep int) *Handler { return &Handler{hist: h, keep: keep} }

func (a *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/admin/compact", a.compact)
	mux.HandleFunc("/admin/heap", a.heap)
}

// compact is called by the on-call runbook when a pod nears its memory
// limit: trim the backlog and hand the memory back.
func (a *Handler) compact(w http.ResponseWriter, r *http.Request) {
	keep := a.keep
	if v, err := strconv.Atoi(r.URL.Query().Get("keep")); err == nil && v >= 0 {
		keep = v
	}
	dropped := a.hist.Trim(keep)
	rt.GC() // RSS should fall back now that the backlog is gone
	fmt.Fprintf(w, "dropped %d entries\n", dropped)
}

// heap writes an up-to-date heap profile.
func (a *Handler) heap(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	rt.GC()
	if err := pprof.Lookup("heap").WriteTo(w, 0); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
