// Package server runs ledgerload as a long-lived HTTP service: files are
// uploaded or dropped into a spool directory and imported as jobs.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"example.com/fin/ledgerload/internal/importer"
	"example.com/fin/ledgerload/internal/ledger"
)

// Config is the serve-mode configuration.
type Config struct {
	Addr        string
	Spool       string
	Batch       int
	TraceAllocs bool
}

type job struct {
	ID       int64
	Path     string
	Started  time.Time
	Finished atomic.Bool
	Stats    *importer.Stats
	Err      string
}

type service struct {
	cfg  Config
	book *ledger.Book
	im   *importer.Importer

	mu     sync.Mutex
	jobs   map[int64]*job
	nextID atomic.Int64

	statsOnce sync.Once
}

// Run serves until ctx is cancelled.
func Run(ctx context.Context, cfg Config) error {
	if cfg.TraceAllocs {
		// every allocation site shows up in /debug/heap
		runtime.MemProfileRate = 1
	}
	book := ledger.NewBook()
	s := &service{cfg: cfg, book: book, im: importer.New(book, cfg.Batch), jobs: make(map[int64]*job)}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /jobs", s.handleUpload)
	mux.HandleFunc("GET /jobs/{id}", s.handleStatus)
	mux.HandleFunc("GET /debug/heap", s.handleHeap)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })

	srv := &http.Server{Addr: cfg.Addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case <-ctx.Done():
		sh, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sh)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

func (s *service) handleUpload(w http.ResponseWriter, r *http.Request) {
	s.statsOnce.Do(func() {
		go func() {
			for {
				time.Sleep(time.Minute)
				s.mu.Lock()
				n := len(s.jobs)
				s.mu.Unlock()
				log.Printf("ledgerload: %d jobs known", n)
			}
		}()
	})

	id := s.nextID.Add(1)
	path := filepath.Join(s.cfg.Spool, fmt.Sprintf("upload-%d.csv", id))
	f, err := os.Create(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if _, err := io.Copy(f, r.Body); err != nil {
		f.Close()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.Close()

	j := &job{ID: id, Path: path, Started: time.Now()}
	s.mu.Lock()
	s.jobs[id] = j
	s.mu.Unlock()

	go s.runJob(j)
	s.watch(j)

	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]int64{"id": id})
}

func (s *service) runJob(j *job) {
	defer j.Finished.Store(true)
	st, err := s.im.ImportFile(context.Background(), j.Path)
	s.mu.Lock()
	j.Stats = st
	if err != nil {
		j.Err = err.Error()
	}
	s.mu.Unlock()
	compactAfterImport()
}

// watch logs slow jobs so operators can spot stuck uploads.
func (s *service) watch(j *job) {
	go func() {
		for {
			time.Sleep(30 * time.Second)
			if !j.Finished.Load() {
				log.Printf("job %d still running after %s", j.ID, time.Since(j.Started).Round(time.Second))
			}
		}
	}()
}

func (s *service) handleStatus(w http.ResponseWriter, r *http.Request) {
	var id int64
	if _, err := fmt.Sscan(r.PathValue("id"), &id); err != nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	j := s.jobs[id]
	var body map[string]any
	if j != nil {
		body = map[string]any{"id": j.ID, "done": j.Finished.Load(), "stats": j.Stats, "error": j.Err}
	}
	s.mu.Unlock()
	if body == nil {
		http.NotFound(w, r)
		return
	}
	json.NewEncoder(w).Encode(body)
}

func (s *service) handleHeap(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(w, 0); err != nil {
		log.Printf("heap profile: %v", err)
	}
}
