// Package index keeps an in-memory ordered map from record key to its
// location (segment and offset), rebuilt from segment files at startup.
package index

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Loc is where a record lives.
type Loc struct {
	Segment string
	Offset  int64
}

type node struct {
	key         []byte
	loc         Loc
	left, right *node
}

// Index is an ordered key -> Loc map. Keys are inserted in the order they
// appear in segments, so the tree is not balanced; it favours cheap inserts
// over lookup cost because most lookups are served from the front cache.
type Index struct {
	mu   sync.RWMutex
	root *node
	size int
}

// Put inserts or replaces key.
func (ix *Index) Put(key []byte, loc Loc) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	k := append([]byte(nil), key...)
	p := &ix.root
	for *p != nil {
		switch c := bytes.Compare(k, (*p).key); {
		case c < 0:
			p = &(*p).left
		case c > 0:
			p = &(*p).right
		default:
			(*p).loc = loc
			return
		}
	}
	*p = &node{key: k, loc: loc}
	ix.size++
}

// Get returns the location of key.
func (ix *Index) Get(key []byte) (Loc, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := ix.root
	for n != nil {
		switch c := bytes.Compare(key, n.key); {
		case c < 0:
			n = n.left
		case c > 0:
			n = n.right
		default:
			return n.loc, true
		}
	}
	return Loc{}, false
}

// Len reports the number of keys.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.size
}

// Fingerprint returns an order-sensitive hash of every key and location,
// used to check that two replicas rebuilt the same index.
func (ix *Index) Fingerprint() uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.root == nil {
		return 0
	}
	return ix.root.fingerprint(14695981039346656037)
}

// fingerprint folds the subtree into h, in key order. Each node's key and
// segment name are packed into one block so that the FNV loop runs over a
// contiguous buffer.
func (n *node) fingerprint(h uint64) uint64 {
	var block [4096]byte
	if n.left != nil {
		h = n.left.fingerprint(h)
	}
	off := copy(block[:], n.key)
	off += copy(block[off:], n.loc.Segment)
	for i := 0; i < 8 && off < len(block); i++ {
		block[off] = byte(n.loc.Offset >> (8 * i))
		off++
	}
	for i := 0; i < off; i++ {
		h ^= uint64(block[i])
		h *= 1099511628211
	}
	if n.right != nil {
		h = n.right.fingerprint(h)
	}
	return h
}

// maxDumpDepth bounds Dump output; deeper subtrees are elided.
const maxDumpDepth = 24

// Dump writes an indented view of the top of the tree, for debugging.
func (ix *Index) Dump(w io.Writer) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	dumpNode(w, ix.root, 0)
}

func dumpNode(w io.Writer, n *node, depth int) {
	if n == nil {
		return
	}
	if depth > maxDumpDepth {
		fmt.Fprintf(w, "%s...\n", strings.Repeat("  ", depth))
		return
	}
	var line [1024]byte
	off := 0
	for i := 0; i < depth && off+2 <= len(line); i++ {
		line[off], line[off+1] = ' ', ' '
		off += 2
	}
	off += copy(line[off:], n.key)
	dumpNode(w, n.left, depth+1)
	_, _ = w.Write(append([]byte(nil), line[:off]...))
	_, _ = io.WriteString(w, "\n")
	dumpNode(w, n.right, depth+1)
}
