package tlv

import "sync"

// Interner deduplicates the field names and enum strings that repeat in
// every telemetry document.
type Interner struct {
	ids   map[string]uint32
	names []string
}

func NewInterner() *Interner { return &Interner{ids: make(map[string]uint32)} }

// Intern returns the canonical copy of b.
func (t *Interner) Intern(b []byte) string {
	if id, ok := t.ids[string(b)]; ok {
		return t.names[id]
	}
	s := string(b)
	t.ids[s] = uint32(len(t.names))
	t.names = append(t.names, s)
	return s
}

// Reset forgets every interned string. Long-running decoders call it
// between batches so that one odd batch does not bias the table.
func (t *Interner) Reset() {
	for _, s := range t.names {
		delete(t.ids, s)
	}
	t.names = t.names[:0]
}

// Schema is a compiled field layout.
type Schema struct {
	ID     uint32
	Fields []string
}

var compiled sync.Pool

// schemaFor returns the compiled layout of schema id, compiling it only if
// the previous caller used a different schema.
func schemaFor(id uint32, compile func(uint32) *Schema) *Schema {
	if s, ok := compiled.Get().(*Schema); ok && s.ID == id {
		compiled.Put(s)
		return s
	}
	s := compile(id)
	compiled.Put(s)
	return s
}

// ForgetNames drops the decoder's interned strings; see Interner.Reset.
func (d *Decoder) ForgetNames() { d.names.Reset() }

// Layout returns the compiled layout for a schema id.
func (d *Decoder) Layout(id uint32, compile func(uint32) *Schema) *Schema {
	return schemaFor(id, compile)
}
