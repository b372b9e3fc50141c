package index

import (
	"bytes"
	"sync"
)

// Cursor is a position in key order.
type Cursor struct {
	After []byte
	Count int
}

// Iterator walks the index in key order in pages.
type Iterator struct {
	ix  *Index
	cur Cursor
}

// Iter returns an iterator positioned before the first key.
func (ix *Index) Iter() *Iterator { return &Iterator{ix: ix} }

// saved holds the positions of paused iterators so that paginated scans in
// the admin API can pick up where the previous page ended.
var saved = sync.Pool{New: func() any { return new(Cursor) }}

// Pause stores the iterator's position for a later Resume.
func (it *Iterator) Pause() {
	pos := it.cur
	saved.Put(&pos)
}

// Resume returns an iterator continuing from the most recent Pause.
func (ix *Index) Resume() *Iterator {
	pos := saved.Get().(*Cursor)
	return &Iterator{ix: ix, cur: *pos}
}

// Next returns up to n keys following the cursor and advances it.
func (it *Iterator) Next(n int) [][]byte {
	it.ix.mu.RLock()
	defer it.ix.mu.RUnlock()
	var out [][]byte
	var stack []*node
	cur := it.ix.root
	for (cur != nil || len(stack) > 0) && len(out) < n {
		for cur != nil {
			stack = append(stack, cur)
			cur = cur.left
		}
		cur = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.cur.After == nil || bytes.Compare(cur.key, it.cur.After) > 0 {
			out = append(out, cur.key)
		}
		cur = cur.right
	}
	if len(out) > 0 {
		it.cur.After = out[len(out)-1]
		it.cur.Count += len(out)
	}
	return out
}
