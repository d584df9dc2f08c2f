package jtl

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// csvDecoder decodes JMeter CSV results with a hand-made byte-level scanner:
// one large reusable buffer, records found with bytes.IndexByte, a fast path
// for unquoted fields, integers parsed in place and strings interned per
// column, so that a row in steady state costs no allocation.
//
// Quoting follows JMeter's writer (RFC 4180): a field that holds the
// delimiter, a quote, CR or LF is quoted and its quotes doubled; such a
// field may span lines.
type csvDecoder struct {
	name string
	in   io.Reader
	warn warnFunc
	opts Options

	buf      []byte
	pos, end int // unread data is buf[pos:end]
	eof      bool
	crOnly   bool // the input ends lines with CR alone
	noFast   bool // tests: always take the general path
	line     int  // line number of buf[pos]
	recStart int  // offset in buf of the record being converted
	recTerm  bool

	delim   byte
	cols    []csvColumn
	vars    []string // sample variable names, by csvColumn.varIdx
	spans   []span   // fields of the current record
	scratch []byte   // unescaped quoted fields

	tsFormat     string      // "ms" or the date pattern in use
	date         *dateLayout // timestamp_format pattern; nil for epoch ms
	dateFallback bool        // try JMeter's fallback patterns on a non-number
	dateNoted    bool

	fmtMu sync.Mutex // guards fmt: decode may run on another goroutine than format
	fmt   Format
}

// csvColumn is one column of the current layout.
type csvColumn struct {
	field  int     // index into ColumnNames, or -1 for a sample variable
	kind   uint8   // for the fast path
	bit    Field   // 1 << field for a standard column
	off    uintptr // offset of the field in Sample (fast path)
	varIdx int
	intern internTable
}

// span locates one field of the current record: in buf (relative to
// recStart) or, for a quoted field that needed unescaping, in scratch.
type span struct {
	start, end int
	inScratch  bool
	quoted     bool
}

// Record status from split.
const (
	recOK           = iota
	recMore         // the record continues past the data read so far
	recBlank        // an empty line
	recUnterminated // the input ends inside a quoted field
	recBadQuote     // text after a closing quote
)

const (
	csvBufSize   = 256 << 10
	csvMaxRecord = 64 << 20
	peekRecords  = 20
)

// Field indexes used by the converter.
const (
	idxTimestamp = iota
	idxElapsed
	idxLabel
	idxResponseCode
	idxResponseMessage
	idxThreadName
	idxDataType
	idxSuccess
	idxFailureMessage
	idxBytes
	idxSentBytes
	idxGrpThreads
	idxAllThreads
	idxURL
	idxFilename
	idxLatency
	idxEncoding
	idxSampleCount
	idxErrorCount
	idxHostname
	idxIdleTime
	idxConnect
)

