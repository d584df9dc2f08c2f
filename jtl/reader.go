package jtl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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
	Layout    string   // how the columns were decided, e.g. "header", "properties", "guessed: JMeter 5.x defaults (17 columns)"
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

// Reader reads samples from one JTL input. It detects the format (XML or CSV;
// delimiter; header or not) from the content.
type Reader struct {
	name    string
	opts    Options
	dec     decoder
	sample  Sample
	err     error
	warns   []Warning
	skipped int
	closer  io.Closer
}

var _ Source = (*Reader)(nil)

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

// OpenFile opens one JTL file ("-" is standard input; ".gz" is decompressed).
func OpenFile(name string, opts Options) (*Reader, error) {
	var f io.ReadCloser
	if name == "-" {
		f = io.NopCloser(os.Stdin)
		name = "<stdin>"
	} else {
		ff, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		f = ff
	}
	r, err := NewReader(f, name, opts)
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
	rd := &Reader{name: name, opts: opts}
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(512)
	trim := strings.TrimLeft(string(head), " \t\r\n\ufeff")
	var err error
	if strings.HasPrefix(trim, "<") {
		rd.dec, err = newXMLDecoder(br, name, opts, rd.warn)
	} else {
		rd.dec, err = newCSVDecoder(br, name, opts, rd.warn)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

func (r *Reader) warn(w Warning) {
	if len(r.warns) < maxWarnings {
		r.warns = append(r.warns, w)
	}
}

// Format returns what the reader detected.
func (r *Reader) Format() Format { return r.dec.format() }

// Scan implements Source.
func (r *Reader) Scan() bool {
	if r.err != nil {
		return false
	}
	s := &r.sample
	for {
		*s = Sample{File: r.name, Source: r.name, SampleCount: 1,
			Variables: s.Variables[:0], Assertions: s.Assertions[:0], Children: s.Children[:0]}
		err := r.dec.decode(s)
		if err == io.EOF {
			return false
		}
		if se, ok := err.(*SyntaxError); ok {
			if r.opts.Strict {
				r.err = se
				return false
			}
			r.skipped++
			r.warn(Warning{File: se.File, Line: se.Line, Msg: se.Msg + "; row skipped"})
			continue
		}
		if err != nil {
			r.err = err
			return false
		}
		s.Start = s.Timestamp
		if r.opts.Timestamps == TimestampEnd {
			s.Start = s.Timestamp - s.Elapsed
		}
		s.Transaction = strings.HasPrefix(s.ResponseMessage, TransactionPrefix)
		s.Engine = s.Hostname
		return true
	}
}

// Sample implements Source.
func (r *Reader) Sample() *Sample { return &r.sample }

// Err implements Source.
func (r *Reader) Err() error { return r.err }

// Warnings implements Source.
func (r *Reader) Warnings() []Warning { return r.warns }

// Skipped implements Source.
func (r *Reader) Skipped() int { return r.skipped }

// Close implements Source.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// Properties are JMeter properties (key=value), as read from
// jmeter.properties, user.properties, -q files and -J overrides, later
// sources overriding earlier ones.
type Properties struct {
	m map[string]string
}

// Get returns the value of key and whether it is set.
func (p *Properties) Get(key string) (string, bool) {
	if p == nil || p.m == nil {
		return "", false
	}
	v, ok := p.m[key]
	return v, ok
}

// Set sets key to value (as -J key=value does).
func (p *Properties) Set(key, value string) {
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[key] = value
}

// Open opens several JTL inputs and returns one Source over all of them,
// merged in time order (by Start). "-" is standard input.
func Open(names []string, opts Options) (Source, error) {
	if len(names) != 1 {
		return nil, errors.New("jtl.Open: several files not supported yet")
	}
	return OpenFile(names[0], opts)
}
