package tiercache

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Snapshot format: repeated records of
//
//	uvarint keyLen | key | uvarint valLen | val
//
// preceded by the 8-byte magic below.
var snapMagic = [8]byte{'t', 'c', 's', 'n', 'a', 'p', 0, 1}

var errBadSnapshot = errors.New("tiercache: bad snapshot")

// LoadSnapshot reads a snapshot file into c.
func LoadSnapshot[K ~string](c *Cache[K, []byte], path string) (int, error) {
	blob, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	if len(blob) < len(snapMagic) || [8]byte(blob[:8]) != snapMagic {
		return 0, errBadSnapshot
	}
	rest := blob[8:]
	n := 0
	for len(rest) > 0 {
		key, val, next, err := splitRecord(rest)
		if err != nil {
			return n, fmt.Errorf("record %d: %w", n, err)
		}
		// Keys are small; values are stored as they are.
		c.Set(K(key), val)
		rest = next
		n++
	}
	return n, nil
}

func splitRecord(b []byte) (key, val, rest []byte, err error) {
	kl, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < kl {
		return nil, nil, nil, errBadSnapshot
	}
	b = b[k:]
	key, b = b[:kl], b[kl:]
	vl, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < vl {
		return nil, nil, nil, errBadSnapshot
	}
	b = b[k:]
	return key, b[:vl], b[vl:], nil
}

// SaveSnapshot writes every live entry of c to w.
func SaveSnapshot[K ~string](c *Cache[K, []byte], w io.Writer) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(snapMagic[:]); err != nil {
		return err
	}
	var hdr [binary.MaxVarintLen64]byte
	c.mu.RLock()
	defer c.mu.RUnlock()
	for k, e := range c.items {
		n := binary.PutUvarint(hdr[:], uint64(len(k)))
		bw.Write(hdr[:n])
		bw.WriteString(string(k))
		n = binary.PutUvarint(hdr[:], uint64(len(e.val)))
		bw.Write(hdr[:n])
		bw.Write(e.val)
	}
	return bw.Flush()
}

// PeekSnapshotKeys returns how many records a snapshot holds and the
// longest key, without loading values.
func PeekSnapshotKeys(r io.Reader) (count, longest int, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, 0, err
	}
	if len(data) < 8 {
		return 0, 0, errBadSnapshot
	}
	data = data[8:]
	for len(data) > 0 {
		key, _, next, err := splitRecord(data)
		if err != nil {
			return count, longest, err
		}
		if len(key) > longest {
			longest = len(key)
		}
		data = next
		count++
	}
	return count, longest, nil
}