func newCSVDecoder(in io.Reader, name string, opts Options, warn warnFunc) (decoder, error) {
	d := &csvDecoder{name: name, in: in, warn: warn, opts: opts, line: 1, buf: make([]byte, csvBufSize, csvBufSize+wordPad)}
	// Read enough to see the first records.
	for !d.eof && d.end < 64<<10 {
		if err := d.fill(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if bytes.HasPrefix(d.buf[d.pos:d.end], []byte("\ufeff")) {
		d.pos += 3
	}
	// Old Mac line ends (CR alone), which JMeter's reader accepts: read
	// every CR as LF.
	if head := d.buf[d.pos:d.end]; bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0 {
		d.crOnly = true
		crToLF(head)
	}
	if err := d.detect(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *csvDecoder) format() Format {
	d.fmtMu.Lock()
	defer d.fmtMu.Unlock()
	f := d.fmt
	f.Columns = append([]string(nil), f.Columns...)
	return f
}

// fill moves unread data to the front of the buffer (growing it when a
// record does not fit) and reads more.
func (d *csvDecoder) fill() error {
	if d.pos > 0 {
		copy(d.buf, d.buf[d.pos:d.end])
		d.end -= d.pos
		d.pos = 0
	}
	if d.end == len(d.buf) {
		if len(d.buf) >= csvMaxRecord {
			return fmt.Errorf("line %d: record longer than %d MiB; this is not JMeter CSV output", d.line, csvMaxRecord>>20)
		}
		nb := make([]byte, 2*len(d.buf), 2*len(d.buf)+wordPad)
		copy(nb, d.buf[:d.end])
		d.buf = nb
	}
	for {
		n, err := d.in.Read(d.buf[d.end:])
		if d.crOnly {
			crToLF(d.buf[d.end : d.end+n])
		}
		d.end += n
		if err == io.EOF {
			d.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
}

// crToLF replaces every CR in b with LF.
func crToLF(b []byte) {
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return
		}
		b[i] = '\n'
		b = b[i+1:]
	}
}

// split finds the fields of the record at the start of data. It returns the
// bytes the record uses (with its line end), the newlines in it, whether it
// ended with a line end, and its status.
func (d *csvDecoder) split(data []byte, atEOF bool) (n, nl int, term bool, st int) {
	d.spans = d.spans[:0]
	d.scratch = d.scratch[:0]
	delim := d.delim
	// le is the end of the line's content, next the offset after its line end.
	le, next := lineEnd(data, 0)
	if next < 0 {
		if !atEOF {
			return 0, 0, false, recMore
		}
		le, next = len(data), len(data)
	} else {
		term = true
		nl = 1
	}
	if le == 0 {
		return next, nl, term, recBlank
	}
	i := 0
	for {
		if i < le && data[i] == '"' {
			// Quoted field: find the closing quote, doubling aside.
			j := i + 1
			plain := true
			sstart := len(d.scratch)
			for {
				k := bytes.IndexByte(data[j:], '"')
				if k < 0 {
					if !atEOF {
						return 0, 0, false, recMore
					}
					return len(data), bytes.Count(data, nlByte), false, recUnterminated
				}
				q := j + k
				if q+1 == len(data) && !atEOF {
					return 0, 0, false, recMore // a doubled quote may follow
				}
				if q+1 < len(data) && data[q+1] == '"' {
					d.scratch = append(d.scratch, data[j:q+1]...)
					plain = false
					j = q + 2
					continue
				}
				if plain {
					d.spans = append(d.spans, span{start: i + 1, end: q, quoted: true})
				} else {
					d.scratch = append(d.scratch, data[j:q]...)
					d.spans = append(d.spans, span{start: sstart, end: len(d.scratch), inScratch: true, quoted: true})
				}
				i = q + 1
				break
			}
			if i > le {
				// The quoted field spanned lines: find the line end again.
				le, next = lineEnd(data, i)
				if next < 0 {
					if !atEOF {
						return 0, 0, false, recMore
					}
					le, next = len(data), len(data)
					term = false
				} else {
					term = true
				}
				nl = bytes.Count(data[:next], nlByte)
			}
			if i == le {
				return next, nl, term, recOK
			}
			if data[i] != delim {
				return next, nl, term, recBadQuote
			}
			i++
			continue
		}
		k := bytes.IndexByte(data[i:le], delim)
		if k < 0 {
			d.spans = append(d.spans, span{start: i, end: le})
			return next, nl, term, recOK
		}
		d.spans = append(d.spans, span{start: i, end: i + k})
		i += k + 1
	}
}

var nlByte = []byte{'\n'}

// lineEnd returns the end of the line starting at from (before CR LF or
// LF) and the offset after the line end, or next = -1 when data holds no
// LF after from.
func lineEnd(data []byte, from int) (le, next int) {
	k := bytes.IndexByte(data[from:], '\n')
	if k < 0 {
		return len(data), -1
	}
	le = from + k
	next = le + 1
	if le > from && data[le-1] == '\r' {
		le--
	}
	return le, next
}

// next reads the next record into spans. It returns its first line and
// status, or io.EOF.
func (d *csvDecoder) next() (line, st int, err error) {
	for {
		data := d.buf[d.pos:d.end]
		if len(data) == 0 && d.eof {
			return 0, 0, io.EOF
		}
		n, nl, term, st := d.split(data, d.eof)
		if st == recMore {
			if err := d.fill(); err != nil {
				return 0, 0, fmt.Errorf("%s:%d: %w", d.name, d.line, err)
			}
			continue
		}
		line = d.line
		d.recStart = d.pos
		d.recTerm = term
		d.pos += n
		d.line += nl
		if st == recBlank {
			continue
		}
		return line, st, nil
	}
}

// field returns the bytes of field i of the current record.
func (d *csvDecoder) field(i int) []byte {
	sp := &d.spans[i]
	if sp.inScratch {
		return d.scratch[sp.start:sp.end]
	}
	return d.buf[d.recStart+sp.start : d.recStart+sp.end]
}

// fieldStrings returns the fields of the current record as strings.
func (d *csvDecoder) fieldStrings() (vals []string, quoted []bool) {
	for i := range d.spans {
		vals = append(vals, string(d.field(i)))
		quoted = append(quoted, d.spans[i].quoted)
	}
	return vals, quoted
}

func (d *csvDecoder) decode(s *Sample) error {
	if !d.noFast && d.fast(s) {
		return nil
	}
	for {
		line, st, err := d.next()
		if err != nil {
			return err
		}
		s.Line = line
		last := d.eof && d.pos >= d.end && !d.recTerm
		switch st {
		case recUnterminated:
			return &SyntaxError{File: d.name, Line: line, Msg: "the file ends inside a quoted field (the last record is incomplete: was the run killed?)"}
		case recBadQuote:
			return &SyntaxError{File: d.name, Line: line, Msg: "text after the closing quote of a field"}
		}
		if len(d.spans) != len(d.cols) {
			if d.rereadHeader(line) {
				continue
			}
			if last && len(d.spans) < len(d.cols) {
				return &SyntaxError{File: d.name, Line: line, Msg: fmt.Sprintf("the last record is incomplete (%d of %d fields; the file ends mid-record: was the run killed?)", len(d.spans), len(d.cols))}
			}
			return &SyntaxError{File: d.name, Line: line, Msg: fmt.Sprintf("%d fields, want %d (%s); a run appended with other settings?", len(d.spans), len(d.cols), d.layoutName())}
		}
		if err := d.convert(s); err != nil {
			if d.rereadHeader(line) {
				continue
			}
			if last {
				err.Msg += " (the last record, cut short?)"
			}
			return err
		}
		return nil
	}
}

func (d *csvDecoder) layoutName() string {
	if d.fmt.Header {
		return "the header's columns"
	}
	return "layout " + d.fmt.Layout
}

// rereadHeader reports whether the current record is a header line (an
// appended run that wrote its own header) and if so switches to its columns.
func (d *csvDecoder) rereadHeader(line int) bool {
	vals, quoted := d.fieldStrings()
	cols, vars, unknown, ok := parseHeader(vals, quoted)
	if !ok {
		return false
	}
	same := len(vals) == len(d.fmt.Columns)
	for i := 0; same && i < len(vals); i++ {
		same = headerText(vals[i], quoted[i]) == d.fmt.Columns[i]
	}
	d.setColumns(cols, vars)
	d.fmtMu.Lock()
	d.fmt.Header = true
	d.fmt.Columns = d.fmt.Columns[:0:0]
	for i := range vals {
		d.fmt.Columns = append(d.fmt.Columns, headerText(vals[i], quoted[i]))
	}
	if !same {
		d.fmt.Layout = fmt.Sprintf("header (line %d)", line)
	}
	d.fmtMu.Unlock()
	if same {
		d.warn(Warning{File: d.name, Line: line, Msg: "header line repeated (a run appended to this file); skipped"})
	} else {
		d.warn(Warning{File: d.name, Line: line, Msg: "new header line (a run appended with other settings); columns from here: " + strings.Join(d.fmt.Columns, string(d.delim))})
	}
	for _, u := range unknown {
		d.warn(Warning{File: d.name, Line: line, Msg: fmt.Sprintf("unknown column %q read as a sample variable", u)})
	}
	return true
}

func headerText(v string, quoted bool) string {
	if quoted {
		return `"` + v + `"`
	}
	return v
}

// setColumns installs a layout: cols[i] is a field index or -1 for the
// next sample variable in vars.
func (d *csvDecoder) setColumns(cols []int, vars []string) {
	d.cols = make([]csvColumn, len(cols))
	d.vars = vars
	v := 0
	for i, c := range cols {
		d.cols[i].field = c
		d.cols[i].kind = kindOf(c)
		if c >= 0 {
			d.cols[i].bit = 1 << c
			d.cols[i].off = fieldOffsets[c]
		}
		if c < 0 {
			d.cols[i].varIdx = v
			v++
		}
	}
}

// convert fills s from the fields of the current record.
func (d *csvDecoder) convert(s *Sample) *SyntaxError {
	for i := range d.spans {
		sp := &d.spans[i]
		var b []byte
		if sp.inScratch {
			b = d.scratch[sp.start:sp.end]
		} else {
			b = d.buf[d.recStart+sp.start : d.recStart+sp.end]
		}
		c := &d.cols[i]
		f := c.field
		if f < 0 {
			if len(b) == 4 && string(b) == "null" {
				s.Variables = append(s.Variables, Variable{Name: d.vars[c.varIdx]})
			} else {
				s.Variables = append(s.Variables, Variable{Name: d.vars[c.varIdx], Value: c.intern.get(b), Set: true})
			}
			continue
		}
		if len(b) == 4 && string(b) == "null" && f != idxLabel {
			continue
		}
		switch f {
		case idxTimestamp:
			n, ok := parseDec(b)
			if !ok || d.date != nil {
				if len(b) == 0 {
					continue
				}
				if n, ok = d.parseDate(b); !ok {
					return d.badField(s, f, b, "not a timestamp")
				}
			}
			s.Timestamp = n
		case idxElapsed, idxBytes, idxSentBytes, idxGrpThreads, idxAllThreads, idxLatency,
			idxSampleCount, idxErrorCount, idxIdleTime, idxConnect:
			n, ok := parseDec(b)
			if !ok {
				if len(b) == 0 {
					continue
				}
				return d.badField(s, f, b, "not a whole number")
			}
			switch f {
			case idxElapsed:
				s.Elapsed = n
			case idxBytes:
				s.Bytes = n
			case idxSentBytes:
				s.SentBytes = n
			case idxGrpThreads:
				s.GrpThreads = int(n)
			case idxAllThreads:
				s.AllThreads = int(n)
			case idxLatency:
				s.Latency = n
			case idxSampleCount:
				s.SampleCount = int(n)
			case idxErrorCount:
				s.ErrorCount = int(n)
			case idxIdleTime:
				s.IdleTime = n
			case idxConnect:
				s.Connect = n
			}
		case idxSuccess:
			switch {
			case len(b) == 4 && (string(b) == "true" || strings.EqualFold(string(b), "true")):
				s.Success = true
			case len(b) == 5 && (string(b) == "false" || strings.EqualFold(string(b), "false")):
				s.Success = false
			case len(b) == 0:
				continue
			default:
				return d.badField(s, f, b, "not true or false")
			}
		case idxLabel:
			s.Label = c.intern.get(b)
		case idxResponseCode:
			s.ResponseCode = c.intern.get(b)
		case idxResponseMessage:
			s.ResponseMessage = c.intern.get(b)
		case idxThreadName:
			s.ThreadName = c.intern.get(b)
		case idxDataType:
			s.DataType = c.intern.get(b)
		case idxFailureMessage:
			s.FailureMessage = c.intern.get(b)
		case idxURL:
			s.URL = c.intern.get(b)
		case idxFilename:
			s.Filename = c.intern.get(b)
		case idxEncoding:
			s.Encoding = c.intern.get(b)
		case idxHostname:
			s.Hostname = c.intern.get(b)
		}
		s.Has |= 1 << f
	}
	return nil
}

func (d *csvDecoder) badField(s *Sample, f int, b []byte, what string) *SyntaxError {
	v := string(b)
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return &SyntaxError{File: d.name, Line: s.Line, Msg: fmt.Sprintf("column %d (%s): %q is %s", d.columnOf(f)+1, ColumnNames[f], v, what)}
}

func (d *csvDecoder) columnOf(f int) int {
	for i := range d.cols {
		if d.cols[i].field == f {
			return i
		}
	}
	return -1
}

// parseDate reads a formatted timeStamp: with the timestamp_format pattern
// when one is known, else with JMeter's fallback patterns (the first that
// matches is kept for the next rows).
func (d *csvDecoder) parseDate(b []byte) (int64, bool) {
	if d.date != nil {
		if ms, ok := d.date.parse(b); ok {
			return ms, true
		}
		if !d.dateFallback {
			return 0, false
		}
	}
	for _, l := range fallbackLayouts() {
		p := l.pattern
		if ms, ok := l.parse(b); ok {
			d.date = l
			d.dateFallback = true
			d.tsFormat = p
			d.fmtMu.Lock()
			d.fmt.TimestampFormat = p
			d.fmtMu.Unlock()
			if !d.dateNoted {
				d.dateNoted = true
				d.warn(Warning{File: d.name, Msg: fmt.Sprintf("timeStamp holds formatted dates (read as %q in the local time zone %s; set TZ to the zone of the machine that ran JMeter if it differs)", p, localZoneName())})
			}
			return ms, true
		}
	}
	return 0, false
}

// parseInt parses a decimal integer (optionally negative) without allocating.
func parseDec(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	if n < 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseHeader checks a first line as JMeter does: every field is a
// standard column name or a quoted sample variable name. As a leniency, an
// unquoted unknown name is also taken as a variable (returned in unknown)
// when the line has at least two standard names and no number.
func parseHeader(vals []string, quoted []bool) (cols []int, vars, unknown []string, ok bool) {
	known := 0
	for i, v := range vals {
		if idx := columnIndex(v); idx >= 0 && !quoted[i] {
			known++
			continue
		}
		if _, isNum := parseDec([]byte(v)); isNum {
			return nil, nil, nil, false
		}
	}
	if known == 0 {
		return nil, nil, nil, false
	}
	for i, v := range vals {
		if idx := columnIndex(v); idx >= 0 && !quoted[i] {
			cols = append(cols, idx)
			continue
		}
		if !quoted[i] {
			if known < 2 || v == "" {
				return nil, nil, nil, false
			}
			unknown = append(unknown, v)
		}
		cols = append(cols, -1)
		vars = append(vars, v)
	}
	return cols, vars, unknown, true
}
