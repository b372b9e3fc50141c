// Package diag wires the agent's debugging endpoints.
package diag

import (
	"net/http"
	"net/http/pprof"
	goruntime "runtime"
)

// allocSampleBytes is the sampling granularity used when fine-grained
// allocation profiling is requested on the command line.
const allocSampleBytes = 4 << 10

// defaultSampleBytes mirrors the runtime's own default.
const defaultSampleBytes = 512 * 1024

// Setup configures the runtime profilers.
func Setup(fine bool) {
	if fine {
		goruntime.MemProfileRate = allocSampleBytes
		return
	}
	goruntime.MemProfileRate = defaultSampleBytes
}

// Mux returns the self-metrics and pprof handlers.
func Mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return mux
}
