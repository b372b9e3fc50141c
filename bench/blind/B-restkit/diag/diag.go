// Package diag provides operator endpoints for services built on restkit:
// a live-heap snapshot and a switch for allocation sampling.
//
// Mount it on an internal listener only:
//
//	go http.ListenAndServe("127.0.0.1:6061", diag.Handler())
package diag

import (
	"fmt"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strconv"
)

// Handler returns a mux with the diagnostic endpoints.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/diag/heap", heapSnapshot)
	mux.HandleFunc("/diag/sampling", sampling)
	return mux
}

// heapSnapshot writes a heap profile of live objects only. A collection
// first makes the in-use figures current instead of as of the last cycle.
func heapSnapshot(w http.ResponseWriter, r *http.Request) {
	debugLevel, _ := strconv.Atoi(r.URL.Query().Get("debug"))
	runtime.GC()
	w.Header().Set("Content-Type", "application/octet-stream")
	if err := pprof.Lookup("heap").WriteTo(w, debugLevel); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// sampling turns allocation profiling off (?off=1) or back on at the
// runtime's default rate (?off=0), and reports the current rate.
func sampling(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Query().Get("off") {
	case "1", "true":
		runtime.MemProfileRate = 0
	case "0", "false":
		runtime.MemProfileRate = 512 * 1024
	}
	fmt.Fprintf(w, "MemProfileRate=%d\n", runtime.MemProfileRate)
}
