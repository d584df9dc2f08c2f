package jtl_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"jmtune/jtl"
)

// The -update flag may also be defined by the package's internal tests;
// define it only when nobody did.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// golden compares got with testdata/writer/name, rewriting it with -update;
// on a mismatch it writes name.got-writer beside it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "writer", name)
	if updateGolden() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(path+".got-writer", got, 0o644)
		t.Errorf("%s differs from the golden file; see %s.got-writer", path, path)
	}
}

// writerSamples are hand-made samples with the awkward cases: a 429 with
// Retry-After and rate-limit headers, a message with a comma, quotes and a
// line break, an unset variable, a sub-sample.
func writerSamples() []jtl.Sample {
	all := jtl.Field(0)
	for i := range jtl.ColumnNames {
		all |= 1 << i
	}
	ok := jtl.Sample{Has: all, Timestamp: 1795719887591, Elapsed: 58, Latency: 57, Connect: 31,
		Label: "GET script", ResponseCode: "200", ResponseMessage: "OK", Success: true,
		ThreadName: "Agents 1-2", DataType: "text", Bytes: 3356, SentBytes: 148, GrpThreads: 2, AllThreads: 2,
		URL: "http://127.0.0.1:38661/api/v2/scripts/7", SampleCount: 1,
		Variables: []jtl.Variable{{Name: jtl.VarRetryAfter, Value: "", Set: true}, {Name: jtl.VarDate, Set: false}},
		Headers: jtl.FormatHeaders("HTTP/1.1 200 OK", []string{"Content-Type", "Date"},
			[]string{"application/json", "Thu, 26 Nov 2026 19:08:04 GMT"}),
	}
	throttled := ok
	throttled.Timestamp, throttled.Elapsed, throttled.Latency, throttled.Connect = 1795719916103, 1, 1, 0
	throttled.ResponseCode, throttled.ResponseMessage, throttled.Success = "429", "Too Many Requests", false
	throttled.FailureMessage = `Test failed: code expected to contain /200/`
	throttled.Bytes = 212
	throttled.Variables = []jtl.Variable{{Name: jtl.VarRetryAfter, Value: "10", Set: true}, {Name: jtl.VarDate, Value: "Thu, 26 Nov 2026 19:08:33 GMT", Set: true}}
	throttled.Headers = jtl.FormatHeaders("HTTP/1.1 429 Too Many Requests",
		[]string{"Retry-After", "inin-ratelimit-count", "inin-ratelimit-allowed", "inin-ratelimit-reset", "Date"},
		[]string{"10", "400", "400", "10", "Thu, 26 Nov 2026 19:08:33 GMT"})
	odd := ok
	odd.Timestamp = 1795719917000
	odd.Label = `GET "odd", label`
	odd.ResponseCode, odd.ResponseMessage, odd.Success = "Non HTTP response code: java.net.SocketException", "Connection reset,\nby peer <&>", false
	odd.URL = "http://127.0.0.1:38661/api/v2/scripts/7?a=1&b=2"
	odd.Headers = ""
	odd.Children = []jtl.Sample{{Has: all, Timestamp: 1795719917000, Elapsed: 5, Label: "GET \"odd\", label-0", ResponseCode: "302", ResponseMessage: "Found", Success: true, ThreadName: "Agents 1-2", URL: "http://127.0.0.1:38661/x", SampleCount: 1}}
	return []jtl.Sample{ok, throttled, odd}
}

