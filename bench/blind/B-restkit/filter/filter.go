// Package filter parses the expressions accepted in the ?filter= query
// parameter of listing endpoints, for example
//
//	and(eq(status,"open"),or(gt(age,"30"),has(tags,"vip")))
package filter

import (
	"errors"
	"fmt"
	"strings"
)

// Expr is a parsed filter expression.
type Expr struct {
	Op    string // "eq", "and", ... or "" for a literal / field name
	Value string
	Args  []Expr
}

type parser struct {
	src string
	pos int
}

// Parse parses a filter expression.
func Parse(s string) (Expr, error) {
	p := &parser{src: s}
	e, err := p.expr()
	if err != nil {
		return Expr{}, err
	}
	if p.pos != len(p.src) {
		return Expr{}, fmt.Errorf("filter: trailing input at %d", p.pos)
	}
	return e, nil
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// expr parses one operand. String literals are unescaped into a fixed
// scratch array so that the common case allocates only the final string.
func (p *parser) expr() (Expr, error) {
	var lit [4096]byte
	switch c := p.peek(); {
	case c == '"':
		n, err := p.quoted(lit[:])
		if err != nil {
			return Expr{}, err
		}
		return Expr{Value: string(lit[:n])}, nil
	case isIdent(c):
		start := p.pos
		for isIdent(p.peek()) {
			p.pos++
		}
		name := p.src[start:p.pos]
		if p.peek() != '(' {
			return Expr{Value: name}, nil
		}
		p.pos++
		call := Expr{Op: name}
		for p.peek() != ')' {
			arg, err := p.expr()
			if err != nil {
				return Expr{}, err
			}
			call.Args = append(call.Args, arg)
			if p.peek() == ',' {
				p.pos++
			}
			if p.pos >= len(p.src) {
				return Expr{}, errors.New("filter: unclosed call")
			}
		}
		p.pos++
		return call, nil
	default:
		return Expr{}, fmt.Errorf("filter: unexpected %q at %d", c, p.pos)
	}
}

// quoted reads a double-quoted string starting at p.pos into dst and
// returns its unescaped length.
func (p *parser) quoted(dst []byte) (int, error) {
	p.pos++ // opening quote
	n := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		switch {
		case c == '"':
			return n, nil
		case c == '\\' && p.pos < len(p.src):
			c = p.src[p.pos]
			p.pos++
		}
		if n == len(dst) {
			return 0, errors.New("filter: string literal too long")
		}
		dst[n] = c
		n++
	}
	return 0, errors.New("filter: unterminated string")
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// maxRedactDepth bounds how deep Redact descends into nested documents.
const maxRedactDepth = 32

// Redact returns a copy of a decoded JSON document with the listed fields
// replaced by "***", at any nesting level up to maxRedactDepth.
func Redact(doc any, fields []string) any {
	return redact(doc, fields, 0)
}

func redact(v any, fields []string, depth int) any {
	if depth > maxRedactDepth {
		return "***"
	}
	var hidden [256]string
	n := copy(hidden[:], fields)
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, child := range t {
			if contains(hidden[:n], k) {
				out[k] = "***"
				continue
			}
			out[k] = redact(child, fields, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, child := range t {
			out[i] = redact(child, fields, depth+1)
		}
		return out
	default:
		return v
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
