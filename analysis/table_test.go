package analysis

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortByStart checks that sorting the table by start moves every column
// with its row (each column holds a function of the row's original number)
// and keeps rows with equal starts in their original order.
func TestSortByStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 17, 5000} {
		tb := &table{}
		for i := 0; i < n; i++ {
			// Nearly sorted, with ties and starts above 2^16 (two radix passes).
			s := int32(90_000_000 + i*3 - rng.IntN(40))
			tb.start = append(tb.start, s)
			tb.elapsed = append(tb.elapsed, int32(i))
			tb.connect = append(tb.connect, uint16(i))
			tb.rtt = append(tb.rtt, int16(i%30000))
			tb.label = append(tb.label, uint16(i))
			tb.thread = append(tb.thread, uint32(i))
			tb.engine = append(tb.engine, uint8(i))
			tb.code = append(tb.code, uint16(i))
			tb.threads = append(tb.threads, uint16(i))
			tb.ra = append(tb.ra, float32(i))
			tb.cls = append(tb.cls, uint8(i))
			tb.url = append(tb.url, uint32(i))
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		starts := slices.Clone(tb.start)
		slices.SortStableFunc(want, func(a, b int) int { return int(starts[a] - starts[b]) })
		tb.sortByStart()
		for k, i := range want {
			if tb.start[k] != starts[i] || tb.elapsed[k] != int32(i) || tb.connect[k] != uint16(i) || tb.rtt[k] != int16(i%30000) ||
				tb.label[k] != uint16(i) || tb.thread[k] != uint32(i) || tb.engine[k] != uint8(i) || tb.code[k] != uint16(i) ||
				tb.threads[k] != uint16(i) || tb.ra[k] != float32(i) || tb.cls[k] != uint8(i) || tb.url[k] != uint32(i) {
				t.Fatalf("n=%d: row %d holds row %d's columns partly (elapsed %d, url %d)", n, k, i, tb.elapsed[k], tb.url[k])
			}
		}
	}
}

// TestSubset checks the thinned search subset: every admitted event is
// kept, at most max events in all, the throttles evenly thinned, and each
// kept event knows its place in the whole.
func TestSubset(t *testing.T) {
	e := &events{}
	for i := 0; i < 10000; i++ {
		y := evThrottled
		if i%10 == 0 {
			y = evAccepted
		}
		e.t = append(e.t, float64(i)/100)
		e.y = append(e.y, y)
		e.row = append(e.row, int32(i))
	}
	s := e.subset(1000, 9000, 2000, false)
	if s.len() > 2000 {
		t.Fatalf("subset has %d events, want at most 2000", s.len())
	}
	if s.nAcc != 800 {
		t.Errorf("subset kept %d admitted events, want all 800", s.nAcc)
	}
	if s.nThr < 1000 {
		t.Errorf("subset kept %d throttles, want the room left (at least 1000)", s.nThr)
	}
	for i := 0; i < s.len(); i++ {
		r := s.root(i)
		if e.row[r] != s.row[i] || e.t[r] != s.t[i] {
			t.Fatalf("event %d: root %d does not match", i, r)
		}
		if j, ok := s.pos(r); !ok || j != i {
			t.Fatalf("pos(%d) = %d, %v; want %d", r, j, ok, i)
		}
	}
	// Mostly admitted: a contiguous part.
	for i := range e.y {
		e.y[i] = evAccepted
	}
	c := e.subset(1000, 9000, 2000, true)
	if c.idx != nil || c.len() != 2000 || c.root(0) != 7000 {
		t.Errorf("admitted-only subset: %d events from %d (thinned %v), want 2000 contiguous ending at 9000", c.len(), c.root(0), c.idx != nil)
	}
}
