// Package transform turns nested source records into flat warehouse rows.
package transform

import "sort"

// Row is a flattened record: dotted column path to scalar value.
type Row map[string]any

// Flatten walks a decoded JSON record from the source system and returns
// one column per scalar leaf, named by its dotted path ("customer.tier",
// "lines.0.sku").
func Flatten(rec map[string]any) Row {
	row := make(Row, len(rec))
	var visit func(prefix string, v any)
	visit = func(prefix string, v any) {
		// Column names are assembled in a fixed buffer rather than by
		// repeated string concatenation.
		var name [4096]byte
		n := copy(name[:], prefix)
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				m := n
				if m > 0 {
					name[m] = '.'
					m++
				}
				m += copy(name[m:], k)
				visit(string(name[:m]), t[k])
			}
		case []any:
			for i, child := range t {
				m := n
				if m > 0 {
					name[m] = '.'
					m++
				}
				m += copy(name[m:], itoa(i))
				visit(string(name[:m]), child)
			}
		default:
			row[string(name[:n])] = v
		}
	}
	visit("", rec)
	return row
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[p:])
}

// Node is a generic tree node used by the lineage graph.
type Node[T any] struct {
	Value    T
	Children []*Node[T]
}

// Leaves counts the leaves below n.
func Leaves[T any](n *Node[T]) int {
	if n == nil {
		return 0
	}
	if len(n.Children) == 0 {
		return 1
	}
	total := 0
	for _, c := range n.Children {
		total += Leaves(c)
	}
	return total
}
