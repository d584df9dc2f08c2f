package jtl

// Filter returns a Source over the samples of src that keep accepts (all of
// them when keep is nil). keep sees every sample src yields, in order,
// including those it rejects, so it may also count rows or track the run
// start.
//
// Unlike a plain wrapper embedding Source, the filter keeps what is under
// it visible: it forwards Progress (BytesRead, Size: 0 when src cannot
// tell), Readers (see ReadersOf), WarningCount, Warnings, Skipped, Err and
// Close to src. The analysis uses Readers to report each input's format,
// layout and timestamp mode; a wrapper that hid them made an end-timestamp
// file look like a start-timestamp one.
func Filter(src Source, keep func(*Sample) bool) Source {
	return &filtered{src: src, keep: keep}
}

// filtered is the Source returned by Filter.
type filtered struct {
	src  Source
	keep func(*Sample) bool
}

var (
	_ Source   = (*filtered)(nil)
	_ Progress = (*filtered)(nil)
)

// Scan implements Source.
func (f *filtered) Scan() bool {
	for f.src.Scan() {
		if f.keep == nil || f.keep(f.src.Sample()) {
			return true
		}
	}
	return false
}

// Sample implements Source.
func (f *filtered) Sample() *Sample { return f.src.Sample() }

// Err implements Source.
func (f *filtered) Err() error { return f.src.Err() }

// Warnings implements Source.
func (f *filtered) Warnings() []Warning { return f.src.Warnings() }

// Skipped implements Source.
func (f *filtered) Skipped() int { return f.src.Skipped() }

// Close implements Source.
func (f *filtered) Close() error { return f.src.Close() }

// BytesRead implements Progress; 0 when src cannot tell.
func (f *filtered) BytesRead() int64 {
	if p, ok := f.src.(Progress); ok {
		return p.BytesRead()
	}
	return 0
}

// Size implements Progress; 0 (unknown) when src cannot tell.
func (f *filtered) Size() int64 {
	if p, ok := f.src.(Progress); ok {
		return p.Size()
	}
	return 0
}

// Readers returns the readers under src (see ReadersOf).
func (f *filtered) Readers() []*Reader { return ReadersOf(f.src) }

// WarningCount returns how many warnings src had, including those it did
// not keep; len(Warnings()) when src cannot tell.
func (f *filtered) WarningCount() int {
	if c, ok := f.src.(interface{ WarningCount() int }); ok {
		return c.WarningCount()
	}
	return len(f.src.Warnings())
}

// ReadersOf returns the readers that src reads from: src itself when it is a
// *Reader, the inputs of a Merge (in the order given), the readers under a
// Filter; nil for a Source that reads no file (a simulation).
func ReadersOf(src Source) []*Reader {
	switch v := src.(type) {
	case *Reader:
		return []*Reader{v}
	case interface{ Readers() []*Reader }:
		return v.Readers()
	}
	return nil
}
