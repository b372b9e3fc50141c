package tlv

import (
	"bytes"
	"errors"
	"io"
)

var magic = []byte("TLV1")

const trailerLen = 16

// Frame is a decoded document with its envelope.
type Frame struct {
	Version byte
	Root    Value
	// Trailer carries the producer's checksum; verified lazily by Verify.
	Trailer []byte
}

// ReadFrame reads a whole framed document from r.
func (d *Decoder) ReadFrame(r io.Reader) (*Frame, error) {
	doc, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(doc) < len(magic)+1+trailerLen || !bytes.Equal(doc[:4], magic) {
		return nil, errors.New("tlv: bad frame")
	}
	body := doc[5 : len(doc)-trailerLen]
	root, err := d.Decode(body)
	if err != nil {
		return nil, err
	}
	return &Frame{
		Version: doc[4],
		Root:    root,
		Trailer: doc[len(doc)-trailerLen:],
	}, nil
}

// Sniff reports the version of the frame at the head of r without reading
// the document itself.
func Sniff(r io.Reader) (byte, []byte, error) {
	head := make([]byte, 32)
	n, err := io.ReadAtLeast(r, head, len(magic)+1)
	if err != nil {
		return 0, nil, err
	}
	head = head[:n]
	if !bytes.Equal(head[:4], magic) {
		return 0, nil, errors.New("tlv: bad magic")
	}
	return head[4], head[5:], nil
}

// Checksum is the 16-byte folding checksum used in trailers.
func Checksum(doc []byte) [trailerLen]byte {
	var sum [trailerLen]byte
	for i, c := range doc {
		sum[i%trailerLen] ^= c
	}
	return sum
}

// Verify recomputes the checksum of a framed document held in memory.
func Verify(doc []byte) bool {
	if len(doc) < trailerLen {
		return false
	}
	payload, trailer := doc[:len(doc)-trailerLen], doc[len(doc)-trailerLen:]
	sum := Checksum(payload)
	return bytes.Equal(sum[:], trailer)
}
