package jtl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// xmlDecoder decodes XML results: a <testResults> root whose children are
// <httpSample> and <sample> elements (any other element is read the same
// way, so plugin result classes written with their field names as child
// elements are read too). Nested samples become Sample.Children.
//
// It streams with xmlScanner and never holds more than one top-level sample
// (plus the text it keeps: response headers, URL, assertion results).
type xmlDecoder struct {
	sc     *xmlScanner
	name   string
	opts   Options
	warn   warnFunc
	fmt    Format
	urlEnc bool // <testResults version="1.0">: attribute values are URL-encoded
	closed bool // </testResults> was seen
	done   bool
	indent int // column of the first top-level sample tag, -1 before
	count  int // top-level samples returned

	strs xmlStrings
	text []byte // scratch: text content
	val  []byte // scratch: decoded attribute value

	// soft is the first value problem (bad number) in the current top-level
	// sample; the sample is read to its end and then reported as a SyntaxError.
	soft     string
	softLine int

	skippedElems int // top-level elements that held no sample fields
	skippedName  string
	skippedLine  int
}

// xmlStructErr is a malformed element: the rest of the sample cannot be
// trusted and the decoder must resynchronise.
type xmlStructErr struct {
	line int
	msg  string
}

func (e *xmlStructErr) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// errXMLTruncated means the input ended inside a sample.
var errXMLTruncated = errors.New("input ends inside a sample")

// maxSampleDepth bounds the nesting of sub-samples that are decoded; deeper
// ones are skipped (JMeter writes at most about 10 levels).
const maxSampleDepth = 64

// maxKeptText bounds the text kept for one value (a response header block,
// a URL, a message); longer text is cut.
const maxKeptText = 1 << 20

