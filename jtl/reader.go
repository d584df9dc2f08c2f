package jtl

// The decoder interface below is unchanged from the skeleton; jtl/xml.go
// implements it for XML results.

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// TimestampMode says whether a file's timeStamp is the sample start or end
// (JMeter's sampleresult.timestamp.start).
type TimestampMode int

const (
	// TimestampAuto detects the mode from the data: within one thread,
	// samples do not overlap (see ratelimit-inference.md section 0).
	TimestampAuto TimestampMode = iota
	// TimestampStart: timeStamp is the start (JMeter's shipped default).
	TimestampStart
	// TimestampEnd: timeStamp is the end (sampleresult.timestamp.start=false).
	TimestampEnd
)

// String returns "auto", "start" or "end".
func (m TimestampMode) String() string {
	switch m {
	case TimestampStart:
		return "start"
	case TimestampEnd:
		return "end"
	}
	return "auto"
}

// Options configure a Reader.
type Options struct {
	// Props are the JMeter properties in effect when the file was written
	// (jmeter.properties, user.properties, -q files, -J overrides). They
	// decide the columns of header-less CSV files, the delimiter, the
	// timestamp format and sample_variables. Nil means JMeter's defaults.
	Props *Properties
	// Strict makes a malformed row fatal instead of a skipped-row warning.
	Strict bool
	// Timestamps says whether timeStamp is the start or end of a sample.
	Timestamps TimestampMode
	// Parallel decodes a large CSV input on a second goroutine while the
	// caller consumes samples, when GOMAXPROCS > 1. It pays only when the
	// caller spends well over a microsecond per sample: handing samples
	// between cores costs about as much as a light consumer's work (see
	// README.md, "Reading JMeter results" for measurements).
	Parallel bool
}

// Warning is a problem that did not stop reading: a skipped malformed row,
// a truncated last record, an assumed column layout. It prints as
// "file:line: message".
type Warning struct {
	File string
	Line int // 0 when the warning concerns the whole file
	Msg  string
}

func (w Warning) Error() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
	}
	return fmt.Sprintf("%s: %s", w.File, w.Msg)
}

// SyntaxError is a malformed input record. With Options.Strict it stops the
// reader (Err returns it); otherwise it becomes a Warning and the row is skipped.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ErrNotJTL is wrapped by the error returned for an input that is not a JMeter
// result file (a JMX plan, an HTML report, binary data, ...).
var ErrNotJTL = errors.New("not a JMeter result file")

// Format describes what a reader found in one file.
type Format struct {
	Kind      string   // "csv" or "xml"
	Delimiter rune     // CSV only
	Header    bool     // CSV only: the file has a header line
	Columns   []string // CSV only: the column names, from the header or the layout assumed
	Layout    string   // how the columns were decided, e.g. "header", "properties: ...", "guessed: JMeter 5.x defaults (17 columns)"

	// TimestampFormat is "ms" for epoch milliseconds, or the date pattern
	// (Java SimpleDateFormat) of a CSV timeStamp column.
	TimestampFormat string
	// Timestamps is whether timeStamp was taken as the sample start or end,
	// and TimestampsWhy why (the option, the data, or a default).
	Timestamps    TimestampMode
	TimestampsWhy string
	// Gzip is true when the input was gzip-compressed.
	Gzip bool
}

// Source is a stream of samples: one file (*Reader) or several merged (Open).
type Source interface {
	// Scan advances to the next sample; it returns false at the end or on a
	// fatal error (see Err).
	Scan() bool
	// Sample returns the current sample. It is reused by the next Scan.
	Sample() *Sample
	// Err returns the fatal error that stopped Scan, if any.
	Err() error
	// Warnings returns the problems met so far (a bounded list; see Skipped).
	Warnings() []Warning
	// Skipped returns how many malformed records were skipped.
	Skipped() int
	// Close releases the inputs.
	Close() error
}

// Progress reports how far a Source has read its inputs, for a progress
// line. Both *Reader and the Source returned by Open implement it.
type Progress interface {
	// BytesRead returns the bytes consumed from the inputs so far (for a
	// gzip file, compressed bytes).
	BytesRead() int64
	// Size returns the total size of the inputs, or 0 when unknown
	// (standard input, a pipe).
	Size() int64
}

// Reader reads samples from one JTL input. It detects the format (XML or CSV;
// delimiter; header or not; gzip) from the content.
//
// On top of the decoded fields it sets the derived ones: Start (after
// deciding, with TimestampAuto, whether timeStamp is the start or the end
// of a sample, from a bounded prefix of the file), Transaction, SubResult,
// Engine. With Options.Parallel, a large CSV input is decoded on a second
// goroutine while the caller consumes samples; the order and the line
// numbers are the same either way.
type Reader struct {
	name    string
	opts    Options
	dec     decoder
	fmt     Format
	err     error
	mu      sync.Mutex // guards warns and nwarn (the decoder may warn from its goroutine)
	warns   []Warning
	nwarn   int
	skipped int
	closer  io.Closer
	count   *countingReader
	size    int64

	sample Sample
	cur    *Sample
	pipe   *pipeline

	mode    TimestampMode
	decided bool
	prefix  []*Sample // samples read to decide the timestamp mode
	pi      int       // next prefix sample to return

	// sub-result marking (CSV): the last sample that was not a sub-result
	parentLabel, parentThread string
	subSeen                   bool
}

