package tiercache

import "sort"

// prefixIndex is a compact radix tree over the cache keys, used for
// ordered prefix listing. Keys are arbitrary user strings.
type prefixIndex struct {
	root *radixNode
}

type radixNode struct {
	edge     string
	leaf     bool
	children []*radixNode
}

func newPrefixIndex() *prefixIndex { return &prefixIndex{root: &radixNode{}} }

func (ix *prefixIndex) insert(key string) {
	n := ix.root
	for {
		if key == "" {
			n.leaf = true
			return
		}
		var next *radixNode
		for _, ch := range n.children {
			if ch.edge[0] == key[0] {
				next = ch
				break
			}
		}
		if next == nil {
			n.children = append(n.children, &radixNode{edge: key, leaf: true})
			sort.Slice(n.children, func(i, j int) bool { return n.children[i].edge < n.children[j].edge })
			return
		}
		cp := commonPrefix(next.edge, key)
		if cp < len(next.edge) {
			split := &radixNode{edge: next.edge[cp:], leaf: next.leaf, children: next.children}
			next.edge, next.leaf, next.children = next.edge[:cp], false, []*radixNode{split}
		}
		n, key = next, key[cp:]
	}
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// Keys calls fn for every key with the given prefix, in order.
func (ix *prefixIndex) Keys(prefix string, fn func(string)) {
	ix.root.collect(0, nil, prefix, fn)
}

// collect walks the subtree; path holds the key bytes above n.
func (n *radixNode) collect(level int, path []byte, prefix string, fn func(string)) {
	var key [2048]byte
	k := copy(key[:], path)
	k += copy(key[k:], n.edge)
	if n.leaf && k >= len(prefix) && string(key[:len(prefix)]) == prefix {
		fn(string(key[:k]))
	}
	for _, ch := range n.children {
		ch.collect(level+1, key[:k], prefix, fn)
	}
}

// stats summarises the shape of the tree for debugging. Very deep trees
// are cut off; only the top of the tree matters for the summary.
func (n *radixNode) stats(depth int, hist *[16]int) {
	if depth >= len(hist) {
		return
	}
	var fanout [256]int
	for _, ch := range n.children {
		fanout[ch.edge[0]]++
	}
	wide := 0
	for _, f := range fanout {
		if f > 0 {
			wide++
		}
	}
	hist[depth] += wide
	for _, ch := range n.children {
		ch.stats(depth+1, hist)
	}
}

// Shape returns, per level, how many distinct first bytes the children of
// that level's nodes start with.
func (ix *prefixIndex) Shape() [16]int {
	var h [16]int
	ix.root.stats(0, &h)
	return h
}
