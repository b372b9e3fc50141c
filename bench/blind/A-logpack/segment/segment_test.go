package segment

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"example.com/logpack/internal/heaptest"
)

func writeSegment(t *testing.T, dir string, n int) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, [16]byte{1, 2, 3}, 100)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Key: []byte{byte(i >> 8), byte(i)}, Value: bytes.Repeat([]byte{'v'}, 1000)}
	}
	if err := w.AppendBatch(recs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "0001.seg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSummarize(t *testing.T) {
	path := writeSegment(t, t.TempDir(), 300)
	sum, err := Summarize(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 300 {
		t.Fatalf("records = %d, want 300", sum.Records)
	}
	if sum.Header.BaseSeq != 100 {
		t.Fatalf("baseSeq = %d", sum.Header.BaseSeq)
	}
}

func TestSummarizeReleasesFile(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()

	path := writeSegment(t, t.TempDir(), 400)
	before := heaptest.Settle(t, 5)
	var keep []*Summary
	for i := 0; i < 8; i++ {
		s, err := Summarize(path)
		if err != nil {
			t.Fatal(err)
		}
		keep = append(keep, s)
		runtime.GC()
	}
	after := heaptest.Settle(t, 5)
	t.Logf("heap before=%d after=%d summaries=%d", before, after, len(keep))
}
