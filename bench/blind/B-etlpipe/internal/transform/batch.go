package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Batch is a slice of flattened rows that leave the pipeline together.
type Batch struct {
	Partition int
	Rows      []Row
}

var encodeBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Encode renders a row as one line of tab-separated "column=value" pairs,
// in column order, as the warehouse loader expects.
func Encode(r Row) []byte {
	buf := encodeBufs.Get().(*bytes.Buffer)
	buf.Reset()
	cols := make([]string, 0, len(r))
	for c := range r {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for i, c := range cols {
		if i > 0 {
			buf.WriteByte('\t')
		}
		fmt.Fprintf(buf, "%s=%v", c, r[c])
	}
	buf.WriteByte('\n')
	line := bytes.Clone(buf.Bytes())
	encodeBufs.Put(buf)
	return line
}

// EncodeJSON renders a row as a JSON object, for the audit sink.
func EncodeJSON(r Row) ([]byte, error) {
	buf := encodeBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer encodeBufs.Put(buf)
	if err := json.NewEncoder(buf).Encode(r); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// Dedupe removes rows whose key column repeats within the same batch,
// keeping the first. Batches arrive continuously, so the lookup table is
// allocated once and cleared between batches.
func Dedupe(in <-chan Batch, key string, out chan<- Batch) {
	seen := make(map[any]struct{}, 4096)
	for b := range in {
		for k := range seen {
			delete(seen, k)
		}
		kept := b.Rows[:0]
		for _, r := range b.Rows {
			id := r[key]
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			kept = append(kept, r)
		}
		b.Rows = kept
		out <- b
	}
	close(out)
}
