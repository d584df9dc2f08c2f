package jtl

import (
	"bytes"
	"testing"

	"jmtune/internal/jtlgen"
)

// TestCSVZeroAllocs: once the intern tables hold the labels, codes,
// threads and URLs, reading a row allocates nothing, on the fast path
// (plain rows) and the general one (quoted, multi-line failure messages).
func TestCSVZeroAllocs(t *testing.T) {
	var buf bytes.Buffer
	if err := jtlgen.Write(&buf, jtlgen.Config{Rows: 60000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{
		{Timestamps: TimestampStart},
		{Parallel: true, Timestamps: TimestampStart}, // decoding on a second goroutine when there are CPUs for it
	} {
		r, err := NewReader(bytes.NewReader(buf.Bytes()), "gen", opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20000 && r.Scan(); i++ {
		}
		quoted := 0
		allocs := testing.AllocsPerRun(20000, func() {
			if !r.Scan() {
				t.Fatal("input ended early")
			}
			if r.Sample().FailureMessage != "" {
				quoted++
			}
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocations per row; want 0", opts, allocs)
		}
		if quoted == 0 {
			t.Error("no rows with failure messages were read: the general path was not measured")
		}
		r.Close()
	}
}
