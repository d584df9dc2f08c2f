package jtl

import (
	"os"
	"testing"
)

// TestFilterKeepsReadersVisible checks that a filtered Source passes on only
// the kept samples and still shows what is under it: the readers (with the
// timestamp mode they decided), progress, warnings and skipped rows.
func TestFilterKeepsReadersVisible(t *testing.T) {
	for _, files := range [][]string{
		{"testdata/csv/end_timestamps.csv"},
		{"testdata/csv/end_timestamps.csv", "testdata/csv/truncated_last_line.csv"},
	} {
		src, err := Open(files, Options{})
		if err != nil {
			t.Fatal(err)
		}
		seen, kept := 0, 0
		f := Filter(src, func(s *Sample) bool {
			seen++
			return s.Elapsed >= 100
		})
		for f.Scan() {
			if f.Sample().Elapsed < 100 {
				t.Fatalf("%v: sample of %d ms passed a filter keeping >= 100 ms", files, f.Sample().Elapsed)
			}
			kept++
		}
		if err := f.Err(); err != nil {
			t.Fatal(err)
		}
		if kept == 0 || kept == seen {
			t.Errorf("%v: kept %d of %d: the test needs samples on both sides of 100 ms", files, kept, seen)
		}
		rs := ReadersOf(f)
		if len(rs) != len(files) {
			t.Fatalf("%v: ReadersOf(filter) = %d readers; want %d", files, len(rs), len(files))
		}
		for i, r := range rs {
			if r.Name() != files[i] {
				t.Errorf("reader %d is %s; want %s", i, r.Name(), files[i])
			}
		}
		if rs[0].TimestampMode() != TimestampEnd || rs[0].Format().Kind != "csv" {
			t.Errorf("%s under the filter: mode %s, kind %q; want end, csv", files[0], rs[0].TimestampMode(), rs[0].Format().Kind)
		}
		var size int64
		for _, n := range files {
			fi, err := os.Stat(n)
			if err != nil {
				t.Fatal(err)
			}
			size += fi.Size()
		}
		p, ok := f.(Progress)
		if !ok {
			t.Fatal("Filter does not implement Progress")
		}
		if p.Size() != size || p.BytesRead() != size {
			t.Errorf("%v: progress %d of %d bytes at the end; want %d of %d", files, p.BytesRead(), p.Size(), size, size)
		}
		if f.Skipped() != src.Skipped() || len(f.Warnings()) != len(src.Warnings()) {
			t.Errorf("%v: skipped %d, %d warnings; the source has %d, %d", files, f.Skipped(), len(f.Warnings()), src.Skipped(), len(src.Warnings()))
		}
		if len(files) == 2 && len(f.Warnings()) == 0 {
			t.Errorf("%v: the truncated file's warning did not come through", files)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFilterNilKeepsAll checks that a nil keep passes every sample, and that
// a filter over a filter still finds the reader.
func TestFilterNilKeepsAll(t *testing.T) {
	r, err := OpenFile("testdata/csv/start_timestamps.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f := Filter(Filter(r, nil), nil)
	n := 0
	for f.Scan() {
		n++
	}
	if n != 90 {
		t.Errorf("nil keep passed %d of the file's 90 samples", n)
	}
	if rs := ReadersOf(f); len(rs) != 1 || rs[0] != r {
		t.Errorf("ReadersOf(Filter(Filter(r))) = %v; want [r]", rs)
	}
}

// TestReadersOfOtherSource checks that a Source reading no file has no readers.
func TestReadersOfOtherSource(t *testing.T) {
	if rs := ReadersOf(sliceSource{}); rs != nil {
		t.Errorf("ReadersOf(a source without readers) = %v; want nil", rs)
	}
	f := Filter(sliceSource{}, nil)
	if p := f.(Progress); p.Size() != 0 || p.BytesRead() != 0 {
		t.Errorf("progress of a source that cannot tell: %d of %d; want 0 of 0", p.BytesRead(), p.Size())
	}
}

// sliceSource is an empty Source that is neither a Reader nor a Merge.
type sliceSource struct{}

func (sliceSource) Scan() bool          { return false }
func (sliceSource) Sample() *Sample     { return nil }
func (sliceSource) Err() error          { return nil }
func (sliceSource) Warnings() []Warning { return nil }
func (sliceSource) Skipped() int        { return 0 }
func (sliceSource) Close() error        { return nil }
