package jtl

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
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

// TestCSVFastPathAgrees decodes generated files and every fixture twice,
// with and without the fast path, and compares every sample: the fast path
// is an optimisation and must give the general path's result.
func TestCSVFastPathAgrees(t *testing.T) {
	inputs := map[string][]byte{}
	for seed := int64(1); seed <= 3; seed++ {
		var buf bytes.Buffer
		jtlgen.Write(&buf, jtlgen.Config{Rows: 20000, Seed: seed, Threads: 50 * int(seed)})
		inputs["jtlgen-"+strconv.FormatInt(seed, 10)] = buf.Bytes()
	}
	files, _ := filepath.Glob("testdata/csv/*.csv")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = data
	}
	for name, data := range inputs {
		read := func(noFast bool) ([]string, *Reader) {
			r, err := NewReader(bytes.NewReader(data), name, Options{Timestamps: TimestampStart})
			if err != nil {
				t.Fatal(err)
			}
			r.dec.(*csvDecoder).noFast = noFast
			var out []string
			for r.Scan() {
				out = append(out, dumpSample(r.Sample()))
			}
			return out, r
		}
		fast, rf := read(false)
		slow, rs := read(true)
		if len(fast) != len(slow) || rf.Skipped() != rs.Skipped() {
			t.Fatalf("%s: %d rows (%d skipped) with the fast path, %d (%d) without", name, len(fast), rf.Skipped(), len(slow), rs.Skipped())
		}
		for i := range fast {
			if fast[i] != slow[i] {
				t.Fatalf("%s row %d:\nfast    %s\ngeneral %s", name, i, fast[i], slow[i])
			}
		}
	}
}
