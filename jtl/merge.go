package jtl

import (
	"fmt"
)

// DefaultMergeWindow is how late (in ms of Start) a sample may come in its
// input and still be merged in order: JMeter writes a row when the sample
// ends, and distributed runs batch samples for up to 60 s.
const DefaultMergeWindow = 65_000

// DefaultMergeBuffer caps the samples Merge holds per input.
const DefaultMergeBuffer = 20_000

// MergeOptions tune Merge. The zero value uses the defaults.
type MergeOptions struct {
	// Window is the reorder window in ms (DefaultMergeWindow when 0).
	Window int64
	// MaxBuffered caps the samples held per input (DefaultMergeBuffer when 0).
	MaxBuffered int
}

// Merged is a Source over several Readers in time order. See Merge.
type Merged struct {
	ins    []*mergeInput
	window int64
	max    int
	cur    *Sample
	pool   []*Sample
	seq    int64
	last   int64
	any    bool
	late   int
	err    error
	warns  []Warning
	closed bool
}

var (
	_ Source   = (*Merged)(nil)
	_ Progress = (*Merged)(nil)
)

type mergeInput struct {
	r       *Reader
	h       sampleHeap
	eof     bool
	maxSeen int64
}

// Merge returns a Source that yields the samples of rs in order of Start.
//
// Guarantee: each input is read through a reorder buffer that holds up to
// MaxBuffered samples spanning up to Window ms of Start, and the inputs
// are merged k-way. The output is in Start order (ties in input order)
// unless a sample comes later in its input than the buffer covers (more
// than Window ms of Start, or MaxBuffered samples, behind the newest one);
// such a sample is passed on as soon as it is read, out of order, and
// counted (Late, and one warning). Memory is bounded by MaxBuffered
// samples per input.
func Merge(rs []*Reader, o MergeOptions) *Merged {
	m := &Merged{window: o.Window, max: o.MaxBuffered}
	if m.window <= 0 {
		m.window = DefaultMergeWindow
	}
	if m.max <= 0 {
		m.max = DefaultMergeBuffer
	}
	for _, r := range rs {
		m.ins = append(m.ins, &mergeInput{r: r})
	}
	return m
}

// fill reads input in until its smallest buffered sample cannot be
// preceded by a sample still unread (or the input ends).
func (m *Merged) fill(in *mergeInput) {
	for !in.eof {
		if n := len(in.h); n > 0 && (n >= m.max || in.maxSeen-in.h[0].s.Start >= m.window) {
			return
		}
		if !in.r.Scan() {
			in.eof = true
			if err := in.r.Err(); err != nil && m.err == nil {
				m.err = err
			}
			return
		}
		s := m.get()
		copySample(s, in.r.Sample())
		if len(in.h) == 0 || s.Start > in.maxSeen {
			in.maxSeen = s.Start
		}
		m.seq++
		in.h.push(heapItem{s: s, seq: m.seq})
	}
}

func (m *Merged) get() *Sample {
	if n := len(m.pool); n > 0 {
		s := m.pool[n-1]
		m.pool = m.pool[:n-1]
		return s
	}
	return new(Sample)
}

// Scan implements Source.
func (m *Merged) Scan() bool {
	if m.cur != nil {
		m.pool = append(m.pool, m.cur)
		m.cur = nil
	}
	if m.err != nil || m.closed {
		return false
	}
	var best *mergeInput
	for _, in := range m.ins {
		m.fill(in)
		if m.err != nil {
			return false
		}
		if len(in.h) == 0 {
			continue
		}
		if best == nil || in.h[0].less(best.h[0]) {
			best = in
		}
	}
	if best == nil {
		if m.late > 0 && len(m.warns) == 0 {
			m.warns = append(m.warns, Warning{File: "merge", Msg: fmt.Sprintf("%d samples came more than the reorder window (%d s or %d samples) late in their file and were merged out of time order", m.late, m.window/1000, m.max)})
		}
		return false
	}
	it := best.h.pop()
	if m.any && it.s.Start < m.last {
		m.late++
	} else {
		m.last = it.s.Start
	}
	m.any = true
	m.cur = it.s
	return true
}

// Sample implements Source.
func (m *Merged) Sample() *Sample { return m.cur }

// Err implements Source.
func (m *Merged) Err() error { return m.err }

// Late returns how many samples were passed on out of time order.
func (m *Merged) Late() int { return m.late }

// Readers returns the inputs, in the order given.
func (m *Merged) Readers() []*Reader {
	out := make([]*Reader, len(m.ins))
	for i, in := range m.ins {
		out[i] = in.r
	}
	return out
}

// Warnings implements Source: the inputs' warnings, then the merge's.
func (m *Merged) Warnings() []Warning {
	var out []Warning
	for _, in := range m.ins {
		out = append(out, in.r.Warnings()...)
	}
	return append(out, m.warns...)
}

// Skipped implements Source.
func (m *Merged) Skipped() int {
	n := 0
	for _, in := range m.ins {
		n += in.r.Skipped()
	}
	return n
}

// BytesRead implements Progress.
func (m *Merged) BytesRead() int64 {
	var n int64
	for _, in := range m.ins {
		n += in.r.BytesRead()
	}
	return n
}

// Size implements Progress; 0 when the size of any input is unknown.
func (m *Merged) Size() int64 {
	var n int64
	for _, in := range m.ins {
		s := in.r.Size()
		if s <= 0 {
			return 0
		}
		n += s
	}
	return n
}

// Close implements Source.
func (m *Merged) Close() error {
	m.closed = true
	var first error
	for _, in := range m.ins {
		if err := in.r.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// heapItem is a buffered sample; seq keeps input order among equal starts.
type heapItem struct {
	s   *Sample
	seq int64
}

func (a heapItem) less(b heapItem) bool {
	if a.s.Start != b.s.Start {
		return a.s.Start < b.s.Start
	}
	return a.seq < b.seq
}

// sampleHeap is a binary min-heap of buffered samples by (Start, seq).
type sampleHeap []heapItem

func (h *sampleHeap) push(it heapItem) {
	*h = append(*h, it)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !a[i].less(a[p]) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *sampleHeap) pop() heapItem {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = heapItem{}
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && a[r].less(a[l]) {
			c = r
		}
		if !a[c].less(a[i]) {
			break
		}
		a[i], a[c] = a[c], a[i]
		i = c
	}
	*h = a
	return top
}

// WarningCount returns how many warnings there were, including those the
// inputs did not keep.
func (m *Merged) WarningCount() int {
	n := len(m.warns)
	for _, in := range m.ins {
		n += in.r.WarningCount()
	}
	return n
}
