// Package schema loads the column schemas that describe each source feed.
//
// A schema file starts with a header line
//
//	etlpipe-schema v2 <feed>
//
// followed by one "column:type" line per column. Files exported from the
// modelling tool also carry the full sample data set after the columns,
// which can run to hundreds of megabytes; only the header and columns are
// used here.
package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

const magicLen = 4

var errNotSchema = errors.New("schema: not an etlpipe schema file")

// Column is one typed column of a feed.
type Column struct {
	Path string
	Type string
}

// Registry holds the schemas of every known feed.
type Registry struct {
	mu      sync.RWMutex
	columns map[string][]Column
	// headers keeps each feed's raw header line for the /schemas endpoint
	// and for version checks when files are reloaded.
	headers map[string][]byte
	magic   map[string][]byte
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{
		columns: make(map[string][]Column),
		headers: make(map[string][]byte),
		magic:   make(map[string][]byte),
	}
}

// LoadDir loads every *.schema file in dir.
func (r *Registry) LoadDir(dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.schema"))
	if err != nil {
		return err
	}
	for _, p := range paths {
		if err := r.loadFile(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

func (r *Registry) loadFile(path string) error {
	magic, err := sniff(path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return errNotSchema
	}
	fields := strings.Fields(string(data[:nl]))
	if len(fields) != 3 {
		return errNotSchema
	}
	feed := fields[2]
	cols := parseColumns(data[nl+1:])

	r.mu.Lock()
	defer r.mu.Unlock()
	r.columns[feed] = cols
	r.headers[feed] = data[:nl]
	r.magic[feed] = magic
	return nil
}

// sniff checks the file's leading bytes before the whole file is read.
func sniff(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hdr := make([]byte, 16)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return nil, errNotSchema
	}
	if !bytes.HasPrefix(hdr, []byte("etlpipe-schema")) {
		return nil, errNotSchema
	}
	return hdr[:magicLen], nil
}

// parseColumns reads "path:type" lines until the first blank line, which
// separates the columns from the embedded sample data.
func parseColumns(b []byte) []Column {
	var cols []Column
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		path, typ, ok := strings.Cut(string(line), ":")
		if !ok {
			continue
		}
		cols = append(cols, Column{Path: path, Type: typ})
	}
	return cols
}

// Columns returns the columns of feed.
func (r *Registry) Columns(feed string) ([]Column, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.columns[feed]
	return c, ok
}

// Header returns the raw header line of feed.
func (r *Registry) Header(feed string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return string(r.headers[feed])
}
