// Package segment reads and writes logpack segment files.
//
// A segment file starts with a fixed 64-byte header followed by a sequence of
// length-prefixed records:
//
//	magic    [4]byte  "LPK1"
//	version  uint16
//	flags    uint16
//	streamID [16]byte
//	baseSeq  uint64
//	created  int64   (unix nanos)
//	reserved [24]byte
package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

const (
	headerSize = 64
	magic      = "LPK1"
)

var (
	ErrBadMagic   = errors.New("segment: bad magic")
	ErrTruncated  = errors.New("segment: truncated record")
	ErrBadVersion = errors.New("segment: unsupported version")
)

// Header is the decoded segment header.
type Header struct {
	Version  uint16
	Flags    uint16
	StreamID []byte
	BaseSeq  uint64
	Created  time.Time
}

// Summary describes a whole segment file without keeping its records.
type Summary struct {
	Path    string
	Header  Header
	Records int
	// LastKey is the key of the final record, used by the index to decide
	// which segment a lookup should start from.
	LastKey []byte
}

// ReadHeader reads just the fixed header from r.
func ReadHeader(r io.Reader) (Header, error) {
	raw := make([]byte, headerSize)
	if _, err := io.ReadFull(r, raw); err != nil {
		return Header{}, fmt.Errorf("segment: header: %w", err)
	}
	return decodeHeader(raw)
}

func decodeHeader(raw []byte) (Header, error) {
	if string(raw[0:4]) != magic {
		return Header{}, ErrBadMagic
	}
	h := Header{
		Version:  binary.BigEndian.Uint16(raw[4:6]),
		Flags:    binary.BigEndian.Uint16(raw[6:8]),
		StreamID: raw[8:24],
		BaseSeq:  binary.BigEndian.Uint64(raw[24:32]),
		Created:  time.Unix(0, int64(binary.BigEndian.Uint64(raw[32:40]))),
	}
	if h.Version != 1 {
		return Header{}, ErrBadVersion
	}
	return h, nil
}

// Summarize loads the segment at path and returns its header, record count
// and last key. Segments are typically 64-256 MiB.
func Summarize(path string) (*Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < headerSize {
		return nil, ErrTruncated
	}
	hdr, err := decodeHeader(data[:headerSize])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	hdr.StreamID = append([]byte(nil), hdr.StreamID...)

	var (
		count   int
		lastKey []byte
	)
	for p := headerSize; p < len(data); {
		if len(data)-p < 8 {
			return nil, fmt.Errorf("%s: %w", path, ErrTruncated)
		}
		kl := int(binary.BigEndian.Uint32(data[p : p+4]))
		vl := int(binary.BigEndian.Uint32(data[p+4 : p+8]))
		p += 8
		if kl+vl > len(data)-p {
			return nil, fmt.Errorf("%s: record %d: %w", path, count, ErrTruncated)
		}
		lastKey = data[p : p+kl]
		count++
		p += kl + vl
	}
	return &Summary{
		Path:    path,
		Header:  hdr,
		Records: count,
		LastKey: lastKey,
	}, nil
}

// Records calls fn for every record in body. key and value alias body and
// are only valid during the call.
func Records(body []byte, fn func(key, value []byte) error) error {
	for len(body) > 0 {
		if len(body) < 8 {
			return ErrTruncated
		}
		kl := int(binary.BigEndian.Uint32(body[0:4]))
		vl := int(binary.BigEndian.Uint32(body[4:8]))
		body = body[8:]
		if kl+vl > len(body) {
			return ErrTruncated
		}
		if err := fn(body[:kl], body[kl:kl+vl]); err != nil {
			return err
		}
		body = body[kl+vl:]
	}
	return nil
}
