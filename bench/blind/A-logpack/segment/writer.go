package segment

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"
)

// recordBufs holds scratch space for framing a single record. A pointer to
// the slice is pooled so that Put does not allocate.
var recordBufs = sync.Pool{
	New: func() any {
		b := make([]byte, 0, 4096)
		return &b
	},
}

// batchBufs holds buffers used to assemble a whole batch before it is
// written with a single syscall.
var batchBufs = sync.Pool{
	New: func() any { return new(bytes.Buffer) },
}

// Writer appends records to a segment.
type Writer struct {
	mu      sync.Mutex
	w       *bufio.Writer
	written int64
	records int
	closed  bool
}

// NewWriter writes a header for streamID/baseSeq to w and returns a Writer
// for the records that follow.
func NewWriter(w io.Writer, streamID [16]byte, baseSeq uint64) (*Writer, error) {
	var hdr [headerSize]byte
	copy(hdr[0:4], magic)
	binary.BigEndian.PutUint16(hdr[4:6], 1)
	copy(hdr[8:24], streamID[:])
	binary.BigEndian.PutUint64(hdr[24:32], baseSeq)
	binary.BigEndian.PutUint64(hdr[32:40], uint64(time.Now().UnixNano()))
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(hdr[:]); err != nil {
		return nil, err
	}
	return &Writer{w: bw, written: headerSize}, nil
}

// Append frames key and value as one record.
func (sw *Writer) Append(key, value []byte) error {
	bp := recordBufs.Get().(*[]byte)
	rec := *bp

	var lens [8]byte
	binary.BigEndian.PutUint32(lens[0:4], uint32(len(key)))
	binary.BigEndian.PutUint32(lens[4:8], uint32(len(value)))
	rec = append(rec, lens[:]...)
	rec = append(rec, key...)
	rec = append(rec, value...)

	sw.mu.Lock()
	err := sw.writeLocked(rec)
	sw.mu.Unlock()

	*bp = rec
	recordBufs.Put(bp)
	return err
}

// Record is one key/value pair for AppendBatch.
type Record struct {
	Key, Value []byte
}

// AppendBatch frames all records into one buffer and writes it under a
// single lock acquisition.
func (sw *Writer) AppendBatch(recs []Record) error {
	buf := batchBufs.Get().(*bytes.Buffer)
	var lens [8]byte
	for _, r := range recs {
		binary.BigEndian.PutUint32(lens[0:4], uint32(len(r.Key)))
		binary.BigEndian.PutUint32(lens[4:8], uint32(len(r.Value)))
		buf.Write(lens[:])
		buf.Write(r.Key)
		buf.Write(r.Value)
	}

	sw.mu.Lock()
	err := sw.writeLocked(buf.Bytes())
	if err == nil {
		sw.records += len(recs) - 1
	}
	sw.mu.Unlock()

	buf.Reset()
	batchBufs.Put(buf)
	return err
}

var errClosed = errors.New("segment: writer closed")

func (sw *Writer) writeLocked(p []byte) error {
	if sw.closed {
		return errClosed
	}
	n, err := sw.w.Write(p)
	sw.written += int64(n)
	sw.records++
	return err
}

// Size reports the bytes written so far, header included.
func (sw *Writer) Size() int64 {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.written
}

// Close flushes buffered records. It does not close the underlying writer.
func (sw *Writer) Close() error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.closed {
		return nil
	}
	sw.closed = true
	return sw.w.Flush()
}
