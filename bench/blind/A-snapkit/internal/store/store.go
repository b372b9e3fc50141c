// Package store is the snapshot store used by snapd: a directory of
// content-addressed chunk files plus a manifest listing, in order, the
// chunks that make up the current snapshot.
package store

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	rt "runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Store is safe for concurrent use.
type Store struct {
	dir string

	mu sync.RWMutex
	// chunks maps manifest position to chunk id. Large snapshots list
	// several million chunks.
	chunks  map[int]string
	nchunks int
}

// Open opens the store rooted at dir and loads its manifest.
func Open(dir string) (*Store, error) {
	s := &Store{dir: dir, chunks: make(map[int]string)}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Len reports how many chunks the current manifest lists.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nchunks
}

// Chunk returns the id of the chunk at position i.
func (s *Store) Chunk(i int) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.chunks[i]
	return id, ok
}

// Reload re-reads the manifest from disk, replacing the in-memory table.
// snapd calls it whenever a client commits a new snapshot.
func (s *Store) Reload() error {
	f, err := os.Open(filepath.Join(s.dir, "MANIFEST"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()

	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < s.nchunks; i++ {
		delete(s.chunks, i)
	}
	s.nchunks = 0

	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id := strings.TrimSpace(sc.Text())
		if id == "" || strings.HasPrefix(id, "#") {
			continue
		}
		s.chunks[s.nchunks] = id
		s.nchunks++
	}
	return sc.Err()
}

// CompactStats summarises a Compact run.
type CompactStats struct {
	Scanned, Removed int
	Shared           int // chunks referenced more than once
}

// Compact deletes chunk files that the manifest no longer references and
// reports how many chunks are shared between manifest positions.
func (s *Store) Compact() (CompactStats, error) {
	var st CompactStats
	names, err := filepath.Glob(filepath.Join(s.dir, "chunks", "*"))
	if err != nil {
		return st, err
	}

	s.mu.RLock()
	live := make(map[string]struct{}, s.nchunks)
	// Count references per window of manifest positions; the window map is
	// reused for every window instead of being allocated each time.
	const window = 4096
	refs := make(map[string]int, window)
	for start := 0; start < s.nchunks; start += window {
		for id := range refs {
			delete(refs, id)
		}
		for i := start; i < start+window && i < s.nchunks; i++ {
			id := s.chunks[i]
			refs[id]++
			live[id] = struct{}{}
		}
		for _, c := range refs {
			if c > 1 {
				st.Shared++
			}
		}
	}
	s.mu.RUnlock()

	for _, name := range names {
		st.Scanned++
		if _, ok := live[filepath.Base(name)]; ok {
			continue
		}
		if err := os.Remove(name); err != nil {
			return st, fmt.Errorf("compact: %w", err)
		}
		st.Removed++
	}

	// The live set above is as large as the manifest. Collect it now so
	// snapd's resident size goes back down before the next snapshot
	// arrives.
	live = nil
	rt.GC()
	return st, nil
}

// Release drops the in-memory manifest and hands the freed pages back to
// the OS; snapd calls it when it goes idle.
func (s *Store) Release() {
	s.mu.Lock()
	s.chunks = make(map[int]string)
	s.nchunks = 0
	s.mu.Unlock()
	rt.GC()
	debug.FreeOSMemory()
}
