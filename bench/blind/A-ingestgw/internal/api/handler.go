// Package api implements the public HTTP surface of the ingest gateway.
package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"example.com/ingestgw/internal/dedup"
)

const (
	maxBody         = 32 << 20
	previewLen      = 256
	leaseRenewEvery = 15 * time.Second
	leaseTTL        = time.Minute
)

var gzipMagic = []byte{0x1f, 0x8b}

// Options configures a Handler.
type Options struct {
	SpoolDir string
	Dedup    *dedup.Set
}

// Handler serves the ingest API. It is safe for concurrent use.
type Handler struct {
	opts   Options
	leases leaseTable

	mu       sync.RWMutex
	previews map[string][]byte // upload id -> first bytes, shown by /status
	accepted map[string]time.Time
}

// NewHandler returns a Handler writing accepted payloads under opts.SpoolDir.
func NewHandler(opts Options) *Handler {
	return &Handler{
		opts:     opts,
		previews: make(map[string][]byte),
		accepted: make(map[string]time.Time),
	}
}

// Routes returns the public mux.
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/ingest", h.ingest)
	mux.HandleFunc("GET /v1/ingest/{id}/status", h.status)
	mux.HandleFunc("GET /v1/ingest/{id}/watch", h.watch)
	return mux
}

// PreviewCount reports how many previews are held; used by the admin API.
func (h *Handler) PreviewCount() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.previews)
}

// DropPreviews forgets all stored previews.
func (h *Handler) DropPreviews() {
	h.mu.Lock()
	h.previews = make(map[string][]byte)
	h.mu.Unlock()
}

func (h *Handler) ingest(w http.ResponseWriter, r *http.Request) {
	tenant := r.Header.Get("X-Tenant")
	if tenant == "" {
		writeError(w, http.StatusBadRequest, "missing X-Tenant")
		return
	}
	if !admit(tenant) {
		writeError(w, http.StatusTooManyRequests, "quota exceeded")
		return
	}

	reqID := r.Header.Get("Idempotency-Key")
	if reqID != "" && h.opts.Dedup.Seen(reqID) {
		<-h.opts.Dedup.Wait(reqID)
		writeJSON(w, http.StatusOK, map[string]string{"id": reqID, "state": "duplicate"})
		return
	}
	if reqID != "" {
		defer h.opts.Dedup.Done(reqID)
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	}

	// Refuse compressed uploads; the archive tier wants raw records.
	if len(body) >= 2 {
		if head := body[:2]; bytes.Equal(head, gzipMagic) {
			writeError(w, http.StatusUnsupportedMediaType, "gzip payloads are not accepted")
			return
		}
	}

	sum := sha256.Sum256(body)
	id := hex.EncodeToString(sum[:12])
	if err := os.WriteFile(filepath.Join(h.opts.SpoolDir, id+".payload"), body, 0o600); err != nil {
		writeError(w, http.StatusInternalServerError, "spool: "+err.Error())
		return
	}

	n := len(body)
	if n > previewLen {
		n = previewLen
	}
	h.mu.Lock()
	h.previews[id] = body[:n]
	h.accepted[id] = time.Now()
	h.mu.Unlock()

	writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "bytes": len(body)})
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.mu.RLock()
	preview, ok := h.previews[id]
	at := h.accepted[id]
	h.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "unknown upload "+id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":       id,
		"accepted": at.UTC().Format(time.RFC3339),
		"preview":  fmt.Sprintf("%q", preview),
		"live":     !h.leases.expired(id, leaseTTL),
	})
}

// watch long-polls until the worker has picked up the upload (its spool file
// is gone) or the client goes away.
func (h *Handler) watch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	path := filepath.Join(h.opts.SpoolDir, id+".payload")

	// Keep the lease fresh while somebody is watching, so the janitor doesn't
	// treat the upload as abandoned.
	go func() {
		renew := time.NewTicker(leaseRenewEvery)
		for range renew.C {
			h.leases.renew(id)
		}
	}()

	poll := time.NewTicker(500 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-poll.C:
			if _, err := os.Stat(path); os.IsNotExist(err) {
				writeJSON(w, http.StatusOK, map[string]string{"id": id, "state": "forwarded"})
				return
			}
		}
	}
}
