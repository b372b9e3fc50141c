// Command nodepulse is the per-node metrics agent. It scrapes local
// exporters, aggregates the samples and pushes them upstream.
package main

import (
	"bufio"
	"context"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pulseops/nodepulse/internal/agg"
	"github.com/pulseops/nodepulse/internal/diag"
	"github.com/pulseops/nodepulse/internal/export"
	"github.com/pulseops/nodepulse/internal/scrape"
)

func main() {
	cfgPath := flag.String("config", "/etc/nodepulse/targets.txt", "targets file")
	pushURL := flag.String("push", "", "remote write endpoint")
	listen := flag.String("listen", ":9109", "self-metrics address")
	allocProf := flag.Bool("profile-allocs", false, "fine-grained allocation profiling")
	flag.Parse()

	diag.Setup(*allocProf)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	a := agg.New()
	mgr := scrape.NewManager(a.Ingest)

	load := func() {
		targets, err := readTargets(*cfgPath)
		if err != nil {
			log.Printf("config: %v", err)
			return
		}
		for _, t := range targets {
			mgr.AddTarget(t)
		}
	}
	load()

	// Heartbeat for the liveness probe; lives as long as the process.
	go selfReport(a)

	go mgr.Watch(ctx, 30*time.Second)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			load()
		}
	}()

	pusher := export.NewPusher(*pushURL)
	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				batch := a.Flush()
				if err := pusher.Push(ctx, batch); err != nil {
					log.Printf("push: %v", err)
				}
				a.Compact()
			}
		}
	}()

	srv := &http.Server{Addr: *listen, Handler: diag.Mux(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
	a.Stop()
}

func selfReport(a *agg.Aggregator) {
	for {
		time.Sleep(10 * time.Second)
		log.Printf("nodepulse alive series=%d", a.Len())
	}
}

func readTargets(path string) ([]scrape.Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []scrape.Target
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 3 {
			continue
		}
		d, err := time.ParseDuration(fs[2])
		if err != nil {
			return nil, err
		}
		out = append(out, scrape.Target{Name: fs[0], URL: fs[1], Every: d})
	}
	return out, sc.Err()
}
