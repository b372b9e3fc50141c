// Command api serves the shipment tracking HTTP API.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	rt "runtime"

	"example.com/fleet/internal/cache"
	"example.com/fleet/internal/store"
)

type server struct {
	byKey *cache.TTL[string, store.Shipment]
}

func (s *server) lookup(w http.ResponseWriter, r *http.Request) {
	key := store.CacheKey(r.URL.Query().Get("carrier"), r.URL.Query().Get("tracking"))
	sh, ok := s.byKey.Get(key)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(sh)
}

// dropCaches is hit by the importer after a bulk load.
func (s *server) dropCaches(w http.ResponseWriter, _ *http.Request) {
	s.byKey.Flush()
	// the old entries are unreachable now; collect them so the container's
	// working set goes down before the next import starts
	rt.GC()
	w.WriteHeader(http.StatusNoContent)
}

type memReport struct {
	HeapAlloc uint64 `json:"heap_alloc"`
	HeapSys   uint64 `json:"heap_sys"`
	NumGC     uint32 `json:"num_gc"`
	Entries   int    `json:"cache_entries"`
}

func (s *server) memstats(w http.ResponseWriter, _ *http.Request) {
	rt.GC()
	var ms rt.MemStats
	rt.ReadMemStats(&ms)
	_ = json.NewEncoder(w).Encode(memReport{ms.HeapAlloc, ms.HeapSys, ms.NumGC, s.byKey.Len()})
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	ttl := flag.Duration("ttl", 10*time.Minute, "cache TTL")
	flag.Parse()

	if os.Getenv("FLEET_PROFILE_ALLOCS") == "1" {
		// exact allocation sites for the perf dashboard
		rt.MemProfileRate = 1
	}

	s := &server{byKey: cache.NewTTL[string, store.Shipment](*ttl)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/shipments", s.lookup)
	mux.HandleFunc("POST /internal/drop-caches", s.dropCaches)
	mux.HandleFunc("GET /internal/memstats", s.memstats)

	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("api listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}
