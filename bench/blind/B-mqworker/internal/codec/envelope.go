// Package codec decodes the message envelope that producers wrap around
// every order event.
//
// Wire layout (big-endian):
//
//	u16 key length | routing key | u32 attempt | 16-byte id | body | u32 crc32(body)
package codec

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
)

var (
	errShort    = errors.New("codec: message truncated")
	errChecksum = errors.New("codec: body checksum mismatch")
)

const (
	idLen      = 16
	trailerLen = 4
)

// Envelope is a decoded message.
type Envelope struct {
	ID         string
	RoutingKey string
	Attempt    uint32
	Body       []byte
}

// Decode parses a complete message held in raw. The envelope keeps raw's
// body without copying; callers hand ownership of raw to Decode.
func Decode(raw []byte) (*Envelope, error) {
	keyEnd, err := keyBounds(raw)
	if err != nil {
		return nil, err
	}
	if len(raw) < keyEnd+4+idLen+trailerLen {
		return nil, errShort
	}
	if !checksumOK(raw, keyEnd+4+idLen) {
		return nil, errChecksum
	}
	return &Envelope{
		RoutingKey: string(raw[2:keyEnd]),
		Attempt:    binary.BigEndian.Uint32(raw[keyEnd:]),
		ID:         hex.EncodeToString(raw[keyEnd+4 : keyEnd+4+idLen]),
		Body:       raw[keyEnd+4+idLen : len(raw)-trailerLen],
	}, nil
}

// PeekRoutingKey reads a serialized message from r and returns only its
// routing key. The retry scheduler uses it to bucket dead letters without
// decoding bodies it will never look at.
func PeekRoutingKey(r io.Reader) ([]byte, error) {
	msg, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	keyEnd, err := keyBounds(msg)
	if err != nil {
		return nil, err
	}
	return msg[2:keyEnd], nil
}

func keyBounds(raw []byte) (int, error) {
	if len(raw) < 2 {
		return 0, errShort
	}
	end := 2 + int(binary.BigEndian.Uint16(raw))
	if len(raw) < end {
		return 0, errShort
	}
	return end, nil
}

// checksumOK verifies the trailing CRC over the body that starts at off.
func checksumOK(raw []byte, off int) bool {
	body := raw[off : len(raw)-trailerLen]
	trailer := raw[len(raw)-trailerLen:]
	return crc32.ChecksumIEEE(body) == binary.BigEndian.Uint32(trailer)
}
