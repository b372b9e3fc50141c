// Package broker is a small client for the minibroker wire protocol: frames
// are a one-byte type, a four-byte big-endian length and the payload.
package broker

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Frame types understood by the broker.
const (
	FrameHeartbeat byte = 'H'
	FrameSubscribe byte = 'S'
	FrameDeliver   byte = 'D'
	FrameAck       byte = 'A'
	FrameNack      byte = 'N'
	FramePurge     byte = 'P'
)

// maxFrame bounds a single frame; the broker rejects anything larger.
const maxFrame = 16 << 20

// ErrClosed is returned by operations on a closed connection.
var ErrClosed = errors.New("broker: connection closed")

// Options tune a connection.
type Options struct {
	// Heartbeat is how often the client proves liveness. The broker drops
	// clients that stay silent for three intervals. Zero disables it.
	Heartbeat time.Duration
	// DialTimeout bounds the TCP handshake.
	DialTimeout time.Duration
}

// Conn is a single connection to the broker. Writes are serialised; reads
// belong to whichever subscription owns the connection.
type Conn struct {
	nc net.Conn
	r  *bufio.Reader

	wmu sync.Mutex
	w   *bufio.Writer

	closeOnce sync.Once
	closed    chan struct{}
}

// frameBufs holds scratch buffers used to assemble outgoing frames.
var frameBufs = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 256)) }}

// Dial opens a connection to the broker at addr.
func Dial(addr string, opts Options) (*Conn, error) {
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	nc, err := net.DialTimeout("tcp", addr, opts.DialTimeout)
	if err != nil {
		return nil, fmt.Errorf("broker: dial %s: %w", addr, err)
	}
	c := &Conn{
		nc:     nc,
		r:      bufio.NewReaderSize(nc, 64<<10),
		w:      bufio.NewWriter(nc),
		closed: make(chan struct{}),
	}
	if opts.Heartbeat > 0 {
		beat := time.NewTicker(opts.Heartbeat)
		go func() {
			for range beat.C {
				// A failed heartbeat shows up as a read error on the
				// subscription, which is where reconnects are handled.
				_ = c.Send(FrameHeartbeat, nil)
			}
		}()
	}
	return c, nil
}

// Send writes one frame and flushes it.
func (c *Conn) Send(typ byte, payload []byte) error {
	select {
	case <-c.closed:
		return ErrClosed
	default:
	}
	fb := frameBufs.Get().(*bytes.Buffer)
	fb.Reset()
	fb.WriteByte(typ)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(payload)))
	fb.Write(n[:])
	fb.Write(payload)

	c.wmu.Lock()
	_, err := c.w.Write(fb.Bytes())
	if err == nil {
		err = c.w.Flush()
	}
	c.wmu.Unlock()
	frameBufs.Put(fb)
	return err
}

// readFrame reads one frame from the connection. The returned payload is
// freshly allocated and owned by the caller.
func (c *Conn) readFrame() (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("broker: frame of %d bytes exceeds limit", n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return 0, nil, err
	}
	return hdr[0], payload, nil
}

// Close closes the connection. It is safe to call more than once.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closed)
		err = c.nc.Close()
	})
	return err
}
