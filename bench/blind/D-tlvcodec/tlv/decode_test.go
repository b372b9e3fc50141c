package tlv

import (
	"bytes"
	"os"
	"runtime"
	"testing"
)

func TestMain(m *testing.M) {
	// every allocation, so the alloc assertions below are exact
	runtime.MemProfileRate = 1
	os.Exit(m.Run())
}

func sample() Value {
	return Value{Kind: KindList, List: []Value{
		{Kind: KindInt, Int: -42},
		{Kind: KindString, Str: "cpu.user"},
		{Kind: KindList, List: []Value{{Kind: KindBytes, Raw: []byte{1, 2, 3}}}},
	}}
}

func TestRoundTrip(t *testing.T) {
	b, err := Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder()
	v, err := d.DecodeStrict(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := Marshal(v)
	if !bytes.Equal(b, b2) {
		t.Fatalf("round trip mismatch:\n%x\n%x", b, b2)
	}
}

func TestDeepRejected(t *testing.T) {
	v := Value{Kind: KindInt}
	for i := 0; i < MaxDepth+4; i++ {
		v = Value{Kind: KindList, List: []Value{v}}
	}
	b, _ := Marshal(v)
	if _, err := NewDecoder().DecodeStrict(b); err != ErrTooDeep {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkDecode(b *testing.B) {
	enc, _ := Marshal(sample())
	d := NewDecoder()
	for i := 0; i < b.N; i++ {
		if i%1000 == 0 {
			b.StopTimer()
			runtime.GC()
			b.StartTimer()
		}
		if _, err := d.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}
