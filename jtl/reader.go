package jtl

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
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
	format  Format
	sample  Sample
	err     error
	warns   []Warning
	skipped int
	closer  io.Closer

	// simple CSV implementation (to be replaced by the fast reader)
	csv  *csv.Reader
	cols []int // column index -> Field index (bit position), or -1-varIndex for variables
	vars []string
}

var _ Source = (*Reader)(nil)

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
	if strings.HasPrefix(trim, "<") {
		return nil, fmt.Errorf("%s: XML results are not supported yet", name)
	}
	rd.csv = csv.NewReader(br)
	rd.csv.FieldsPerRecord = -1
	rd.csv.ReuseRecord = true
	hdr, err := rd.csv.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rd.format = Format{Kind: "csv", Delimiter: ',', Header: true, Layout: "header"}
	for _, h := range hdr {
		h = strings.TrimPrefix(h, "\ufeff")
		rd.format.Columns = append(rd.format.Columns, h)
		idx := -1
		for i, n := range ColumnNames {
			if n == h {
				idx = i
			}
		}
		if idx < 0 {
			rd.vars = append(rd.vars, strings.Trim(h, `"`))
			idx = -len(rd.vars)
		}
		rd.cols = append(rd.cols, idx)
	}
	return rd, nil
}

// ColumnNames are the standard CSV header names in JMeter's canonical order;
// ColumnNames[i] is the name of Field(1<<i).
var ColumnNames = []string{
	"timeStamp", "elapsed", "label", "responseCode", "responseMessage",
	"threadName", "dataType", "success", "failureMessage", "bytes",
	"sentBytes", "grpThreads", "allThreads", "URL", "Filename", "Latency",
	"Encoding", "SampleCount", "ErrorCount", "Hostname", "IdleTime", "Connect",
}

// Format returns what the reader detected.
func (r *Reader) Format() Format { return r.format }

// Scan implements Source.
func (r *Reader) Scan() bool {
	if r.err != nil {
		return false
	}
	for {
		rec, err := r.csv.Read()
		if err == io.EOF {
			return false
		}
		line, _ := r.csv.FieldPos(0)
		if err != nil {
			r.err = fmt.Errorf("%s:%d: %w", r.name, line, err)
			return false
		}
		s := &r.sample
		*s = Sample{File: r.name, Line: line, Source: r.name, Variables: s.Variables[:0], SampleCount: 1}
		bad := ""
		for i, v := range rec {
			if i >= len(r.cols) {
				bad = fmt.Sprintf("%d fields, header has %d", len(rec), len(r.cols))
				break
			}
			c := r.cols[i]
			if c < 0 {
				s.Variables = append(s.Variables, Variable{Name: r.vars[-c-1], Value: v, Set: v != "null"})
				continue
			}
			if v == "null" && c != 2 {
				continue
			}
			s.Has |= 1 << c
			var n int64
			switch Field(1 << c) {
			case FieldTimestamp, FieldElapsed, FieldBytes, FieldSentBytes, FieldGrpThreads, FieldAllThreads,
				FieldLatency, FieldSampleCount, FieldErrorCount, FieldIdleTime, FieldConnect:
				n, err = strconv.ParseInt(v, 10, 64)
				if err != nil {
					bad = fmt.Sprintf("column %s: %q is not a number", ColumnNames[c], v)
				}
			}
			switch Field(1 << c) {
			case FieldTimestamp:
				s.Timestamp = n
			case FieldElapsed:
				s.Elapsed = n
			case FieldLabel:
				s.Label = v
			case FieldResponseCode:
				s.ResponseCode = v
			case FieldResponseMessage:
				s.ResponseMessage = v
			case FieldThreadName:
				s.ThreadName = v
			case FieldDataType:
				s.DataType = v
			case FieldSuccess:
				s.Success = strings.EqualFold(v, "true")
			case FieldFailureMessage:
				s.FailureMessage = v
			case FieldBytes:
				s.Bytes = n
			case FieldSentBytes:
				s.SentBytes = n
			case FieldGrpThreads:
				s.GrpThreads = int(n)
			case FieldAllThreads:
				s.AllThreads = int(n)
			case FieldURL:
				s.URL = v
			case FieldFilename:
				s.Filename = v
			case FieldLatency:
				s.Latency = n
			case FieldEncoding:
				s.Encoding = v
			case FieldSampleCount:
				s.SampleCount = int(n)
			case FieldErrorCount:
				s.ErrorCount = int(n)
			case FieldHostname:
				s.Hostname = v
			case FieldIdleTime:
				s.IdleTime = n
			case FieldConnect:
				s.Connect = n
			}
		}
		if bad != "" {
			if r.opts.Strict {
				r.err = &SyntaxError{File: r.name, Line: line, Msg: bad}
				return false
			}
			r.skipped++
			if len(r.warns) < maxWarnings {
				r.warns = append(r.warns, Warning{File: r.name, Line: line, Msg: bad + "; row skipped"})
			}
			continue
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
