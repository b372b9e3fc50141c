// Package tlv encodes and decodes tag-length-value documents.
package tlv

import "errors"

// Kind is the tag of a value.
type Kind byte

const (
	KindInt    Kind = 0x01
	KindString Kind = 0x02
	KindBytes  Kind = 0x03
	KindList   Kind = 0x10
)

// Value is a decoded node.
type Value struct {
	Kind Kind
	Int  int64
	Str  string
	Raw  []byte
	List []Value
}

var (
	ErrShort    = errors.New("tlv: short buffer")
	ErrTag      = errors.New("tlv: unknown tag")
	ErrTooDeep  = errors.New("tlv: nesting too deep")
	ErrTooLarge = errors.New("tlv: value too large")
)
