// Package ledger holds an in-memory chart of accounts with postings.
package ledger

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

const maxCurrencies = 512

// Posting is one leg of a transaction, amounts in minor units.
type Posting struct {
	Account  string
	Currency string
	Amount   int64
	Ref      string
}

// Account is a node in the colon-separated account hierarchy.
type Account struct {
	Name     string
	own      map[int]int64
	total    []int64
	children map[string]*Account
}

// Book is the chart of accounts.
type Book struct {
	mu    sync.Mutex
	root  *Account
	curID map[string]int
	curs  []string
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{root: newAccount(""), curID: make(map[string]int)}
}

func newAccount(name string) *Account {
	return &Account{Name: name, own: make(map[int]int64), children: make(map[string]*Account)}
}

// Commit applies a batch of postings atomically.
func (b *Book) Commit(batch []Posting) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range batch {
		id, ok := b.curID[p.Currency]
		if !ok {
			if len(b.curs) == maxCurrencies {
				return fmt.Errorf("ledger: too many currencies")
			}
			id = len(b.curs)
			b.curID[p.Currency] = id
			b.curs = append(b.curs, p.Currency)
		}
		a := b.root
		for _, seg := range strings.Split(p.Account, ":") {
			ch := a.children[seg]
			if ch == nil {
				ch = newAccount(seg)
				a.children[seg] = ch
			}
			a = ch
		}
		a.own[id] += p.Amount
	}
	b.rollup(b.root)
	return nil
}

// rollup recomputes subtree totals bottom-up.
func (b *Book) rollup(a *Account) {
	var totals [maxCurrencies]int64
	for cur, v := range a.own {
		totals[cur] += v
	}
	for _, ch := range a.children {
		b.rollup(ch)
		for i, v := range ch.total {
			totals[i] += v
		}
	}
	a.total = append(a.total[:0], totals[:len(b.curs)]...)
}

// Render writes the account tree with totals.
func (b *Book) Render(w io.Writer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, name := range sortedKeys(b.root.children) {
		b.render(w, b.root.children[name], 0)
	}
}

func (b *Book) render(w io.Writer, a *Account, indent int) {
	var line [4096]byte
	n := copy(line[:], strings.Repeat("  ", indent))
	n += copy(line[n:], a.Name)
	for i, v := range a.total {
		if v != 0 {
			n += copy(line[n:], fmt.Sprintf("  %s %d", b.curs[i], v))
		}
	}
	if n < len(line) {
		line[n] = '\n'
		n++
	}
	w.Write(line[:n])
	for _, name := range sortedKeys(a.children) {
		b.render(w, a.children[name], indent+1)
	}
}

func sortedKeys(m map[string]*Account) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
