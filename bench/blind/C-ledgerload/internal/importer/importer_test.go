package importer

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"example.com/fin/ledgerload/internal/ledger"
	"example.com/fin/ledgerload/internal/testutil"
)

func TestMain(m *testing.M) {
	runtime.MemProfileRate = 1
	m.Run()
}

func sampleCSV(n int) string {
	var sb strings.Builder
	sb.WriteString("account,currency,amount_minor,ref\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "assets:bank:%d,EUR,%d,r%d\n", i%7, i, i)
	}
	return sb.String()
}

func TestImportCounts(t *testing.T) {
	book := ledger.NewBook()
	im := New(book, 10)
	st, err := im.Import(context.Background(), strings.NewReader(sampleCSV(95)))
	if err != nil {
		t.Fatal(err)
	}
	if st.Postings != 95 || st.Batches != 10 {
		t.Fatalf("got %+v", st)
	}
}

func TestImportDoesNotGrowHeap(t *testing.T) {
	data := sampleCSV(20000)
	before := testutil.HeapInUse(t)
	for i := 0; i < 5; i++ {
		im := New(ledger.NewBook(), 500)
		if _, err := im.Import(context.Background(), strings.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
	}
	after := testutil.HeapInUse(t)
	if after > before+64<<20 {
		t.Fatalf("heap grew from %d to %d", before, after)
	}
}
