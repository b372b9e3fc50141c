package tiercache

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"sync"
)

var (
	jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

	keyScratch = sync.Pool{New: func() any {
		b := make([]byte, 0, 128)
		return &b
	}}

	gzWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

	copyBufs = sync.Pool{New: func() any {
		b := make([]byte, 32<<10)
		return &b
	}}
)

// SetJSON marshals v and stores the bytes under key.
func SetJSON[K ~string](c *Cache[K, []byte], key K, v any) error {
	buf := jsonBufs.Get().(*bytes.Buffer)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		jsonBufs.Put(buf)
		return err
	}
	out := bytes.Clone(buf.Bytes())
	jsonBufs.Put(buf)
	c.Set(key, out)
	return nil
}

// CompositeKey joins parts with ':' into a cache key.
func CompositeKey(parts ...string) string {
	bp := keyScratch.Get().(*[]byte)
	b := *bp
	for i, p := range parts {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, p...)
	}
	k := string(b)
	*bp = b
	keyScratch.Put(bp)
	return k
}

// WriteCompressed gzips the value for key into w.
func WriteCompressed[K ~string](c *Cache[K, []byte], key K, w io.Writer) error {
	v, ok := c.Get(key)
	if !ok {
		return nil
	}
	zw := gzWriters.Get().(*gzip.Writer)
	zw.Reset(w)
	defer gzWriters.Put(zw)
	if _, err := zw.Write(v); err != nil {
		return err
	}
	return zw.Close()
}

// Fill reads r to EOF and stores the content under key.
func Fill[K ~string](c *Cache[K, []byte], key K, r io.Reader) error {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	var out bytes.Buffer
	if _, err := io.CopyBuffer(&out, r, *bp); err != nil {
		return err
	}
	c.Set(key, out.Bytes())
	return nil
}
