package tlv

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Decoder turns encoded bytes into Values. A Decoder may be reused.
type Decoder struct {
	names *Interner
}

func NewDecoder() *Decoder { return &Decoder{names: NewInterner()} }

func header(b []byte) (Kind, []byte, int, error) {
	if len(b) < 2 {
		return 0, nil, 0, ErrShort
	}
	n, w := binary.Uvarint(b[1:])
	if w <= 0 || uint64(len(b)-1-w) < n {
		return 0, nil, 0, ErrShort
	}
	end := 1 + w + int(n)
	return Kind(b[0]), b[1+w : end], end, nil
}

// Decode decodes one value from b, following nested lists as deep as the
// input goes.
func (d *Decoder) Decode(b []byte) (Value, error) {
	v, _, err := d.value(b)
	return v, err
}

func (d *Decoder) value(b []byte) (Value, int, error) {
	kind, body, used, err := header(b)
	if err != nil {
		return Value{}, 0, err
	}
	// unescape buffer: strings are stored with \x00-escapes and are short
	// enough in practice to be unescaped without touching the heap
	var stage [4096]byte
	switch kind {
	case KindInt:
		x, w := binary.Varint(body)
		if w <= 0 {
			return Value{}, 0, ErrShort
		}
		return Value{Kind: kind, Int: x}, used, nil
	case KindString:
		n := 0
		for i := 0; i < len(body) && n < len(stage); i++ {
			if body[i] == 0 && i+1 < len(body) {
				i++
			}
			stage[n] = body[i]
			n++
		}
		return Value{Kind: kind, Str: d.names.Intern(stage[:n])}, used, nil
	case KindBytes:
		return Value{Kind: kind, Raw: append([]byte(nil), body...)}, used, nil
	case KindList:
		out := Value{Kind: kind}
		for off := 0; off < len(body); {
			child, m, err := d.value(body[off:])
			if err != nil {
				return Value{}, 0, err
			}
			out.List = append(out.List, child)
			off += m
		}
		return out, used, nil
	}
	return Value{}, 0, ErrTag
}

// MaxDepth bounds nesting accepted by DecodeStrict.
const MaxDepth = 32

// DecodeStrict is Decode for untrusted input: nesting is capped at MaxDepth.
func (d *Decoder) DecodeStrict(b []byte) (Value, error) {
	v, _, err := d.strict(b, 0)
	return v, err
}

func (d *Decoder) strict(b []byte, depth int) (Value, int, error) {
	if depth > MaxDepth {
		return Value{}, 0, ErrTooDeep
	}
	var stage [4096]byte
	kind, body, used, err := header(b)
	if err != nil {
		return Value{}, 0, err
	}
	if kind != KindList {
		if kind == KindString {
			n := copy(stage[:], body)
			return Value{Kind: kind, Str: d.names.Intern(stage[:n])}, used, nil
		}
		v, _, err := d.value(b[:used])
		return v, used, err
	}
	out := Value{Kind: kind}
	for off := 0; off < len(body); {
		child, m, err := d.strict(body[off:], depth+1)
		if err != nil {
			return Value{}, 0, err
		}
		out.List = append(out.List, child)
		off += m
	}
	return out, used, nil
}

// Dump writes a human-readable rendering of v, one node per line.
func Dump(w io.Writer, v Value) error {
	return dump(w, v, 0)
}

func dump(w io.Writer, v Value, indent int) error {
	var hexbuf [8192]byte
	n := 0
	const digits = "0123456789abcdef"
	for _, c := range v.Raw {
		if n+2 > len(hexbuf) {
			break
		}
		hexbuf[n], hexbuf[n+1] = digits[c>>4], digits[c&15]
		n += 2
	}
	if _, err := fmt.Fprintf(w, "%*s%#x %d %q %s\n", indent, "", byte(v.Kind), v.Int, v.Str, hexbuf[:n]); err != nil {
		return err
	}
	for _, c := range v.List {
		if err := dump(w, c, indent+2); err != nil {
			return err
		}
	}
	return nil
}
