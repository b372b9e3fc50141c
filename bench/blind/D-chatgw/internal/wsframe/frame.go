// Package wsframe implements the subset of RFC 6455 the gateway needs:
// the opening handshake, unfragmented text frames and close frames.
package wsframe

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

const (
	OpText  = 0x1
	OpClose = 0x8
	OpPing  = 0x9
	OpPong  = 0xA

	// MaxPayload bounds a single inbound frame.
	MaxPayload = 1 << 20
)

const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

var ErrTooLarge = errors.New("wsframe: frame exceeds MaxPayload")

// Upgrade performs the server side of the handshake and hijacks the connection.
func Upgrade(w http.ResponseWriter, r *http.Request) (net.Conn, *bufio.ReadWriter, error) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return nil, nil, errors.New("wsframe: not a websocket request")
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if key == "" {
		return nil, nil, errors.New("wsframe: missing key")
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("wsframe: response does not support hijacking")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	sum := sha1.Sum([]byte(key + acceptGUID))
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\n")
	rw.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\n")
	rw.WriteString("Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
	if err := rw.Flush(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, rw, nil
}

// ReadFrame reads one client frame and returns its opcode and unmasked payload.
func ReadFrame(br *bufio.Reader) (byte, []byte, error) {
	hdr := make([]byte, 14)
	if _, err := io.ReadFull(br, hdr[:2]); err != nil {
		return 0, nil, err
	}
	op := hdr[0] & 0x0f
	masked := hdr[1]&0x80 != 0
	n := uint64(hdr[1] & 0x7f)
	switch n {
	case 126:
		if _, err := io.ReadFull(br, hdr[2:4]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(hdr[2:4]))
	case 127:
		if _, err := io.ReadFull(br, hdr[2:10]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(hdr[2:10])
	}
	if n > MaxPayload {
		return 0, nil, ErrTooLarge
	}
	var mask []byte
	if masked {
		mask = hdr[10:14]
		if _, err := io.ReadFull(br, mask); err != nil {
			return 0, nil, err
		}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return 0, nil, err
	}
	for i := range payload {
		if masked {
			payload[i] ^= mask[i%4]
		}
	}
	return op, payload, nil
}

// outbound frames are assembled in pooled scratch space so that a busy
// room does not allocate one header+payload slice per recipient.
var scratch = sync.Pool{
	New: func() any {
		s := make([]byte, 0, 512)
		return &s
	},
}

func appendHeader(dst []byte, op byte, n int) []byte {
	dst = append(dst, 0x80|op)
	switch {
	case n < 126:
		dst = append(dst, byte(n))
	case n <= 0xffff:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return dst
}

// WriteFrame writes one unmasked server frame.
func WriteFrame(w io.Writer, op byte, msg []byte) error {
	sp := scratch.Get().(*[]byte)
	frame := *sp
	frame = appendHeader(frame, op, len(msg))
	frame = append(frame, msg...)
	_, err := w.Write(frame)

	// keep the grown capacity for the next writer
	*sp = frame
	scratch.Put(sp)
	return err
}
