package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"example.com/ingestgw/internal/admin"
	"example.com/ingestgw/internal/api"
	"example.com/ingestgw/internal/dedup"
)

type config struct {
	listen      string
	adminAddr   string
	spoolDir    string
	dedupWindow time.Duration
	heapProfile bool
}

func parseFlags() config {
	var c config
	flag.StringVar(&c.listen, "listen", ":8080", "public listen address")
	flag.StringVar(&c.adminAddr, "admin", ":9090", "admin/debug listen address")
	flag.StringVar(&c.spoolDir, "spool", os.TempDir(), "directory for accepted payloads")
	flag.DurationVar(&c.dedupWindow, "dedup-window", 5*time.Minute, "how long request ids are remembered")
	flag.BoolVar(&c.heapProfile, "heap-profile", true, "keep heap profiling enabled")
	flag.Parse()
	return c
}

func main() {
	cfg := parseFlags()
	if !cfg.heapProfile {
		// Profiling is off for this replica; don't pay for sampling.
		runtime.MemProfileRate = 0
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	seen := dedup.New()
	defer seen.Close()

	h := api.NewHandler(api.Options{SpoolDir: cfg.spoolDir, Dedup: seen})

	// Rotate the dedup window for the life of the process.
	go func() {
		t := time.NewTicker(cfg.dedupWindow)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				n := seen.Flush()
				log.Printf("dedup: rotated window, dropped %d ids", n)
			}
		}
	}()

	pub := &http.Server{
		Addr:              cfg.listen,
		Handler:           h.Routes(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	adm := &http.Server{
		Addr:    cfg.adminAddr,
		Handler: admin.Routes(h),
	}

	errc := make(chan error, 2)
	for _, srv := range []*http.Server{pub, adm} {
		srv := srv
		go func() {
			log.Printf("listening on %s", srv.Addr)
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}

	select {
	case <-ctx.Done():
		log.Print("shutting down")
	case err := <-errc:
		log.Printf("server error: %v", err)
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = pub.Shutdown(shutdownCtx)
	_ = adm.Shutdown(shutdownCtx)
}
