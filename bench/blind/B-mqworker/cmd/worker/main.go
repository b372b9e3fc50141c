// Command worker consumes order events from the broker and applies them to
// the fulfilment service.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"example.com/mqworker/internal/broker"
	"example.com/mqworker/internal/consumer"
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// fulfilment posts events to the fulfilment service's ingest endpoint.
type fulfilment struct {
	base   string
	client *http.Client
}

func (f *fulfilment) Apply(ctx context.Context, routingKey string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/v1/events/"+routingKey, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("fulfilment: %s", resp.Status)
	}
	return nil
}

// consumeOnce runs one broker session: dial, subscribe, consume until the
// subscription ends.
func consumeOnce(ctx context.Context, addr, queue string, store consumer.Store, window time.Duration, processed, duplicates *int64) error {
	conn, err := broker.Dial(addr, broker.Options{Heartbeat: 10 * time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()

	h := consumer.NewHandler(conn, store, window)
	defer func() {
		atomic.AddInt64(processed, h.Processed())
		atomic.AddInt64(duplicates, h.Duplicates())
	}()
	deliveries, err := conn.Subscribe(ctx, queue)
	if err != nil {
		return err
	}
	if err := h.Run(ctx, queue, deliveries); err != nil && ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("subscription to %s closed", queue)
}

func main() {
	addr := flag.String("broker", envOr("BROKER_ADDR", "localhost:5679"), "broker address")
	queue := flag.String("queue", envOr("QUEUE", "orders"), "queue to consume")
	target := flag.String("fulfilment", envOr("FULFILMENT_URL", "http://fulfilment:8080"), "fulfilment service base URL")
	window, err := time.ParseDuration(envOr("DEDUPE_WINDOW", "10m"))
	if err != nil {
		log.Fatalf("worker: DEDUPE_WINDOW: %v", err)
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store := &fulfilment{base: *target, client: &http.Client{Timeout: 15 * time.Second}}
	var stats struct{ processed, duplicates int64 }

	// Periodic stats line for the log pipeline; lives as long as the process.
	go func() {
		for {
			time.Sleep(time.Minute)
			log.Printf("worker: processed=%d duplicates=%d", atomic.LoadInt64(&stats.processed), atomic.LoadInt64(&stats.duplicates))
		}
	}()

	// The broker drops consumers during rolling upgrades; reconnect with a
	// capped backoff until we are told to stop.
	backoff := time.Second
	for ctx.Err() == nil {
		if err := consumeOnce(ctx, *addr, *queue, store, window, &stats.processed, &stats.duplicates); err != nil {
			log.Printf("worker: %v; reconnecting in %s", err, backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			}
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		backoff = time.Second
	}
	log.Print("worker: shut down")
}
