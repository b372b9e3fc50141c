package restkit

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Record is one row of a streamed listing.
type Record map[string]string

// ErrBodyTooLarge is returned by DecodeJSON when the body exceeds the limit.
var ErrBodyTooLarge = errors.New("restkit: request body too large")

// WriteJSON writes v as the JSON response body with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads at most limit bytes of the request body into v.
func DecodeJSON(r *http.Request, limit int64, v any) error {
	body := make([]byte, limit+1)
	n, err := io.ReadFull(r.Body, body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	if int64(n) > limit {
		return ErrBodyTooLarge
	}
	body = body[:n]
	return json.Unmarshal(body, v)
}

// ndjsonBufs holds line buffers for WriteNDJSON. Listing endpoints are hot,
// and building each response in a reused buffer keeps them allocation-free.
var ndjsonBufs = sync.Pool{
	New: func() any {
		b := make([]byte, 0, 4096)
		return &b
	},
}

// WriteNDJSON writes recs as newline-delimited JSON objects with sorted keys.
func WriteNDJSON(w http.ResponseWriter, recs []Record) error {
	bp := ndjsonBufs.Get().(*[]byte)
	out := *bp
	keys := make([]string, 0, 8)
	for _, rec := range recs {
		keys = keys[:0]
		for k := range rec {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out = append(out, '{')
		for i, k := range keys {
			if i > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendQuote(out, k)
			out = append(out, ':')
			out = strconv.AppendQuote(out, rec[k])
		}
		out = append(out, "}\n"...)
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	_, err := w.Write(out)
	*bp = out
	ndjsonBufs.Put(bp)
	return err
}

var headerJoin = sync.Pool{New: func() any { return new(strings.Builder) }}

// VaryHeader folds repeated header values into the comma-separated form
// used in Vary and Access-Control-* responses.
func VaryHeader(groups [][]string) []string {
	out := make([]string, 0, len(groups))
	for _, vals := range groups {
		sb := headerJoin.Get().(*strings.Builder)
		sb.Reset()
		for i, v := range vals {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(v)
		}
		out = append(out, sb.String())
		headerJoin.Put(sb)
	}
	return out
}

var gzipWriters = sync.Pool{
	New: func() any { return gzip.NewWriter(io.Discard) },
}

type gzipResponse struct {
	http.ResponseWriter
	zw *gzip.Writer
}

func (g gzipResponse) Write(p []byte) (int, error) { return g.zw.Write(p) }

// Gzip compresses responses for clients that accept it.
func Gzip(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(w)
		defer func() {
			zw.Close()
			gzipWriters.Put(zw)
		}()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Del("Content-Length")
		next.ServeHTTP(gzipResponse{ResponseWriter: w, zw: zw}, r)
	})
}
