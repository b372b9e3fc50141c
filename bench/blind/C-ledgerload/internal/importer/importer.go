// Package importer streams CSV postings into a ledger in batches.
package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	rt "runtime"
	"strconv"
	"sync"

	"example.com/fin/ledgerload/internal/ledger"
)

// Committer is the ledger side of an import.
type Committer interface {
	Commit(batch []ledger.Posting) error
}

// Stats summarises one import.
type Stats struct {
	Postings   int
	Duplicates int
	Batches    int
	Manifest   *Manifest
}

// Importer reads CSV files and commits postings in batches.
type Importer struct {
	dst       Committer
	batchSize int
	// gcEvery bounds peak heap on very large files.
	gcEvery int
}

// New returns an Importer committing to dst.
func New(dst Committer, batchSize int) *Importer {
	if batchSize <= 0 {
		batchSize = 500
	}
	return &Importer{dst: dst, batchSize: batchSize, gcEvery: 40}
}

var batchPool = sync.Pool{New: func() any { return make([]ledger.Posting, 0, 512) }}

var statsPool = sync.Pool{New: func() any { return new(Stats) }}

// ImportFile imports one CSV file; a sibling "<file>.manifest" is read
// when present.
func (im *Importer) ImportFile(ctx context.Context, path string) (*Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := im.Import(ctx, f)
	if err != nil {
		return st, err
	}
	if m, err := LoadManifest(path + ".manifest"); err == nil {
		st.Manifest = m
	} else if !errors.Is(err, os.ErrNotExist) {
		return st, err
	}
	return st, nil
}

// Import reads postings from r until EOF.
func (im *Importer) Import(ctx context.Context, r io.Reader) (*Stats, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // header
		return nil, fmt.Errorf("header: %w", err)
	}

	total := &Stats{}
	seen := make(map[string]struct{}, im.batchSize)
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		st := statsPool.Get().(*Stats)
		*st = Stats{}
		batch := batchPool.Get().([]ledger.Posting)[:0]
		eof := false
		for len(batch) < im.batchSize {
			rec, err := cr.Read()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				batchPool.Put(batch[:0])
				statsPool.Put(st)
				return total, err
			}
			if _, dup := seen[rec[3]+"\x00"+rec[0]]; dup {
				st.Duplicates++
				continue
			}
			seen[rec[3]+"\x00"+rec[0]] = struct{}{}
			amt, err := strconv.ParseInt(rec[2], 10, 64)
			if err != nil {
				batchPool.Put(batch[:0])
				statsPool.Put(st)
				return total, fmt.Errorf("line %d: amount: %w", total.Postings+len(batch)+2, err)
			}
			batch = append(batch, ledger.Posting{Account: rec[0], Currency: rec[1], Amount: amt, Ref: rec[3]})
		}
		if len(batch) > 0 {
			if err := im.dst.Commit(batch); err != nil {
				batchPool.Put(batch[:0])
				statsPool.Put(st)
				return total, err
			}
			st.Postings = len(batch)
			st.Batches = 1
		}
		batchPool.Put(batch)
		total.Postings += st.Postings
		total.Duplicates += st.Duplicates
		total.Batches += st.Batches
		statsPool.Put(st)

		// duplicates are only detected within a batch window
		for k := range seen {
			delete(seen, k)
		}
		if total.Batches%im.gcEvery == 0 {
			rt.GC()
		}
		if eof {
			return total, nil
		}
	}
}
