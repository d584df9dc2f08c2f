package jtl

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// writeJTL writes a 5.x CSV whose rows are given as (start, elapsed,
// thread) in file order, and returns its path.
func writeJTL(t *testing.T, dir, name string, rows [][3]int64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%d,%d,GET x,200,OK,T 1-%d,text,true,,10,10,1,1,http://x/,1,0,0\n", r[0], r[1], r[2])
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// jmeterOrder returns n samples of k threads (no think time) in the order
// JMeter writes them: by end time, so starts are out of order.
func jmeterOrder(rng *rand.Rand, t0 int64, n, k int, maxElapsed int64) [][3]int64 {
	clock := make([]int64, k)
	var rows [][3]int64
	for i := 0; i < n; i++ {
		th := rng.Intn(k)
		el := 1 + rng.Int63n(maxElapsed)
		rows = append(rows, [3]int64{t0 + clock[th], el, int64(th + 1)})
		clock[th] += el + rng.Int63n(5)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i][0]+rows[i][1] < rows[j][0]+rows[j][1] })
	return rows
}

func TestMergeTimeOrder(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(1))
	a := writeJTL(t, dir, "a.csv", jmeterOrder(rng, 1_700_000_000_000, 3000, 20, 3000))
	b := writeJTL(t, dir, "b.csv", jmeterOrder(rng, 1_700_000_000_500, 2000, 10, 800))
	src, err := Open([]string{a, b}, Options{Timestamps: TimestampStart})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m := src.(*Merged)
	var prev int64
	n, fromA := 0, 0
	for src.Scan() {
		s := src.Sample()
		if s.Start < prev {
			t.Fatalf("sample %d (%s:%d) starts at %d before %d", n, s.Source, s.Line, s.Start, prev)
		}
		prev = s.Start
		if s.Source == a {
			fromA++
		}
		n++
	}
	if n != 5000 || fromA != 3000 || m.Late() != 0 || src.Err() != nil {
		t.Errorf("rows %d (from a %d) late %d err %v", n, fromA, m.Late(), src.Err())
	}
	if m.BytesRead() != m.Size() || m.Size() == 0 {
		t.Errorf("progress %d of %d after the end", m.BytesRead(), m.Size())
	}
}

func TestMergeBoundedBuffer(t *testing.T) {
	// One sample 10 minutes late (beyond the 65 s window) is passed on out
	// of order and counted; the rest stays sorted.
	dir := t.TempDir()
	var rows [][3]int64
	for i := int64(0); i < 1000; i++ {
		rows = append(rows, [3]int64{1_700_000_000_000 + i*1000, 5, 1})
	}
	rows = append(rows, [3]int64{1_700_000_000_000 + 300_000, 5, 2}) // 5 min after start, written after 1000 s
	a := writeJTL(t, dir, "a.csv", rows)
	b := writeJTL(t, dir, "b.csv", [][3]int64{{1_700_000_000_000, 1, 1}})
	src, err := Open([]string{a, b}, Options{Timestamps: TimestampStart})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for src.Scan() {
		n++
	}
	m := src.(*Merged)
	if n != 1002 || m.Late() != 1 {
		t.Errorf("rows %d late %d; want 1002, 1", n, m.Late())
	}
	ws := src.Warnings()
	if len(ws) == 0 || !strings.Contains(ws[len(ws)-1].Msg, "out of time order") {
		t.Errorf("warnings %v", ws)
	}
	// The buffer cap bounds memory whatever the window.
	src2, _ := Open([]string{a, b}, Options{Timestamps: TimestampStart})
	m2 := Merge(src2.(*Merged).Readers(), MergeOptions{MaxBuffered: 10, Window: 1 << 40})
	for m2.Scan() {
		for _, in := range m2.ins {
			if len(in.h) > 10 {
				t.Fatalf("buffer holds %d samples", len(in.h))
			}
		}
	}
	m2.Close()
}

func TestOpenGzipStdinAndErrors(t *testing.T) {
	dir := t.TempDir()
	plain, err := os.ReadFile("testdata/csv/v5_header.csv")
	if err != nil {
		t.Fatal(err)
	}
	// A gzip file named .jtl, and one whose name says nothing.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	p := filepath.Join(dir, "results.jtl")
	os.WriteFile(p, gz.Bytes(), 0o644)
	r, err := OpenFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r.Scan() {
		n++
	}
	if n != 3 || !r.Format().Gzip || r.BytesRead() != int64(gz.Len()) || r.Size() != int64(gz.Len()) {
		t.Errorf("gzip: rows %d format %+v progress %d/%d", n, r.Format(), r.BytesRead(), r.Size())
	}
	r.Close()

	// "-" reads standard input; its size is unknown.
	old := os.Stdin
	defer func() { os.Stdin = old }()
	f, _ := os.Open("testdata/csv/v213_noheader.csv")
	defer f.Close()
	os.Stdin = f
	src, err := Open([]string{"-"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	for src.Scan() {
		if src.Sample().File != "<stdin>" {
			t.Errorf("stdin sample file %q", src.Sample().File)
		}
		n++
	}
	if n != 3 || src.(Progress).Size() != 0 {
		t.Errorf("stdin rows %d size %d", n, src.(Progress).Size())
	}
	if _, err := Open([]string{"-", "-"}, Options{}); err == nil {
		t.Error("stdin twice: no error")
	}
	if _, err := Open([]string{"testdata/csv/v5_header.csv", filepath.Join(dir, "missing.jtl")}, Options{}); err == nil || !strings.Contains(err.Error(), "missing.jtl") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open([]string{"testdata/csv/v5_header.csv", "testdata/csv/notjtl/plan.jmx"}, Options{}); err == nil || !strings.Contains(err.Error(), "plan.jmx") {
		t.Errorf("JMX among inputs: %v", err)
	}
}

// TestMergeIndependentRuns: two runs of the same plan on two machines
// (thread names collide) stay apart by Source; the engines of one
// distributed 5.x file stay apart by Engine.
func TestMergeIndependentRuns(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile("testdata/csv/v5_header.csv")
	a, b := filepath.Join(dir, "run-a.csv"), filepath.Join(dir, "run-b.csv")
	os.WriteFile(a, data, 0o644)
	os.WriteFile(b, data, 0o644)
	src, err := Open([]string{a, b, "testdata/csv/distributed_5x.csv"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	threads, keys := map[string]bool{}, map[string]bool{}
	for src.Scan() {
		s := src.Sample()
		threads[s.ThreadGroup()+"|"+strings.TrimPrefix(s.ThreadName, s.Engine+"-")] = true
		keys[s.Source+"|"+s.Engine+"|"+s.ThreadName] = true
	}
	// Users 1-1, Users 1-2, Agents 1-1, Agents 1-2 by name; 2+2 threads of
	// the two runs and 4 engine/thread pairs of the distributed file.
	if len(threads) != 4 || len(keys) != 8 {
		t.Errorf("%d thread names, %d source/engine/thread keys: %v", len(threads), len(keys), keys)
	}
}
