package jtl

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// CSVWriterConfig says what a CSVWriter writes, as JMeter's save properties
// would: the standard columns (always in JMeter's canonical order), the
// sample_variables columns (last), the delimiter and whether a header line
// comes first.
type CSVWriterConfig struct {
	Fields    Field
	Variables []string
	Delimiter byte // 0 means ','
	Header    bool
}

// writerFields returns the set of the named standard columns.
func writerFields(names ...string) Field {
	var f Field
	for _, n := range names {
		for i, c := range ColumnNames {
			if c == n {
				f |= 1 << i
			}
		}
	}
	return f
}

// Fields5x are the default CSV columns of JMeter 5.0-5.6 (17 columns).
var Fields5x = writerFields("timeStamp", "elapsed", "label", "responseCode", "responseMessage",
	"threadName", "dataType", "success", "failureMessage", "bytes", "sentBytes",
	"grpThreads", "allThreads", "URL", "Latency", "IdleTime", "Connect")

// Fields213 are the default CSV columns of JMeter 2.13 (12 columns).
var Fields213 = writerFields("timeStamp", "elapsed", "label", "responseCode", "responseMessage",
	"threadName", "dataType", "success", "bytes", "grpThreads", "allThreads", "Latency")

// CSV5x returns the layout JMeter 5.x writes by default (17 columns with a
// header) plus the given sample_variables.
func CSV5x(vars ...string) CSVWriterConfig {
	return CSVWriterConfig{Fields: Fields5x, Variables: vars, Header: true}
}

// CSV213 returns the layout JMeter 2.13 writes by default: 12 columns, no
// header line, plus the given sample_variables.
func CSV213(vars ...string) CSVWriterConfig {
	return CSVWriterConfig{Fields: Fields213, Variables: vars}
}

// CSVWriter writes samples as a JMeter CSV result file. Strings are quoted
// as JMeter quotes them (when they hold the delimiter, a quote or a line
// break); an unset variable is written as null.
type CSVWriter struct {
	w      *bufio.Writer
	cfg    CSVWriterConfig
	delim  byte
	cols   []Field
	header bool // header still to write
	buf    []byte
	err    error
}

// NewCSVWriter returns a CSVWriter writing to w. Call Flush at the end.
func NewCSVWriter(w io.Writer, cfg CSVWriterConfig) *CSVWriter {
	cw := &CSVWriter{w: bufio.NewWriterSize(w, 1<<16), cfg: cfg, delim: cfg.Delimiter, header: cfg.Header}
	if cw.delim == 0 {
		cw.delim = ','
	}
	for i := range ColumnNames {
		if f := Field(1) << i; cfg.Fields&f != 0 {
			cw.cols = append(cw.cols, f)
		}
	}
	return cw
}

// Write writes one sample (its children are not written: JMeter 2.13-4.0
// CSV has no sub-results; write them as separate samples if needed).
func (cw *CSVWriter) Write(s *Sample) error {
	if cw.err != nil {
		return cw.err
	}
	if cw.header {
		cw.header = false
		b := cw.buf[:0]
		for i, f := range cw.cols {
			if i > 0 {
				b = append(b, cw.delim)
			}
			b = append(b, ColumnNames[fieldIndex(f)]...)
		}
		for i, v := range cw.cfg.Variables {
			if i > 0 || len(cw.cols) > 0 {
				b = append(b, cw.delim)
			}
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		}
		b = append(b, '\n')
		cw.buf = b
		if _, cw.err = cw.w.Write(b); cw.err != nil {
			return cw.err
		}
	}
	b := cw.buf[:0]
	for i, f := range cw.cols {
		if i > 0 {
			b = append(b, cw.delim)
		}
		b = cw.appendField(b, s, f)
	}
	for i, name := range cw.cfg.Variables {
		if i > 0 || len(cw.cols) > 0 {
			b = append(b, cw.delim)
		}
		v, set := s.Var(name)
		if !set {
			if _, present := findVar(s, name); !present {
				b = append(b, "null"...)
				continue
			}
		}
		b = cw.appendString(b, v)
	}
	b = append(b, '\n')
	cw.buf = b
	_, cw.err = cw.w.Write(b)
	return cw.err
}

// findVar reports whether s has a variable called name at all.
func findVar(s *Sample, name string) (int, bool) {
	for i := range s.Variables {
		if s.Variables[i].Name == name {
			return i, s.Variables[i].Set
		}
	}
	return -1, false
}

// Flush writes any buffered data.
func (cw *CSVWriter) Flush() error {
	if cw.err != nil {
		return cw.err
	}
	cw.err = cw.w.Flush()
	return cw.err
}

func fieldIndex(f Field) int {
	for i := 0; i < len(ColumnNames); i++ {
		if f == 1<<i {
			return i
		}
	}
	return -1
}

