// Command pipeline reads order events (one JSON object per line) from the
// landing stream, enriches them with customer reference data, and writes
// partitioned rows for the warehouse loader.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"hash/fnv"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"example.com/etlpipe/internal/memwatch"
	"example.com/etlpipe/internal/reference"
	"example.com/etlpipe/internal/schema"
	"example.com/etlpipe/internal/sink"
	"example.com/etlpipe/internal/transform"
)

func main() {
	partitions := flag.Int("partitions", 16, "number of output partitions")
	flush := flag.Duration("flush", 5*time.Second, "flush interval per partition")
	refPath := flag.String("reference", "/data/reference/customers.tsv", "customer reference export")
	schemaDir := flag.String("schemas", "/etc/etlpipe/schemas", "schema directory")
	profileAllocs := flag.Bool("profile-allocs", false, "sample allocations finely")
	epochRows := flag.Int("epoch-rows", 1_000_000, "rows per output epoch")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	reg := schema.NewRegistry()
	if err := reg.LoadDir(*schemaDir); err != nil {
		log.Fatal(err)
	}
	if _, ok := reg.Columns("orders"); !ok {
		log.Fatal("pipeline: no schema for feed \"orders\"")
	}
	customers, err := reference.Load(*refPath)
	if err != nil {
		log.Fatal(err)
	}
	memwatch.Start(ctx, memwatch.Config{SoftLimit: 1 << 30, ProfileAllocs: *profileAllocs})

	batches := make(chan transform.Batch, *partitions)
	deduped := make(chan transform.Batch, *partitions)
	go transform.Dedupe(batches, "id", deduped)
	go func() {
		defer close(batches)
		readOrders(ctx, customers, *partitions, batches)
	}()

	// Each epoch gets a fresh set of partition files so the loader can pick
	// up finished epochs atomically.
	for epoch := 0; ; epoch++ {
		writers := make([]*sink.PartitionWriter[transform.Row], *partitions)
		files := make([]*os.File, *partitions)
		for p := range writers {
			f, err := os.Create("/data/out/epoch-" + strconv.Itoa(epoch) + "-part-" + strconv.Itoa(p) + ".tsv")
			if err != nil {
				log.Fatal(err)
			}
			files[p] = f
			writers[p] = sink.NewPartitionWriter(strconv.Itoa(p), transform.Encode, f, *flush)
		}
		n := 0
		for b := range deduped {
			for _, r := range b.Rows {
				writers[b.Partition].Write(r)
			}
			if n += len(b.Rows); n >= *epochRows {
				break
			}
		}
		for p, w := range writers {
			if err := w.Flush(); err != nil {
				log.Printf("pipeline: final flush: %v", err)
			}
			files[p].Close()
		}
		if n < *epochRows {
			return // input exhausted
		}
	}
}

// readOrders decodes newline-delimited JSON from stdin and routes each
// enriched row to a partition by customer id.
func readOrders(ctx context.Context, customers reference.Table, partitions int, out chan<- transform.Batch) {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	pending := make([][]transform.Row, partitions)
	for sc.Scan() && ctx.Err() == nil {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			log.Printf("pipeline: skipping bad record: %v", err)
			continue
		}
		row := transform.Flatten(rec)
		id, _ := row["customer.id"].(string)
		if c, ok := customers[id]; ok {
			row["customer.tier"], row["customer.region"] = c.Tier, c.Region
		}
		h := fnv.New32a()
		h.Write([]byte(id))
		p := int(h.Sum32()) % partitions
		if pending[p] = append(pending[p], row); len(pending[p]) == 512 {
			out <- transform.Batch{Partition: p, Rows: pending[p]}
			pending[p] = nil
		}
	}
	for p, rows := range pending {
		if len(rows) > 0 {
			out <- transform.Batch{Partition: p, Rows: rows}
		}
	}
}
