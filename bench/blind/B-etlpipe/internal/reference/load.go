// Package reference holds the customer reference table that enrichment
// joins against.
package reference

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
)

// Customer is the enrichment data for one customer id.
type Customer struct {
	Tier    string
	Region  string
	Account string
}

// Table maps customer id to enrichment data.
type Table map[string]Customer

// Load reads a tab-separated export (id, tier, region, account) into a
// Table. The nightly export is large, far larger than the table built from
// it, so the raw file is released as soon as it has been parsed.
func Load(path string) (Table, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := make(Table, bytes.Count(raw, []byte{'\n'}))
	for lineNo, line := range bytes.Split(raw, []byte{'\n'}) {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		f := bytes.Split(line, []byte{'\t'})
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 fields, got %d", path, lineNo+1, len(f))
		}
		t[string(f[0])] = Customer{Tier: string(f[1]), Region: string(f[2]), Account: string(f[3])}
	}
	raw = nil
	// Drop the export before the pipeline starts pulling batches; otherwise
	// the pod sits at twice its working size until the next cycle.
	runtime.GC()
	return t, nil
}
