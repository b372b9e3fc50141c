package tlv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"sync"
)

var docBufs = sync.Pool{
	New: func() any { return &bytes.Buffer{} },
}

var lenScratch = sync.Pool{
	New: func() any { return new([binary.MaxVarintLen64]byte) },
}

func putHeader(buf *bytes.Buffer, k Kind, n int) {
	tmp := lenScratch.Get().(*[binary.MaxVarintLen64]byte)
	w := binary.PutUvarint(tmp[:], uint64(n))
	buf.WriteByte(byte(k))
	buf.Write(tmp[:w])
	lenScratch.Put(tmp)
}

func encodeTo(buf *bytes.Buffer, v Value) error {
	switch v.Kind {
	case KindInt:
		var tmp [binary.MaxVarintLen64]byte
		w := binary.PutVarint(tmp[:], v.Int)
		putHeader(buf, v.Kind, w)
		buf.Write(tmp[:w])
	case KindString:
		putHeader(buf, v.Kind, len(v.Str))
		buf.WriteString(v.Str)
	case KindBytes:
		putHeader(buf, v.Kind, len(v.Raw))
		buf.Write(v.Raw)
	case KindList:
		var inner bytes.Buffer
		for _, c := range v.List {
			if err := encodeTo(&inner, c); err != nil {
				return err
			}
		}
		putHeader(buf, v.Kind, inner.Len())
		buf.Write(inner.Bytes())
	default:
		return ErrTag
	}
	return nil
}

// Marshal returns the encoding of v.
func Marshal(v Value) ([]byte, error) {
	out := docBufs.Get().(*bytes.Buffer)
	defer docBufs.Put(out)

	mark := out.Len()
	if err := encodeTo(out, v); err != nil {
		return nil, err
	}
	return bytes.Clone(out.Bytes()[mark:]), nil
}

var writers = sync.Pool{
	New: func() any { return bufio.NewWriterSize(nil, 32<<10) },
}

// Encode streams the encoding of vs to w.
func Encode(w io.Writer, vs ...Value) error {
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(w)
	defer writers.Put(bw)
	for _, v := range vs {
		b, err := Marshal(v)
		if err != nil {
			return err
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}