var (
	_ Source   = (*Reader)(nil)
	_ Progress = (*Reader)(nil)
)

// decoder decodes one file format. The Reader wraps it with strict mode,
// warning bookkeeping and the derived fields (Start, Transaction, Engine).
type decoder interface {
	// decode fills s (already reset to File/Source/SampleCount=1 and empty
	// slices with kept capacity) with the next top-level sample. It returns
	// io.EOF at the end; a *SyntaxError for a malformed record that was
	// consumed (the Reader skips it, or stops in strict mode); any other error
	// is fatal.
	decode(s *Sample) error
	// format describes what the decoder detected.
	format() Format
}

// warnFunc records a warning that does not concern a single skipped record
// (truncated tail, guessed layout, ...).
type warnFunc func(Warning)

// maxWarnings bounds the warnings a reader keeps; Skipped still counts all.
const maxWarnings = 100

// OpenFile opens one JTL file ("-" is standard input; gzip content is
// decompressed, whatever the file name).
func OpenFile(name string, opts Options) (*Reader, error) {
	var f io.ReadCloser
	var size int64
	if name == "-" {
		f = io.NopCloser(os.Stdin)
		name = "<stdin>"
	} else {
		ff, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		if fi, err := ff.Stat(); err == nil {
			if fi.IsDir() {
				ff.Close()
				return nil, fmt.Errorf("%s: is a directory, not a results file", name)
			}
			if fi.Mode().IsRegular() {
				size = fi.Size()
			}
		}
		f = ff
	}
	r, err := newReader(f, name, opts, size)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader returns a Reader of the JTL content in r; name is used in
// messages and Sample.File.
func NewReader(r io.Reader, name string, opts Options) (*Reader, error) {
	return newReader(r, name, opts, 0)
}

func newReader(in io.Reader, name string, opts Options, size int64) (*Reader, error) {
	rd := &Reader{name: name, opts: opts, size: size, mode: opts.Timestamps}
	rd.count = &countingReader{r: in}
	br := bufio.NewReaderSize(rd.count, 1<<16)
	head, _ := br.Peek(sniffSize)
	var src io.Reader = br
	gz := false
	if len(head) >= 2 && head[0] == gzipMagic[0] && head[1] == gzipMagic[1] {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		gz = true
		br = bufio.NewReaderSize(zr, 1<<16)
		head, _ = br.Peek(sniffSize)
		src = br
	}
	kind, err := sniff(head, name)
	if err != nil {
		return nil, err
	}
	if kind == "xml" {
		rd.dec, err = newXMLDecoder(br, name, opts, rd.warn)
	} else {
		rd.dec, err = newCSVDecoder(src, name, opts, rd.warn)
	}
	if err != nil {
		return nil, err
	}
	rd.fmt = rd.dec.format()
	rd.fmt.Gzip = gz
	rd.cur = &rd.sample
	if rd.mode != TimestampAuto {
		rd.decided = true
		rd.fmt.Timestamps = rd.mode
		rd.fmt.TimestampsWhy = "given (--timestamps " + rd.mode.String() + ")"
	}
	if opts.Parallel && kind == "csv" && (size == 0 || size > parallelMinSize) {
		rd.pipe = startPipeline(rd.dec, name)
	}
	return rd, nil
}

func (r *Reader) warn(w Warning) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nwarn++
	if len(r.warns) < maxWarnings {
		r.warns = append(r.warns, w)
	}
}

// Format returns what the reader detected. The timestamp decision is known
// after the first Scan.
func (r *Reader) Format() Format {
	f := r.fmt
	if r.dec != nil {
		d := r.dec.format()
		f.Columns, f.Layout, f.Header, f.TimestampFormat = d.Columns, d.Layout, d.Header, d.TimestampFormat
	}
	return f
}

// TimestampMode returns whether timeStamp is read as the sample start or
// end: as given in Options, or as decided from the data (after the first
// Scan).
func (r *Reader) TimestampMode() TimestampMode { return r.fmt.Timestamps }

// Name returns the input name used in messages.
func (r *Reader) Name() string { return r.name }

// BytesRead implements Progress.
func (r *Reader) BytesRead() int64 { return r.count.n.Load() }

// Size implements Progress.
func (r *Reader) Size() int64 { return r.size }

// Scan implements Source.
func (r *Reader) Scan() bool {
	if r.err != nil && r.prefix == nil {
		return false
	}
	if !r.decided {
		r.decide()
		if r.err != nil && len(r.prefix) == 0 {
			return false
		}
	}
	if r.prefix != nil {
		if r.pi < len(r.prefix) {
			r.cur = r.prefix[r.pi]
			r.pi++
			return true
		}
		r.prefix = nil
		r.cur = &r.sample
		if r.err != nil {
			return false
		}
	}
	s := r.next()
	if s == nil {
		return false
	}
	r.setStart(s)
	r.cur = s
	return true
}