func newXMLDecoder(br *bufio.Reader, name string, opts Options, warn warnFunc) (decoder, error) {
	d := &xmlDecoder{
		sc:     newXMLScanner(br),
		name:   name,
		opts:   opts,
		warn:   warn,
		indent: -1,
		fmt:    Format{Kind: "xml"},
	}
	if err := d.prolog(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *xmlDecoder) format() Format { return d.fmt }

// notJTL returns the error for an input that is XML but not a JTL.
func (d *xmlDecoder) notJTL(what string) error {
	return fmt.Errorf("%s: %w: %s; give jmtune the results file that JMeter wrote with -l "+
		"(CSV, or XML with a <testResults> root)", d.name, ErrNotJTL, what)
}

// prolog reads up to and including the <testResults> start tag, and
// recognises the XML files people mistake for results.
func (d *xmlDecoder) prolog() error {
	sc := d.sc
	for {
		if !sc.skipSpace() {
			if err := sc.readErr(); err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
			return d.notJTL("the XML has no root element")
		}
		if sc.buf[sc.pos] != '<' {
			return d.notJTL(fmt.Sprintf("line %d holds text before any XML element", sc.curLine()))
		}
		line := sc.curLine()
		err := sc.readTag()
		if err == io.ErrUnexpectedEOF {
			if err := sc.readErr(); err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
			// A run killed right after it started: nothing but a cut header.
			d.warn(Warning{File: d.name, Line: line, Msg: "the file ends inside its first XML tag " +
				"(JMeter was stopped before writing any sample?); no samples"})
			d.done = true
			return nil
		}
		if err != nil {
			return d.notJTL(fmt.Sprintf("line %d is not well-formed XML", line))
		}
		switch sc.kind {
		case tagPI, tagComment:
			continue
		case tagDecl:
			if bytes.Contains(bytes.ToLower(sc.attrs), []byte("html")) {
				return d.notJTL("it is an HTML page (<!DOCTYPE html>), such as JMeter's dashboard report")
			}
			continue
		case tagEnd, tagCDATA:
			return d.notJTL(fmt.Sprintf("line %d is not well-formed XML", line))
		}
		name := string(sc.name)
		switch {
		case name == "testResults":
			d.rootAttrs()
			if sc.selfClose {
				d.closed, d.done = true, true
			}
			return nil
		case name == "httpSample" || name == "sample":
			// A fragment without its root (samples cut out of a file):
			// read it, but say so.
			d.warn(Warning{File: d.name, Line: line, Msg: "no <testResults> root element; reading the samples anyway"})
			sc.pos = sc.tagStart
			return nil
		case name == "jmeterTestPlan":
			return d.notJTL("it is a JMeter test plan (JMX, root element <jmeterTestPlan>), not a result file")
		case strings.EqualFold(name, "html"):
			return d.notJTL("it is an HTML page (root element <html>), such as JMeter's dashboard report")
		default:
			return d.notJTL(fmt.Sprintf("its XML root element is <%s>, not <testResults>", name))
		}
	}
}

// rootAttrs reads the version of a <testResults> tag.
func (d *xmlDecoder) rootAttrs() {
	rest := d.sc.attrs
	for {
		n, v, ok, _ := nextAttr(&rest)
		if !ok {
			return
		}
		if string(n) == "version" {
			d.urlEnc = string(v) == "1.0"
			d.fmt.Layout = "testResults version " + string(v)
		}
	}
}

func (d *xmlDecoder) decode(s *Sample) error {
	sc := d.sc
	for !d.done {
		if !sc.skipTo() {
			return d.atEOF(0)
		}
		col := sc.column()
		line := sc.curLine()
		if err := sc.readTag(); err != nil {
			if err == io.ErrUnexpectedEOF {
				return d.atEOF(line)
			}
			return d.resyncError(line, &xmlStructErr{line: line, msg: tagErrMsg(err)})
		}
		switch sc.kind {
		case tagPI, tagComment, tagDecl, tagCDATA:
			continue
		case tagEnd:
			if string(sc.name) == "testResults" {
				d.closed = true
			}
			// A stray end tag (left over after a resync) is ignored.
			continue
		}
		if string(sc.name) == "testResults" {
			// A second root: a run appended to a file whose end marker was trimmed.
			d.rootAttrs()
			continue
		}
		if d.indent < 0 {
			d.indent = col
		}
		elem := d.strs.get(sc.name)
		if elem == "saveConfig" {
			if err := d.skipElement(); err != nil {
				return d.elemErr(err, line)
			}
			continue
		}
		d.soft = ""
		err := d.sample(s, sc.name, line, 0)
		if err != nil {
			return d.elemErr(err, line)
		}
		if d.soft != "" {
			return &SyntaxError{File: d.name, Line: d.softLine, Msg: d.soft}
		}
		if s.Has == 0 && len(s.Children) == 0 && s.Headers == "" && len(s.Variables) == 0 {
			// Not a sample: some other element under the root.
			if d.skippedElems == 0 {
				d.skippedName, d.skippedLine = elem, line
			}
			d.skippedElems++
			resetSample(s)
			continue
		}
		d.count++
		return nil
	}
	return io.EOF
}

// elemErr turns an error met inside the top-level element that starts at
// line into what decode returns.
func (d *xmlDecoder) elemErr(err error, line int) error {
	if err == errXMLTruncated {
		return d.atEOF(line)
	}
	if se, ok := err.(*xmlStructErr); ok {
		return d.resyncError(line, se)
	}
	return fmt.Errorf("%s:%d: %w", d.name, line, err)
}

// resetSample clears s for reuse, keeping what the Reader set.
func resetSample(s *Sample) {
	*s = Sample{File: s.File, Source: s.Source, SampleCount: 1,
		Variables: s.Variables[:0], Assertions: s.Assertions[:0], Children: s.Children[:0]}
}

func tagErrMsg(err error) string {
	if err == errTagTooLong {
		return "a tag is longer than 16 MiB"
	}
	return "broken tag (a '<' inside a tag, or a tag without a name)"
}

// atEOF ends the input. line > 0 is the line of a sample (or tag) that the
// input cut short.
func (d *xmlDecoder) atEOF(line int) error {
	d.done = true
	if err := d.sc.readErr(); err != nil {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	if d.skippedElems > 0 {
		d.warn(Warning{File: d.name, Line: d.skippedLine, Msg: fmt.Sprintf(
			"%d element(s) under <testResults> held no sample fields and were skipped (first: <%s>)",
			d.skippedElems, d.skippedName)})
	}
	switch {
	case line > 0:
		d.warn(Warning{File: d.name, Line: line, Msg: fmt.Sprintf(
			"the file ends inside the sample that starts here (JMeter killed while writing?); "+
				"that sample is dropped, the %d complete samples before it are kept", d.count)})
	case !d.closed:
		last := d.sc.curLine()
		if d.sc.last == '\n' && last > 1 {
			last-- // name the last line that has text
		}
		d.warn(Warning{File: d.name, Line: last, Msg: fmt.Sprintf(
			"the file ends without </testResults> (JMeter killed, or still running?); "+
				"the %d complete samples are kept", d.count)})
	}
	return io.EOF
}

// resyncError skips to the next top-level sample after a malformed one that
// started at line. When nothing follows, the malformed sample was the cut
// tail of a killed run: it is reported as such and reading ends.
func (d *xmlDecoder) resyncError(line int, se *xmlStructErr) error {
	if !d.resync() {
		return d.atEOF(line)
	}
	msg := "malformed sample element: " + se.msg
	if se.line != line {
		msg = fmt.Sprintf("malformed sample element: line %d: %s", se.line, se.msg)
	}
	return &SyntaxError{File: d.name, Line: line, Msg: msg}
}

// resync advances to the next line that starts, at the indentation of the
// top-level samples, with a start tag, </testResults> or a new XML
// declaration. It reports false at the end of the input.
func (d *xmlDecoder) resync() bool {
	sc := d.sc
	for {
		i := bytes.IndexByte(sc.buf[sc.pos:sc.end], '\n')
		if i < 0 {
			sc.pos = sc.end
			if !sc.more() {
				return false
			}
			continue
		}
		sc.pos += i + 1
		sc.ensure(80)
		j := sc.pos
		for j < sc.end && (sc.buf[j] == ' ' || sc.buf[j] == '\t') {
			j++
		}
		if j+1 >= sc.end || sc.buf[j] != '<' {
			continue
		}
		if d.indent >= 0 && j-sc.pos != d.indent {
			continue
		}
		rest := sc.buf[j:sc.end]
		c := rest[1]
		if c == '/' && !bytes.HasPrefix(rest, []byte("</testResults")) {
			continue
		}
		if d.indent < 0 && !bytes.HasPrefix(rest, []byte("<httpSample")) && !bytes.HasPrefix(rest, []byte("<sample")) &&
			!bytes.HasPrefix(rest, []byte("</testResults")) {
			continue
		}
		if c == '/' || c == '?' || c == '!' || validName(rest[1:2]) {
			sc.pos = j
			return true
		}
	}
}

// sample decodes the element whose start tag the scanner just read (name
// elem, at line) into s, with its body. depth is 0 for top-level samples.
func (d *xmlDecoder) sample(s *Sample, elem []byte, line, depth int) error {
	sc := d.sc
	s.Line = line
	d.attrs(s, line)
	if sc.selfClose {
		return nil
	}
	// elem points into the scanner buffer, which moves: keep a copy for the
	// end-tag check (interned: it is one of a few names).
	name := d.strs.get(elem)
	for {
		if !sc.skipTo() {
			return d.eofErr()
		}
		tline := sc.curLine()
		if err := sc.readTag(); err != nil {
			if err == io.ErrUnexpectedEOF {
				return d.eofErr()
			}
			return &xmlStructErr{line: tline, msg: tagErrMsg(err)}
		}
		switch sc.kind {
		case tagPI, tagComment, tagDecl, tagCDATA:
			continue
		case tagEnd:
			if string(sc.name) != name {
				return &xmlStructErr{line: tline, msg: fmt.Sprintf("expected </%s>, found </%s>", name, sc.name)}
			}
			return nil
		}
		var err error
		switch child := string(sc.name); child {
		case "httpSample", "sample":
			if depth >= maxSampleDepth {
				err = d.skipElement()
				break
			}
			n := len(s.Children)
			if n < cap(s.Children) {
				s.Children = s.Children[:n+1]
			} else {
				s.Children = append(s.Children, Sample{})
			}
			c := &s.Children[n]
			*c = Sample{File: s.File, Source: s.Source, SampleCount: 1,
				Variables: c.Variables[:0], Assertions: c.Assertions[:0], Children: c.Children[:0]}
			err = d.sample(c, sc.name, tline, depth+1)
			if err == nil {
				d.derive(c)
			}
		case "responseHeader", "responseHeaders":
			var t []byte
			t, err = d.elementText(maxKeptText)
			if err == nil && len(t) > 0 {
				s.Headers = Headers(t)
			}
		case "java.net.URL":
			var t []byte
			t, err = d.elementText(maxKeptText)
			if err == nil {
				s.URL = d.strs.get(t)
				s.Has |= FieldURL
			}
		case "assertionResult":
			err = d.assertion(s)
		case "responseData", "requestHeader", "samplerData", "cookies", "method", "queryString",
			"redirectLocation", "responseFile", "saveConfig":
			err = d.skipElement()
		default:
			if f, ok := childFields[child]; ok {
				var t []byte
				t, err = d.elementText(maxKeptText)
				if err == nil {
					d.setField(s, f, t, tline)
				}
				break
			}
			err = d.skipElement()
		}
		if err != nil {
			return err
		}
	}
}

// eofErr is the error for an input that ends inside a sample.
func (d *xmlDecoder) eofErr() error {
	if err := d.sc.readErr(); err != nil {
		return err
	}
	return errXMLTruncated
}

// derive sets on a nested sample the fields the Reader derives for
// top-level ones (the Reader sets Start on children itself, once it knows
// the timestamp mode).
func (d *xmlDecoder) derive(c *Sample) {
	c.Transaction = strings.HasPrefix(c.ResponseMessage, TransactionPrefix)
	c.Engine = c.Hostname
	if c.Engine == "" {
		c.Engine = threadEngine(c.ThreadName)
	}
}

// elementText reads the text of the element whose start tag was just read,
// through its end tag, keeping at most max bytes. Nested elements are
// skipped. The result is valid until the next call.
func (d *xmlDecoder) elementText(max int) ([]byte, error) {
	sc := d.sc
	d.text = d.text[:0]
	if sc.selfClose {
		return d.text, nil
	}
	depth := 0
	for {
		var eof bool
		if depth == 0 {
			d.text, eof = sc.appendText(d.text, max)
		} else {
			eof = !sc.skipTo()
		}
		if eof {
			return nil, d.eofErr()
		}
		tline := sc.curLine()
		if err := sc.readTag(); err != nil {
			if err == io.ErrUnexpectedEOF {
				return nil, d.eofErr()
			}
			return nil, &xmlStructErr{line: tline, msg: tagErrMsg(err)}
		}
		switch sc.kind {
		case tagStart:
			if !sc.selfClose {
				depth++
			}
		case tagEnd:
			if depth == 0 {
				return d.text, nil
			}
			depth--
		}
	}
}

// skipElement skips the body of the element whose start tag was just read.
func (d *xmlDecoder) skipElement() error {
	sc := d.sc
	if sc.selfClose {
		return nil
	}
	depth := 1
	for {
		if !sc.skipTo() {
			return d.eofErr()
		}
		if err := sc.readTag(); err != nil {
			if err == io.ErrUnexpectedEOF {
				return d.eofErr()
			}
			return &xmlStructErr{line: sc.curLine(), msg: tagErrMsg(err)}
		}
		switch sc.kind {
		case tagStart:
			if !sc.selfClose {
				depth++
			}
		case tagEnd:
			depth--
			if depth == 0 {
				return nil
			}
		}
	}
}

// assertion reads an <assertionResult> element into s.Assertions.
func (d *xmlDecoder) assertion(s *Sample) error {
	sc := d.sc
	s.Has |= FieldFailureMessage
	s.Assertions = append(s.Assertions, Assertion{})
	a := &s.Assertions[len(s.Assertions)-1]
	if sc.selfClose {
		return nil
	}
	for {
		if !sc.skipTo() {
			return d.eofErr()
		}
		tline := sc.curLine()
		if err := sc.readTag(); err != nil {
			if err == io.ErrUnexpectedEOF {
				return d.eofErr()
			}
			return &xmlStructErr{line: tline, msg: tagErrMsg(err)}
		}
		switch sc.kind {
		case tagEnd:
			if string(sc.name) != "assertionResult" {
				return &xmlStructErr{line: tline, msg: fmt.Sprintf("expected </assertionResult>, found </%s>", sc.name)}
			}
			if (a.Failure || a.Error) && s.FailureMessage == "" {
				s.FailureMessage = a.FailureMessage
			}
			return nil
		case tagStart:
		default:
			continue
		}
		field := string(sc.name)
		t, err := d.elementText(maxKeptText)
		if err != nil {
			return err
		}
		switch field {
		case "name":
			a.Name = d.strs.get(t)
		case "failure":
			a.Failure = isTrue(t)
		case "error":
			a.Error = isTrue(t)
		case "failureMessage":
			a.FailureMessage = d.strs.get(t)
		}
	}
}

func isTrue(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 4 && (b[0]|0x20) == 't' && (b[1]|0x20) == 'r' && (b[2]|0x20) == 'u' && (b[3]|0x20) == 'e'
}

// xfield names a Sample field for the attribute and child-element maps.
type xfield uint8

const (
	xNone xfield = iota
	xTimestamp
	xElapsed
	xIdle
	xLatency
	xConnect
	xSuccess
	xLabel
	xCode
	xMessage
	xThread
	xDataType
	xEncoding
	xBytes
	xSentBytes
	xSampleCount
	xErrorCount
	xGrpThreads
	xAllThreads
	xHostname
	xStartTime // child-element form: used when timeStamp is missing or 0
)

// attrField maps a sample attribute name to its field; other attribute names
// are sample variables.
func attrField(name []byte) xfield {
	switch string(name) {
	case "t":
		return xElapsed
	case "it":
		return xIdle
	case "lt":
		return xLatency
	case "ct":
		return xConnect
	case "ts":
		return xTimestamp
	case "s":
		return xSuccess
	case "lb":
		return xLabel
	case "rc", "rs":
		return xCode
	case "rm":
		return xMessage
	case "tn":
		return xThread
	case "dt":
		return xDataType
	case "de":
		return xEncoding
	case "by":
		return xBytes
	case "sby":
		return xSentBytes
	case "sc":
		return xSampleCount
	case "ec":
		return xErrorCount
	case "ng":
		return xGrpThreads
	case "na":
		return xAllThreads
	case "hn":
		return xHostname
	}
	return xNone
}

// childFields maps the child elements of the non-standard form (a result
// object serialised with its Java field names, as some plugins write it) to
// fields.
var childFields = map[string]xfield{
	"timeStamp":       xTimestamp,
	"startTime":       xStartTime,
	"elapsedTime":     xElapsed,
	"idleTime":        xIdle,
	"latency":         xLatency,
	"connectTime":     xConnect,
	"success":         xSuccess,
	"label":           xLabel,
	"responseCode":    xCode,
	"responseMessage": xMessage,
	"threadName":      xThread,
	"dataType":        xDataType,
	"dataEncoding":    xEncoding,
	"bytes":           xBytes,
	"sentBytes":       xSentBytes,
	"sampleCount":     xSampleCount,
	"errorCount":      xErrorCount,
	"groupThreads":    xGrpThreads,
	"allThreads":      xAllThreads,
	"hostname":        xHostname,
}

// attrs applies the attributes of the current start tag to s.
func (d *xmlDecoder) attrs(s *Sample, line int) {
	rest := d.sc.attrs
	for {
		n, v, ok, bad := nextAttr(&rest)
		if bad {
			d.softErr(line, "malformed attributes in the sample's start tag")
			return
		}
		if !ok {
			return
		}
		if bytes.IndexByte(v, '&') >= 0 || (d.urlEnc && bytes.ContainsAny(v, "%+")) {
			d.val = appendUnescaped(d.val[:0], v)
			if d.urlEnc {
				if u, err := url.QueryUnescape(string(d.val)); err == nil {
					d.val = append(d.val[:0], u...)
				}
			}
			v = d.val
		}
		f := attrField(n)
		if f == xNone {
			if string(n) == "class" {
				continue
			}
			s.Variables = append(s.Variables, Variable{Name: d.strs.get(n), Value: d.strs.get(v), Set: true})
			continue
		}
		d.setField(s, f, v, line)
	}
}

// setField sets one field from its text value. Empty values leave numeric
// fields unset.
func (d *xmlDecoder) setField(s *Sample, f xfield, v []byte, line int) {
	switch f {
	case xLabel:
		s.Label = d.strs.get(v)
		s.Has |= FieldLabel
		return
	case xCode:
		s.ResponseCode = d.strs.get(v)
		s.Has |= FieldResponseCode
		return
	case xMessage:
		s.ResponseMessage = d.strs.get(v)
		s.Has |= FieldResponseMessage
		return
	case xThread:
		s.ThreadName = d.strs.get(v)
		s.Has |= FieldThreadName
		return
	case xDataType:
		s.DataType = d.strs.get(v)
		s.Has |= FieldDataType
		return
	case xEncoding:
		s.Encoding = d.strs.get(v)
		s.Has |= FieldEncoding
		return
	case xHostname:
		s.Hostname = d.strs.get(v)
		s.Has |= FieldHostname
		return
	case xSuccess:
		s.Success = isTrue(v)
		s.Has |= FieldSuccess
		return
	}
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return
	}
	n, ok := parseInt(v)
	if !ok {
		d.softErr(line, fmt.Sprintf("%s %q is not a whole number", xfieldName(f), v))
		return
	}
	switch f {
	case xTimestamp:
		if n == 0 && s.Has&FieldTimestamp != 0 {
			return // child form: a startTime came first
		}
		s.Timestamp = n
		s.Has |= FieldTimestamp
	case xStartTime:
		if s.Has&FieldTimestamp == 0 || s.Timestamp == 0 {
			s.Timestamp = n
			s.Has |= FieldTimestamp
		}
	case xElapsed:
		s.Elapsed = n
		s.Has |= FieldElapsed
	case xIdle:
		s.IdleTime = n
		s.Has |= FieldIdleTime
	case xLatency:
		s.Latency = n
		s.Has |= FieldLatency
	case xConnect:
		s.Connect = n
		s.Has |= FieldConnect
	case xBytes:
		s.Bytes = n
		s.Has |= FieldBytes
	case xSentBytes:
		s.SentBytes = n
		s.Has |= FieldSentBytes
	case xSampleCount:
		s.SampleCount = int(n)
		s.Has |= FieldSampleCount
	case xErrorCount:
		s.ErrorCount = int(n)
		s.Has |= FieldErrorCount
	case xGrpThreads:
		s.GrpThreads = int(n)
		s.Has |= FieldGrpThreads
	case xAllThreads:
		s.AllThreads = int(n)
		s.Has |= FieldAllThreads
	}
}

func xfieldName(f xfield) string {
	switch f {
	case xTimestamp:
		return "ts (timeStamp)"
	case xStartTime:
		return "startTime"
	case xElapsed:
		return "t (elapsed)"
	case xIdle:
		return "it (IdleTime)"
	case xLatency:
		return "lt (Latency)"
	case xConnect:
		return "ct (Connect)"
	case xBytes:
		return "by (bytes)"
	case xSentBytes:
		return "sby (sentBytes)"
	case xSampleCount:
		return "sc (SampleCount)"
	case xErrorCount:
		return "ec (ErrorCount)"
	case xGrpThreads:
		return "ng (grpThreads)"
	case xAllThreads:
		return "na (allThreads)"
	}
	return "value"
}

func (d *xmlDecoder) softErr(line int, msg string) {
	if d.soft == "" {
		d.soft, d.softLine = msg, line
	}
}

// parseInt parses an optionally signed decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		if len(b) > 18 {
			n, err := strconv.ParseInt(string(b), 10, 64)
			if neg {
				n = -n
			}
			return n, err == nil
		}
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// xmlStrings returns one string per distinct short byte sequence, so that
// labels, codes, thread names and messages repeated over millions of samples
// are allocated once. A small direct-mapped cache answers most look-ups
// without hashing; the map behind it is bounded: when full it starts over.
type xmlStrings struct {
	m     map[string]string
	cache [256]string
}

const (
	xmlInternMaxLen     = 256
	xmlInternMaxEntries = 1 << 14
)

func (t *xmlStrings) get(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > xmlInternMaxLen {
		return string(b)
	}
	slot := &t.cache[(n*31+int(b[0])*7+int(b[n-1])*13+int(b[n/2])*131)&255]
	if *slot == string(b) {
		return *slot
	}
	if s, ok := t.m[string(b)]; ok {
		*slot = s
		return s
	}
	if t.m == nil {
		t.m = make(map[string]string, 256)
	} else if len(t.m) >= xmlInternMaxEntries {
		clear(t.m)
	}
	s := string(b)
	t.m[s] = s
	*slot = s
	return s
}
