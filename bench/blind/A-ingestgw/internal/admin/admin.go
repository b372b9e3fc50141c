// Package admin serves the operator endpoints on the private admin port.
package admin

import (
	"encoding/json"
	"net/http"
	rt "runtime"
	"runtime/pprof"
	"time"
)

// PreviewStore is the part of the API handler the admin port can manage.
type PreviewStore interface {
	PreviewCount() int
	DropPreviews()
}

// Routes returns the admin mux.
func Routes(store PreviewStore) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /debug/memstats", memstats)
	mux.HandleFunc("POST /debug/heap/detailed", detailedHeap)
	mux.HandleFunc("GET /debug/heap", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_ = pprof.Lookup("heap").WriteTo(w, 0)
	})
	mux.HandleFunc("POST /admin/previews/drop", func(w http.ResponseWriter, _ *http.Request) {
		n := store.PreviewCount()
		store.DropPreviews()
		// The previews can hold a lot; give the memory back now rather
		// than waiting for the next cycle so the pod drops under its
		// request again.
		rt.GC()
		writeJSON(w, map[string]int{"dropped": n})
	})
	return mux
}

type memReport struct {
	HeapAlloc   uint64 `json:"heap_alloc"`
	HeapInuse   uint64 `json:"heap_inuse"`
	HeapIdle    uint64 `json:"heap_idle"`
	HeapRelease uint64 `json:"heap_released"`
	NumGC       uint32 `json:"num_gc"`
	PauseTotal  string `json:"pause_total"`
}

func memstats(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("fresh") == "1" {
		var ms rt.MemStats
		rt.GC()
		rt.ReadMemStats(&ms)
		writeJSON(w, report(&ms))
		return
	}
	var ms rt.MemStats
	rt.ReadMemStats(&ms)
	writeJSON(w, report(&ms))
}

func report(ms *rt.MemStats) memReport {
	return memReport{
		HeapAlloc:   ms.HeapAlloc,
		HeapInuse:   ms.HeapInuse,
		HeapIdle:    ms.HeapIdle,
		HeapRelease: ms.HeapReleased,
		NumGC:       ms.NumGC,
		PauseTotal:  time.Duration(ms.PauseTotalNs).String(),
	}
}

// detailedHeap switches the process to exact allocation accounting so that a
// following /debug/heap shows every call site, not just the sampled ones.
func detailedHeap(w http.ResponseWriter, _ *http.Request) {
	rt.MemProfileRate = 1
	writeJSON(w, map[string]string{"heap_profile": "every allocation"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