// next decodes the next sample and sets the fields that do not depend on
// the timestamp mode. The sample is r.sample, or with a pipeline one of its
// batch's; it stays valid until the next call. It returns nil at the end or
// on a fatal error (r.err).
func (r *Reader) next() *Sample {
	for {
		var s *Sample
		var err error
		if r.pipe != nil {
			s, err = r.pipe.next()
		} else {
			s = &r.sample
			vars, as, ch := s.Variables[:0], s.Assertions[:0], s.Children[:0]
			*s = Sample{}
			s.File, s.Source, s.SampleCount = r.name, r.name, 1
			s.Variables, s.Assertions, s.Children = vars, as, ch
			err = r.dec.decode(s)
		}
		if err == io.EOF {
			return nil
		}
		if se, ok := err.(*SyntaxError); ok {
			if r.opts.Strict {
				r.err = se
				return nil
			}
			r.skipped++
			r.warn(Warning{File: se.File, Line: se.Line, Msg: se.Msg + "; row skipped"})
			continue
		}
		if err != nil {
			r.err = err
			return nil
		}
		r.derive(s)
		return s
	}
}

// derive sets Transaction, Engine and SubResult.
func (r *Reader) derive(s *Sample) {
	s.Transaction = strings.HasPrefix(s.ResponseMessage, TransactionPrefix)
	s.Engine = s.Hostname
	if s.Engine == "" {
		s.Engine = threadEngine(s.ThreadName)
	}
	if r.fmt.Kind != "csv" {
		return
	}
	if r.subSeen && s.ThreadName == r.parentThread && isSubResultLabel(s.Label, r.parentLabel) {
		s.SubResult = true
		return
	}
	r.parentLabel, r.parentThread, r.subSeen = s.Label, s.ThreadName, true
}

// isSubResultLabel reports whether label is parent + "-" + digits, the name
// JMeter 5.x gives the sub-results of parent.
func isSubResultLabel(label, parent string) bool {
	if len(label) < len(parent)+2 || label[:len(parent)] != parent || label[len(parent)] != '-' {
		return false
	}
	for i := len(parent) + 1; i < len(label); i++ {
		if label[i] < '0' || label[i] > '9' {
			return false
		}
	}
	return true
}

// threadEngine returns the "host:port" prefix that JMeter 5.x distributed
// runs put before thread names ("10.0.0.5:1099-Agents 1-7"), or "".
func threadEngine(name string) string {
	for i := 1; i < len(name); i++ {
		c := name[i]
		if c == ' ' {
			return ""
		}
		if c != ':' {
			continue
		}
		j := i + 1
		for j < len(name) && name[j] >= '0' && name[j] <= '9' {
			j++
		}
		if j > i+1 && j < len(name) && name[j] == '-' {
			return name[:j]
		}
	}
	return ""
}

// setStart sets Start (and the children's) from the timestamp mode.
func (r *Reader) setStart(s *Sample) {
	s.Start = s.Timestamp
	if r.fmt.Timestamps == TimestampEnd {
		s.Start = s.Timestamp - s.Elapsed
	}
	for i := range s.Children {
		r.setStart(&s.Children[i])
	}
}

// Sample implements Source.
func (r *Reader) Sample() *Sample { return r.cur }

// Err implements Source.
func (r *Reader) Err() error { return r.err }

// Warnings implements Source.
func (r *Reader) Warnings() []Warning {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.warns[:len(r.warns):len(r.warns)]
}

// WarningCount returns how many warnings there were, including those not
// kept in Warnings.
func (r *Reader) WarningCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nwarn
}

// Skipped implements Source.
func (r *Reader) Skipped() int { return r.skipped }

// Close implements Source.
func (r *Reader) Close() error {
	if r.pipe != nil {
		r.pipe.stop()
	}
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// Open opens several JTL inputs and returns one Source over all of them.
// "-" is standard input. A single input is returned as its *Reader, in file
// order (JMeter writes a row when the sample ends, so rows are nearly, not
// exactly, sorted by Start). Several inputs are merged in time order by
// Start: see Merge for the guarantee. Every sample keeps its input's name
// in Source.
func Open(names []string, opts Options) (Source, error) {
	if len(names) == 0 {
		return nil, errors.New("no result files given")
	}
	if len(names) == 1 {
		return OpenFile(names[0], opts)
	}
	var rs []*Reader
	stdin := 0
	for _, n := range names {
		if n == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return nil, errors.New("standard input (-) given more than once")
	}
	for _, n := range names {
		r, err := OpenFile(n, opts)
		if err != nil {
			for _, o := range rs {
				o.Close()
			}
			return nil, err
		}
		rs = append(rs, r)
	}
	return Merge(rs, MergeOptions{}), nil
}