func (cw *CSVWriter) appendField(b []byte, s *Sample, f Field) []byte {
	switch f {
	case FieldTimestamp:
		return strconv.AppendInt(b, s.Timestamp, 10)
	case FieldElapsed:
		return strconv.AppendInt(b, s.Elapsed, 10)
	case FieldLabel:
		return cw.appendString(b, s.Label)
	case FieldResponseCode:
		return cw.appendString(b, s.ResponseCode)
	case FieldResponseMessage:
		return cw.appendString(b, s.ResponseMessage)
	case FieldThreadName:
		return cw.appendString(b, s.ThreadName)
	case FieldDataType:
		return cw.appendString(b, s.DataType)
	case FieldSuccess:
		return strconv.AppendBool(b, s.Success)
	case FieldFailureMessage:
		return cw.appendString(b, s.FailureMessage)
	case FieldBytes:
		return strconv.AppendInt(b, s.Bytes, 10)
	case FieldSentBytes:
		return strconv.AppendInt(b, s.SentBytes, 10)
	case FieldGrpThreads:
		return strconv.AppendInt(b, int64(s.GrpThreads), 10)
	case FieldAllThreads:
		return strconv.AppendInt(b, int64(s.AllThreads), 10)
	case FieldURL:
		return cw.appendString(b, s.URL)
	case FieldFilename:
		return cw.appendString(b, s.Filename)
	case FieldLatency:
		return strconv.AppendInt(b, s.Latency, 10)
	case FieldEncoding:
		return cw.appendString(b, s.Encoding)
	case FieldSampleCount:
		n := s.SampleCount
		if n == 0 {
			n = 1
		}
		return strconv.AppendInt(b, int64(n), 10)
	case FieldErrorCount:
		return strconv.AppendInt(b, int64(s.ErrorCount), 10)
	case FieldHostname:
		return cw.appendString(b, s.Hostname)
	case FieldIdleTime:
		return strconv.AppendInt(b, s.IdleTime, 10)
	case FieldConnect:
		return strconv.AppendInt(b, s.Connect, 10)
	}
	return b
}

// appendString appends v as a field of this writer's CSV.
func (cw *CSVWriter) appendString(b []byte, v string) []byte {
	return AppendCSVField(b, v, cw.delim)
}

// AppendCSVField appends v as JMeter writes a CSV field: quoted RFC 4180
// style (inner quotes doubled) when it holds the delimiter, a quote, CR or
// LF, as is otherwise (JMeter's StringQuoter).
func AppendCSVField(b []byte, v string, delim byte) []byte {
	need := false
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == delim || c == '"' || c == '\n' || c == '\r' {
			need = true
			break
		}
	}
	if !need {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}

// XMLWriter writes samples as a JMeter XML result file (testResults
// version 1.2): one httpSample (samples with a URL) or sample element per
// sample, attributes for the fields the sample has (Sample.Has) in JMeter's
// order, sample variables as attributes, then the children JMeter writes:
// assertion results, sub-samples, responseHeader, java.net.URL.
type XMLWriter struct {
	w       *bufio.Writer
	started bool
	err     error
}

// NewXMLWriter returns an XMLWriter writing to w. Call Close at the end to
// write the closing </testResults> (a file without it looks like a killed
// run).
func NewXMLWriter(w io.Writer) *XMLWriter {
	return &XMLWriter{w: bufio.NewWriterSize(w, 1<<16)}
}

func (xw *XMLWriter) start() {
	if !xw.started {
		xw.started = true
		xw.w.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testResults version=\"1.2\">\n")
	}
}

// Write writes one top-level sample and its children.
func (xw *XMLWriter) Write(s *Sample) error {
	if xw.err != nil {
		return xw.err
	}
	xw.start()
	xw.sample(s, "")
	return xw.err
}

// xmlAttrs are the attribute names in JMeter's order with the fields they hold.
var xmlAttrs = []struct {
	name string
	f    Field
}{
	{"t", FieldElapsed}, {"it", FieldIdleTime}, {"lt", FieldLatency}, {"ct", FieldConnect},
	{"ts", FieldTimestamp}, {"s", FieldSuccess}, {"lb", FieldLabel}, {"rc", FieldResponseCode},
	{"rm", FieldResponseMessage}, {"tn", FieldThreadName}, {"dt", FieldDataType},
	{"de", FieldEncoding}, {"by", FieldBytes}, {"sby", FieldSentBytes},
	{"sc", FieldSampleCount}, {"ec", FieldErrorCount}, {"ng", FieldGrpThreads},
	{"na", FieldAllThreads}, {"hn", FieldHostname},
}