func TestCSVWriter5x(t *testing.T) {
	var buf bytes.Buffer
	w := jtl.NewCSVWriter(&buf, jtl.CSV5x(jtl.VarRetryAfter, jtl.VarDate))
	ss := writerSamples()
	for i := range ss {
		if err := w.Write(&ss[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	golden(t, "samples-5x.csv", buf.Bytes())

	// Independent check with encoding/csv: 17 standard + 2 variable columns.
	r := csv.NewReader(bytes.NewReader(buf.Bytes()))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want header + 3", len(recs))
	}
	wantHeader := "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect,\"retryAfter\",\"respDate\""
	if got := strings.SplitN(buf.String(), "\n", 2)[0]; got != wantHeader {
		t.Errorf("header\n got %s\nwant %s", got, wantHeader)
	}
	for i, rec := range recs {
		if len(rec) != 19 {
			t.Errorf("record %d has %d fields, want 19", i, len(rec))
		}
	}
	if recs[2][3] != "429" || recs[2][17] != "10" || recs[1][18] != "null" {
		t.Errorf("429 row %q, first row %q", recs[2], recs[1])
	}
	if recs[3][2] != `GET "odd", label` || recs[3][4] != "Connection reset,\nby peer <&>" {
		t.Errorf("quoted fields came back as %q / %q", recs[3][2], recs[3][4])
	}

	// Round trip through the package's own reader.
	rd, err := jtl.NewReader(bytes.NewReader(buf.Bytes()), "rt.csv", jtl.Options{Timestamps: jtl.TimestampStart})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rd.Scan() {
		s, want := rd.Sample(), ss[n]
		if s.Timestamp != want.Timestamp || s.Label != want.Label || s.ResponseCode != want.ResponseCode ||
			s.Elapsed != want.Elapsed || s.AllThreads != want.AllThreads || s.URL != want.URL || s.Connect != want.Connect {
			t.Errorf("row %d read back as %+v", n, s)
		}
		if v, _ := s.Var(jtl.VarRetryAfter); n == 1 && v != "10" {
			t.Errorf("retryAfter read back as %q", v)
		}
		n++
	}
	if rd.Err() != nil || n != 3 {
		t.Errorf("read %d samples, err %v", n, rd.Err())
	}
}

func TestCSVWriter213(t *testing.T) {
	var buf bytes.Buffer
	w := jtl.NewCSVWriter(&buf, jtl.CSV213())
	ss := writerSamples()
	for i := range ss {
		w.Write(&ss[i])
	}
	w.Flush()
	golden(t, "samples-213.csv", buf.Bytes())
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3 (no header)", len(recs))
	}
	for _, rec := range recs {
		if len(rec) != 12 || (rec[7] != "true" && rec[7] != "false") {
			t.Errorf("2.13 row %q: want 12 fields, success in the 8th", rec)
		}
	}
}

// xmlSample is what encoding/xml sees of one sample element.
type xmlSample struct {
	XMLName xml.Name
	Attrs   []xml.Attr  `xml:",any,attr"`
	Header  string      `xml:"responseHeader"`
	URL     string      `xml:"java.net.URL"`
	Kids    []xmlSample `xml:"httpSample"`
	Asserts []struct {
		Failure bool   `xml:"failure"`
		Msg     string `xml:"failureMessage"`
	} `xml:"assertionResult"`
}

func attr(s xmlSample, name string) string {
	for _, a := range s.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return "<absent>"
}

func TestXMLWriter(t *testing.T) {
	var buf bytes.Buffer
	w := jtl.NewXMLWriter(&buf)
	ss := writerSamples()
	for i := range ss {
		if err := w.Write(&ss[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "samples.xml", buf.Bytes())

	var doc struct {
		Version string      `xml:"version,attr"`
		Samples []xmlSample `xml:"httpSample"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	if doc.Version != "1.2" || len(doc.Samples) != 3 {
		t.Fatalf("version %q, %d samples", doc.Version, len(doc.Samples))
	}
	thr := doc.Samples[1]
	if attr(thr, "rc") != "429" || attr(thr, "retryAfter") != "10" || attr(thr, "ts") != "1795719916103" {
		t.Errorf("429 attributes %v", thr.Attrs)
	}
	if !strings.Contains(thr.Header, "\nRetry-After: 10\n") || !strings.HasPrefix(thr.Header, "HTTP/1.1 429") {
		t.Errorf("responseHeader %q", thr.Header)
	}
	if len(thr.Asserts) != 1 || !thr.Asserts[0].Failure {
		t.Errorf("failure message not written as an assertion result: %+v", thr.Asserts)
	}
	if attr(doc.Samples[0], jtl.VarDate) != "null" {
		t.Errorf("unset variable written as %q, want null", attr(doc.Samples[0], jtl.VarDate))
	}
	odd := doc.Samples[2]
	if attr(odd, "lb") != `GET "odd", label` || attr(odd, "rm") != "Connection reset,\nby peer <&>" || odd.URL != ss[2].URL {
		t.Errorf("escaping: lb %q rm %q url %q", attr(odd, "lb"), attr(odd, "rm"), odd.URL)
	}
	if len(odd.Kids) != 1 || attr(odd.Kids[0], "rc") != "302" {
		t.Errorf("sub-sample: %+v", odd.Kids)
	}
	// JMeter's attribute order.
	var names []string
	for _, a := range doc.Samples[0].Attrs {
		names = append(names, a.Name.Local)
	}
	if got, want := strings.Join(names, " "), "t it lt ct ts s lb rc rm tn dt de by sby sc ec ng na hn retryAfter respDate"; got != want {
		t.Errorf("attribute order\n got %s\nwant %s", got, want)
	}

	rd, err := jtl.NewReader(bytes.NewReader(buf.Bytes()), "rt.xml", jtl.Options{Timestamps: jtl.TimestampStart})
	if err != nil && strings.Contains(err.Error(), "not supported yet") {
		t.Skip("jtl XML reader not implemented yet: round trip skipped")
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rd.Scan() {
		s := rd.Sample()
		if ra, ok := s.Headers.Get("Retry-After"); n == 1 && (!ok || ra != "10") {
			t.Errorf("Retry-After read back as %q, %v", ra, ok)
		}
		if s.Label != ss[n].Label || s.ResponseMessage != ss[n].ResponseMessage {
			t.Errorf("sample %d read back as %q / %q", n, s.Label, s.ResponseMessage)
		}
		n++
	}
	if rd.Err() != nil || n != 3 {
		t.Errorf("read %d samples, err %v", n, rd.Err())
	}
}

// FuzzWriterRoundTrip writes a sample with arbitrary strings as CSV (5.x
// with header) and XML and reads it back: the strings survive JMeter's
// quoting and XML escaping (XML drops the characters XML 1.0 forbids; CR,
// LF and TAB survive as character references).
func FuzzWriterRoundTrip(f *testing.F) {
	f.Add("GET script", "Too Many Requests", "12", "Agents 1-1")
	f.Add(`a,"b"`, "line\nbreak", "Thu, 26 Nov 2026 19:08:33 GMT", "x\ty")
	f.Add("<&>", "\r\n", "", "null")
	f.Fuzz(func(t *testing.T, label, msg, ra, thread string) {
		for _, s := range []string{label, msg, ra, thread} {
			if !utf8.ValidString(s) {
				t.Skip()
			}
		}
		in := jtl.Sample{Has: jtl.Fields5x, Timestamp: 1795719887591, Elapsed: 5, Label: label, ResponseCode: "429",
			ResponseMessage: msg, ThreadName: thread, Success: false, Bytes: 10, AllThreads: 1, GrpThreads: 1,
			URL: "http://h/x", Variables: []jtl.Variable{{Name: jtl.VarRetryAfter, Value: ra, Set: true}}}
		var csvBuf, xmlBuf bytes.Buffer
		cw := jtl.NewCSVWriter(&csvBuf, jtl.CSV5x(jtl.VarRetryAfter))
		cw.Write(&in)
		cw.Flush()
		xw := jtl.NewXMLWriter(&xmlBuf)
		xw.Write(&in)
		xw.Close()
		xmlText := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
					return -1
				}
				return r
			}, s)
		}
		for _, c := range []struct {
			name string
			data []byte
			norm func(string) string
		}{
			{"csv", csvBuf.Bytes(), func(s string) string { return s }},
			{"xml", xmlBuf.Bytes(), xmlText},
		} {
			rd, err := jtl.NewReader(bytes.NewReader(c.data), "fuzz."+c.name, jtl.Options{Timestamps: jtl.TimestampStart, Strict: true})
			if c.name == "csv" && errors.Is(err, jtl.ErrNotJTL) && strings.ContainsRune(label+msg+ra+thread, 0) {
				continue // JMeter writes NUL as is; the reader calls such a file binary
			}
			if err != nil {
				t.Fatalf("%s: %v\n%q", c.name, err, c.data)
			}
			if !rd.Scan() {
				// A CSV label that looks like a header or a blank record is
				// the reader's business; only complain about lost data in
				// XML, whose structure is unambiguous.
				if c.name == "xml" {
					t.Fatalf("xml: no sample read back: %v\n%q", rd.Err(), c.data)
				}
				continue
			}
			s := rd.Sample()
			v, _ := s.Var(jtl.VarRetryAfter)
			if c.name == "xml" && (s.Label != c.norm(label) || s.ResponseMessage != c.norm(msg) || v != c.norm(ra) || s.ThreadName != c.norm(thread)) {
				t.Fatalf("xml: read back %q %q %q %q from %q %q %q %q", s.Label, s.ResponseMessage, v, s.ThreadName, label, msg, ra, thread)
			}
			if c.name == "csv" && s.Label == c.norm(label) && (s.ResponseMessage != c.norm(msg) || v != c.norm(ra)) {
				t.Fatalf("csv: read back %q %q from %q %q\n%q", s.ResponseMessage, v, msg, ra, c.data)
			}
		}
	})
}