func (xw *XMLWriter) sample(s *Sample, indent string) {
	w := xw.w
	elem := "sample"
	if s.URL != "" || s.Has&FieldURL != 0 {
		elem = "httpSample"
	}
	w.WriteString(indent + "<" + elem)
	var num []byte
	for _, a := range xmlAttrs {
		if s.Has&a.f == 0 {
			continue
		}
		w.WriteString(" " + a.name + "=\"")
		num = num[:0]
		switch a.f {
		case FieldElapsed:
			num = strconv.AppendInt(num, s.Elapsed, 10)
		case FieldIdleTime:
			num = strconv.AppendInt(num, s.IdleTime, 10)
		case FieldLatency:
			num = strconv.AppendInt(num, s.Latency, 10)
		case FieldConnect:
			num = strconv.AppendInt(num, s.Connect, 10)
		case FieldTimestamp:
			num = strconv.AppendInt(num, s.Timestamp, 10)
		case FieldSuccess:
			num = strconv.AppendBool(num, s.Success)
		case FieldLabel:
			xmlEscape(w, s.Label, true)
		case FieldResponseCode:
			xmlEscape(w, s.ResponseCode, true)
		case FieldResponseMessage:
			xmlEscape(w, s.ResponseMessage, true)
		case FieldThreadName:
			xmlEscape(w, s.ThreadName, true)
		case FieldDataType:
			xmlEscape(w, s.DataType, true)
		case FieldEncoding:
			xmlEscape(w, s.Encoding, true)
		case FieldBytes:
			num = strconv.AppendInt(num, s.Bytes, 10)
		case FieldSentBytes:
			num = strconv.AppendInt(num, s.SentBytes, 10)
		case FieldSampleCount:
			num = strconv.AppendInt(num, int64(max(s.SampleCount, 1)), 10)
		case FieldErrorCount:
			num = strconv.AppendInt(num, int64(s.ErrorCount), 10)
		case FieldGrpThreads:
			num = strconv.AppendInt(num, int64(s.GrpThreads), 10)
		case FieldAllThreads:
			num = strconv.AppendInt(num, int64(s.AllThreads), 10)
		case FieldHostname:
			xmlEscape(w, s.Hostname, true)
		}
		w.Write(num)
		w.WriteByte('"')
	}
	for _, v := range s.Variables {
		w.WriteString(" " + v.Name + "=\"")
		if v.Set {
			xmlEscape(w, v.Value, true)
		} else {
			w.WriteString("null")
		}
		w.WriteByte('"')
	}
	hasBody := len(s.Assertions) > 0 || len(s.Children) > 0 || s.Headers != "" || s.URL != "" ||
		(s.FailureMessage != "" && len(s.Assertions) == 0)
	if !hasBody {
		w.WriteString("/>\n")
		return
	}
	w.WriteString(">\n")
	in := indent + "  "
	assertions := s.Assertions
	if len(assertions) == 0 && s.FailureMessage != "" {
		assertions = []Assertion{{Name: "failure", Failure: true, FailureMessage: s.FailureMessage}}
	}
	for _, a := range assertions {
		w.WriteString(in + "<assertionResult>\n" + in + "  <name>")
		xmlEscape(w, a.Name, false)
		w.WriteString("</name>\n" + in + "  <failure>" + strconv.FormatBool(a.Failure) + "</failure>\n" +
			in + "  <error>" + strconv.FormatBool(a.Error) + "</error>\n")
		if a.FailureMessage != "" {
			w.WriteString(in + "  <failureMessage>")
			xmlEscape(w, a.FailureMessage, false)
			w.WriteString("</failureMessage>\n")
		}
		w.WriteString(in + "</assertionResult>\n")
	}
	for i := range s.Children {
		xw.sample(&s.Children[i], in)
	}
	if s.Headers != "" {
		w.WriteString(in + "<responseHeader class=\"java.lang.String\">")
		xmlEscape(w, string(s.Headers), false)
		w.WriteString("</responseHeader>\n")
	}
	if s.URL != "" {
		w.WriteString(in + "<java.net.URL>")
		xmlEscape(w, s.URL, false)
		w.WriteString("</java.net.URL>\n")
	}
	w.WriteString(indent + "</" + elem + ">\n")
}

// Close writes the closing </testResults> and flushes.
func (xw *XMLWriter) Close() error {
	if xw.err != nil {
		return xw.err
	}
	xw.start()
	xw.w.WriteString("</testResults>\n")
	xw.err = xw.w.Flush()
	return xw.err
}

// xmlEscape writes s escaped for XML text or (attr) a double-quoted
// attribute; characters XML 1.0 forbids are dropped.
func xmlEscape(w *bufio.Writer, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch c := s[i]; c {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			if attr {
				rep = "&quot;"
			}
		case '\n':
			if attr {
				rep = "&#10;"
			}
		case '\r':
			rep = "&#13;"
		case '\t':
			if attr {
				rep = "&#9;"
			}
		default:
			if c < 0x20 {
				rep = "" // forbidden in XML 1.0
				w.WriteString(s[last:i])
				last = i + 1
				continue
			}
		}
		if rep != "" {
			w.WriteString(s[last:i])
			w.WriteString(rep)
			last = i + 1
		}
	}
	w.WriteString(s[last:])
}

// FormatHeaders builds a Headers block as JMeter saves it: the status line
// then "Name: value" lines, each ending in a newline.
func FormatHeaders(statusLine string, names, values []string) Headers {
	var b strings.Builder
	b.WriteString(statusLine)
	b.WriteByte('\n')
	for i := range names {
		b.WriteString(names[i])
		b.WriteString(": ")
		b.WriteString(values[i])
		b.WriteByte('\n')
	}
	return Headers(b.String())
}
