package jtl

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The -update flag rewrites golden files; other test files of the package
// may define it too, so define it only when nobody did.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// readAll reads every sample of a file (cloned) with opts.
func readAll(t testing.TB, path string, opts Options) ([]*Sample, *Reader) {
	t.Helper()
	r, err := OpenFile(path, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer r.Close()
	var out []*Sample
	for r.Scan() {
		out = append(out, r.Sample().Clone())
	}
	return out, r
}

// dumpSample renders the fields a sample carries, one line, for golden files.
func dumpSample(s *Sample) string {
	var b strings.Builder
	fmt.Fprintf(&b, "line=%d", s.Line)
	for i := 0; i < numFields; i++ {
		f := Field(1 << i)
		if s.Has&f == 0 {
			continue
		}
		var v any
		switch f {
		case FieldTimestamp:
			v = s.Timestamp
		case FieldElapsed:
			v = s.Elapsed
		case FieldLabel:
			v = s.Label
		case FieldResponseCode:
			v = s.ResponseCode
		case FieldResponseMessage:
			v = s.ResponseMessage
		case FieldThreadName:
			v = s.ThreadName
		case FieldDataType:
			v = s.DataType
		case FieldSuccess:
			v = s.Success
		case FieldFailureMessage:
			v = s.FailureMessage
		case FieldBytes:
			v = s.Bytes
		case FieldSentBytes:
			v = s.SentBytes
		case FieldGrpThreads:
			v = s.GrpThreads
		case FieldAllThreads:
			v = s.AllThreads
		case FieldURL:
			v = s.URL
		case FieldFilename:
			v = s.Filename
		case FieldLatency:
			v = s.Latency
		case FieldEncoding:
			v = s.Encoding
		case FieldSampleCount:
			v = s.SampleCount
		case FieldErrorCount:
			v = s.ErrorCount
		case FieldHostname:
			v = s.Hostname
		case FieldIdleTime:
			v = s.IdleTime
		case FieldConnect:
			v = s.Connect
		}
		fmt.Fprintf(&b, " %s=%q", ColumnNames[i], fmt.Sprint(v))
	}
	for _, v := range s.Variables {
		if v.Set {
			fmt.Fprintf(&b, " var:%s=%q", v.Name, v.Value)
		} else {
			fmt.Fprintf(&b, " var:%s=<unset>", v.Name)
		}
	}
	fmt.Fprintf(&b, " start=%d", s.Start)
	if s.Engine != "" {
		fmt.Fprintf(&b, " engine=%q", s.Engine)
	}
	if s.Transaction {
		b.WriteString(" transaction")
	}
	if s.SubResult {
		b.WriteString(" subresult")
	}
	return b.String()
}

// dumpReader renders a whole file: the format, the samples, the warnings.
func dumpReader(t testing.TB, path string, opts Options) string {
	samples, r := readAll(t, path, opts)
	var b strings.Builder
	f := r.Format()
	fmt.Fprintf(&b, "kind=%s delimiter=%q header=%v gzip=%v timestamps=%s tsformat=%q\n", f.Kind, f.Delimiter, f.Header, f.Gzip, f.Timestamps, f.TimestampFormat)
	fmt.Fprintf(&b, "layout: %s\ncolumns: %s\n", f.Layout, strings.Join(f.Columns, ","))
	for _, s := range samples {
		b.WriteString(dumpSample(s) + "\n")
	}
	if r.Err() != nil {
		fmt.Fprintf(&b, "error: %v\n", r.Err())
	}
	fmt.Fprintf(&b, "skipped=%d\n", r.Skipped())
	for _, w := range r.Warnings() {
		if strings.Contains(w.Msg, "local time zone") {
			w.Msg = "(time zone note)" // depends on the machine
		}
		fmt.Fprintf(&b, "warning: %s\n", w.Error())
	}
	return b.String()
}

// TestCSVGolden reads every fixture in testdata/csv and compares a dump of
// what was read with testdata/csv/golden/<name>.golden (-update rewrites).
// The dumps were checked by hand against the fixtures; the targeted tests
// below state the important facts independently.
func TestCSVGolden(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	defer func() { time.Local = old }()
	files, err := filepath.Glob("testdata/csv/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if fi, err := os.Stat(path); err != nil || fi.IsDir() {
			continue
		}
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			got := dumpReader(t, path, Options{})
			gp := filepath.Join("testdata", "csv", "golden", name+".golden")
			if updating() {
				if err := os.MkdirAll(filepath.Dir(gp), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(gp, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("%v (run go test -run TestCSVGolden -update)", err)
			}
			if got != string(want) {
				os.WriteFile(gp+".got-csv", []byte(got), 0o644)
				t.Errorf("%s differs from %s (wrote %s.got-csv)\n%s", name, gp, gp, got)
			}
		})
	}
}

func TestCSVLayouts(t *testing.T) {
	const (
		v213 = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,Latency"
		v30  = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,grpThreads,allThreads,Latency,IdleTime"
		v31  = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,Latency,IdleTime,Connect"
		v5   = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect"
	)
	cases := []struct {
		file   string
		delim  rune
		header bool
		cols   string
		layout string // prefix
		rows   int
	}{
		{"v213_noheader.csv", ',', false, v213, "guessed: JMeter 2.13 defaults (12 columns)", 3},
		{"v30_header.csv", ',', true, v30, "header", 2},
		{"v30_noheader.csv", ',', false, v30, "guessed: JMeter 3.0 defaults (14 columns)", 2},
		{"v31_header.csv", ',', true, v31, "header", 2},
		{"v31_noheader.csv", ',', false, v31, "guessed: JMeter 3.1-4.0 defaults (16 columns)", 2},
		{"v5_header.csv", ',', true, v5, "header", 3},
		{"v5_noheader.csv", ',', false, v5, "guessed: JMeter 5.x defaults (17 columns)", 3},
		{"semicolon.csv", ';', true, v5, "header", 3},
		{"tab.csv", '\t', true, v5, "header", 3},
		{"pipe.csv", '|', true, v5, "header", 3},
		{"semicolon_noheader.csv", ';', false, v213, "guessed: JMeter 2.13", 3},
		{"bom_crlf.csv", ',', true, v5, "header", 3},
		{"v5_header.csv.gz", ',', true, v5, "header", 3},
		{"gzip_without_suffix.jtl", ',', false, v213, "guessed: JMeter 2.13", 3},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			samples, r := readAll(t, "testdata/csv/"+c.file, Options{})
			f := r.Format()
			if f.Kind != "csv" || f.Delimiter != c.delim || f.Header != c.header {
				t.Errorf("format %+v; want delimiter %q header %v", f, c.delim, c.header)
			}
			if got := strings.Join(f.Columns, ","); got != c.cols {
				t.Errorf("columns\n got %s\nwant %s", got, c.cols)
			}
			if !strings.HasPrefix(f.Layout, c.layout) {
				t.Errorf("layout %q; want prefix %q", f.Layout, c.layout)
			}
			if len(samples) != c.rows || r.Skipped() != 0 || r.Err() != nil {
				t.Fatalf("rows %d skipped %d err %v; want %d rows", len(samples), r.Skipped(), r.Err(), c.rows)
			}
			// Every fixture's second row is the 429 of thread "Users 1-2".
			s := samples[1]
			if s.Timestamp != 1700000000050 || s.Elapsed != 95 || s.Label != "GET /api/items" ||
				s.ResponseCode != "429" || s.Code() != 429 || s.ResponseMessage != "Too Many Requests" ||
				s.ThreadName != "Users 1-2" || s.Success || s.Bytes != 210 || s.Latency != 95 {
				t.Errorf("second row = %s", dumpSample(s))
			}
			wantLine := 2
			if c.header {
				wantLine = 3
			}
			if s.Line != wantLine {
				t.Errorf("second row line %d; want %d", s.Line, wantLine)
			}
			guessed := strings.HasPrefix(c.layout, "guessed")
			warned := false
			for _, w := range r.Warnings() {
				warned = warned || strings.Contains(w.Msg, "no header line; assumed")
			}
			if guessed != warned {
				t.Errorf("guessed layout %v but warning given %v: %v", guessed, warned, r.Warnings())
			}
			if c.file == "v5_header.csv.gz" || c.file == "gzip_without_suffix.jtl" {
				if !f.Gzip {
					t.Error("gzip not reported")
				}
			}
		})
	}
}

func TestCSVQuoted(t *testing.T) {
	samples, r := readAll(t, "testdata/csv/quoted_multiline.csv", Options{})
	if len(samples) != 3 || r.Skipped() != 0 {
		t.Fatalf("rows %d skipped %d: %v", len(samples), r.Skipped(), r.Warnings())
	}
	if s := samples[0]; s.Label != "GET /api/items?a=1,b=2" || s.URL != "https://api.example.test/api/items?a=1,b=2" {
		t.Errorf("delimiter inside quotes: %s", dumpSample(s))
	}
	want := "Assertion failed: expected {\"ok\":true}\ngot {\"ok\":false, \"err\":\"quota\"}\nend"
	if s := samples[1]; s.FailureMessage != want || s.Line != 3 || s.Bytes != 210 {
		t.Errorf("multi-line field: %s", dumpSample(s))
	}
	// The record after a 3-line record starts on line 6.
	if s := samples[2]; s.Line != 6 || s.Label != `say "hi"` || s.ResponseMessage != "" || s.Has&FieldResponseMessage == 0 {
		t.Errorf("doubled quotes / empty quoted: %s", dumpSample(s))
	}
	samples, _ = readAll(t, "testdata/csv/crlf_quoted.csv", Options{})
	if len(samples) != 2 || samples[0].FailureMessage != "line one\r\nline two" || samples[1].Line != 4 || samples[1].ThreadName != "Users 1-2" {
		t.Errorf("CRLF: %d rows, %q", len(samples), samples[0].FailureMessage)
	}
}

func TestCSVVariablesAndNull(t *testing.T) {
	samples, _ := readAll(t, "testdata/csv/sample_vars_null.csv", Options{})
	if len(samples) != 3 {
		t.Fatalf("rows %d", len(samples))
	}
	if v, ok := samples[0].Var("retryAfter"); !ok || v != "" {
		t.Errorf("empty retryAfter: %q %v; want present but empty (Set true, value \"\")", v, ok)
	}
	if samples[0].Variables[0].Set != true {
		t.Error("an empty value is set (only null is unset)")
	}
	if v, ok := samples[1].Var("retryAfter"); !ok || v != "7" {
		t.Errorf("retryAfter = %q %v", v, ok)
	}
	if _, ok := samples[1].Var("attempt"); ok {
		t.Error("null attempt reported as set")
	}
	s := samples[2]
	if s.Has&FieldResponseMessage != 0 || s.Has&FieldURL != 0 || s.URL != "" {
		t.Errorf("null responseMessage/URL must be unset: %s", dumpSample(s))
	}
	if len(s.Variables) != 2 || s.Variables[0].Set || s.Variables[1].Set {
		t.Errorf("null variables: %+v", s.Variables)
	}
}

func TestCSVDateTimestamps(t *testing.T) {
	// The file was written in UTC+01:00: read it in that zone.
	old := time.Local
	time.Local = time.FixedZone("CET", 3600)
	defer func() { time.Local = old }()
	samples, r := readAll(t, "testdata/csv/date_timestamps.csv", Options{})
	if len(samples) != 3 {
		t.Fatalf("rows %d: %v", len(samples), r.Warnings())
	}
	// 2023/11/14 22:13:20.000 at UTC+1 is 21:13:20 UTC = 1699996400000.
	if samples[0].Timestamp != 1699996400000 || samples[1].Timestamp != 1699996400050 || samples[2].Timestamp != 1699996401500 {
		t.Errorf("timestamps %d %d %d", samples[0].Timestamp, samples[1].Timestamp, samples[2].Timestamp)
	}
	if f := r.Format(); f.TimestampFormat != "yyyy/MM/dd HH:mm:ss.SSS" {
		t.Errorf("timestamp format %q", f.TimestampFormat)
	}
	noted := false
	for _, w := range r.Warnings() {
		noted = noted || strings.Contains(w.Msg, "local time zone")
	}
	if !noted {
		t.Error("no time zone warning")
	}
	// With the pattern given in the properties.
	p := &Properties{}
	p.Set("jmeter.save.saveservice.timestamp_format", "yyyy/MM/dd HH:mm:ss.SSS")
	samples, _ = readAll(t, "testdata/csv/date_timestamps.csv", Options{Props: p})
	if len(samples) != 3 || samples[2].Timestamp != 1699996401500 {
		t.Errorf("with timestamp_format: %d rows", len(samples))
	}
}

func TestCSVBadTail(t *testing.T) {
	for _, name := range []string{"truncated_last_line.csv", "unterminated_quote.csv"} {
		samples, r := readAll(t, "testdata/csv/"+name, Options{})
		if len(samples) != 3 || r.Err() != nil || r.Skipped() != 1 {
			t.Errorf("%s: rows %d skipped %d err %v; want the 3 complete rows and 1 skipped", name, len(samples), r.Skipped(), r.Err())
		}
		ws := r.Warnings()
		if len(ws) != 1 || ws[0].Line != 5 || !strings.Contains(ws[0].Msg, "was the run killed?") {
			t.Errorf("%s: warnings %v; want one at line 5 about a killed run", name, ws)
		}
		// Strict: the tail is an error, after the complete rows.
		samples, r = readAll(t, "testdata/csv/"+name, Options{Strict: true})
		var se *SyntaxError
		if len(samples) != 3 || !errors.As(r.Err(), &se) || se.Line != 5 {
			t.Errorf("%s strict: rows %d err %v", name, len(samples), r.Err())
		}
	}
}

func TestCSVAppendedRuns(t *testing.T) {
	samples, r := readAll(t, "testdata/csv/appended_runs.csv", Options{})
	// 2 rows of the 5.x run, 2 header-less 2.13 rows skipped, a new
	// header, 2 rows with retryAfter.
	if len(samples) != 4 || r.Skipped() != 2 {
		t.Fatalf("rows %d skipped %d; want 4 and 2: %v", len(samples), r.Skipped(), r.Warnings())
	}
	ws := r.Warnings()
	if len(ws) != 3 || ws[0].Line != 4 || !strings.Contains(ws[0].Msg, "12 fields, want 17") || ws[2].Line != 6 || !strings.Contains(ws[2].Msg, "new header line") {
		t.Errorf("warnings %v", ws)
	}
	if v, ok := samples[2].Var("retryAfter"); !ok || v != "3" || samples[2].Line != 7 || samples[2].Has&FieldURL != 0 {
		t.Errorf("after the new header: %s", dumpSample(samples[2]))
	}
	_, r = readAll(t, "testdata/csv/appended_runs.csv", Options{Strict: true})
	var se *SyntaxError
	if !errors.As(r.Err(), &se) || se.Line != 4 {
		t.Errorf("strict: %v", r.Err())
	}
}

func TestCSVEnginesSubResultsTransactions(t *testing.T) {
	samples, _ := readAll(t, "testdata/csv/distributed_5x.csv", Options{})
	wantEngine := []string{"10.0.0.5:1099", "10.0.0.6:1099", "10.0.0.5:1099", "[::1]:1099", ""}
	for i, s := range samples {
		if s.Engine != wantEngine[i] || s.ThreadGroup() != "Agents" {
			t.Errorf("row %d: engine %q group %q; want %q, Agents", i, s.Engine, s.ThreadGroup(), wantEngine[i])
		}
	}
	samples, _ = readAll(t, "testdata/csv/hostname.csv", Options{})
	if samples[0].Engine != "loadgen-a" || samples[1].Engine != "loadgen-b" {
		t.Errorf("Hostname engines: %q %q", samples[0].Engine, samples[1].Engine)
	}
	samples, _ = readAll(t, "testdata/csv/subresults_5x.csv", Options{})
	// GET /home, -0 and -1 are its sub-results; GET /homepage is not;
	// GET /home-2 is another thread's; GET /api-1 has no parent before it.
	want := []bool{false, true, true, false, false, false}
	for i, s := range samples {
		if s.SubResult != want[i] {
			t.Errorf("%s: SubResult %v", s.Label, s.SubResult)
		}
	}
	samples, _ = readAll(t, "testdata/csv/transactions.csv", Options{})
	if samples[0].Transaction || samples[1].Transaction || !samples[2].Transaction {
		t.Error("transaction marking")
	}
}

func TestCSVTimestampDetection(t *testing.T) {
	cases := []struct {
		file string
		opt  TimestampMode
		want TimestampMode
	}{
		{"start_timestamps.csv", TimestampAuto, TimestampStart},
		{"end_timestamps.csv", TimestampAuto, TimestampEnd},
		{"end_timestamps.csv", TimestampStart, TimestampStart}, // the option wins
	}
	for _, c := range cases {
		samples, r := readAll(t, "testdata/csv/"+c.file, Options{Timestamps: c.opt})
		if r.TimestampMode() != c.want {
			t.Errorf("%s: mode %s (%s); want %s", c.file, r.TimestampMode(), r.Format().TimestampsWhy, c.want)
		}
		if len(samples) != 90 {
			t.Fatalf("%s: %d rows", c.file, len(samples))
		}
		// Start follows the mode, for the replayed prefix as for the rest.
		for _, s := range samples {
			want := s.Timestamp
			if c.want == TimestampEnd {
				want -= s.Elapsed
			}
			if s.Start != want {
				t.Fatalf("%s line %d: Start %d; want %d", c.file, s.Line, s.Start, want)
			}
		}
	}
	// Too few pairs: the property decides.
	p := &Properties{}
	p.Set("sampleresult.timestamp.start", "false")
	_, r := readAll(t, "testdata/csv/v5_header.csv", Options{Props: p})
	if r.TimestampMode() != TimestampEnd || !strings.Contains(r.Format().TimestampsWhy, "sampleresult.timestamp.start=false") {
		t.Errorf("property fallback: %s (%s)", r.TimestampMode(), r.Format().TimestampsWhy)
	}
}

func TestJudgeTimestamps(t *testing.T) {
	cases := []struct {
		n, s, e int
		want    TimestampMode
		doubt   bool
	}{
		{10, 0, 5, TimestampAuto, false}, // too few pairs
		{500, 0, 120, TimestampStart, false},
		{500, 38, 178, TimestampStart, false},
		{500, 200, 0, TimestampEnd, false},
		{500, 3, 2, TimestampAuto, false}, // think time hides it
		{500, 150, 160, TimestampAuto, true},
	}
	for _, c := range cases {
		m, why, doubt := judgeTimestamps(c.n, c.s, c.e)
		if m != c.want || doubt != c.doubt {
			t.Errorf("judge(%d,%d,%d) = %s %v (%s)", c.n, c.s, c.e, m, doubt, why)
		}
	}
}

func TestHeaderlessWithProperties(t *testing.T) {
	// The scenario layout without its header: 2.13 + URL + Connect +
	// retryAfter. No stock layout has 15 columns with a URL at column 12,
	// so without properties it is an error that asks for them.
	const header = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,URL,Latency,Connect,\"retryAfter\"\n"
	rows := "1795719887591,58,POST /oauth/token,200,OK,Agents 1-2,text,true,193,2,2,http://127.0.0.1:38661/oauth/token,57,31,\n" +
		"1795719888650,15,GET script,429,Too Many Requests,Agents 1-2,text,false,3275,3,3,http://127.0.0.1:38661/api/v2/scripts/7,15,0,7\n"
	dir := t.TempDir()
	path := filepath.Join(dir, "results.csv")
	if err := os.WriteFile(path, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenFile(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "match no JMeter layout") || !strings.Contains(err.Error(), "-q FILE") || errors.Is(err, ErrNotJTL) {
		t.Fatalf("without properties: %v", err)
	}
	// With the run's -q file only: its keys on each release's defaults; 2.13's fit.
	props, err := LoadProperties(PropertyFiles{AddProps: []string{"testdata/props/run.properties"}})
	if err != nil {
		t.Fatal(err)
	}
	samples, r := readAll(t, path, Options{Props: props})
	f := r.Format()
	if strings.Join(f.Columns, ",")+"\n" != header || !strings.Contains(f.Layout, "JMeter 2.13 defaults") || !strings.Contains(f.Layout, "url from testdata/props/run.properties") {
		t.Errorf("layout %q columns %q", f.Layout, f.Columns)
	}
	if len(samples) != 2 || samples[1].URL != "http://127.0.0.1:38661/api/v2/scripts/7" || samples[1].Connect != 0 {
		t.Fatalf("rows: %d", len(samples))
	}
	if v, ok := samples[1].Var(VarRetryAfter); !ok || v != "7" {
		t.Errorf("retryAfter %q %v", v, ok)
	}
	// With the 2.13 jmeter.properties (+ user.properties) and the -q file.
	props, _ = LoadProperties(PropertyFiles{JMeterProperties: "testdata/props/v213/jmeter.properties", AddProps: []string{"testdata/props/run.properties"}})
	_, r = readAll(t, path, Options{Props: props})
	if !strings.HasPrefix(r.Format().Layout, "properties: JMeter 2.13 defaults") {
		t.Errorf("layout %q", r.Format().Layout)
	}
	// Properties that do not fit: a warning, then a stock guess.
	p := &Properties{}
	p.Set("jmeter.save.saveservice.thread_counts", "false")
	samples, r = readAll(t, "testdata/csv/v5_noheader.csv", Options{Props: p})
	if len(samples) != 3 || !strings.HasPrefix(r.Format().Layout, "guessed: JMeter 5.x") {
		t.Errorf("layout %q", r.Format().Layout)
	}
	// A tab delimiter from the properties.
	p = &Properties{}
	p.Set("jmeter.save.saveservice.default_delimiter", `\t`)
	p.Set("jmeter.save.saveservice.print_field_names", "false")
	tabbed := strings.ReplaceAll(rows, ",", "\t")
	if err := os.WriteFile(path, []byte(tabbed), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Set("jmeter.save.saveservice.url", "true")
	p.Set("jmeter.save.saveservice.connect_time", "true")
	p.Set("sample_variables", "retryAfter")
	samples, r = readAll(t, path, Options{Props: p})
	if len(samples) != 2 || r.Format().Delimiter != '\t' {
		t.Errorf("tab from properties: %d rows, %+v", len(samples), r.Format())
	}
}

func TestNotJTL(t *testing.T) {
	cases := map[string]string{
		"empty.jtl":       "empty",
		"blank.jtl":       "blank",
		"plan.jmx":        "test plan (JMX)",
		"report.html":     "HTML page",
		"statistics.json": "JSON",
		"data.bin":        "binary",
		"notes.txt":       "neither a JMeter CSV header nor JMeter CSV rows",
		"other.xml":       "root element is <catalog>",
		"results.zip":     "ZIP archive",
	}
	for name, what := range cases {
		path := "testdata/csv/notjtl/" + name
		_, err := OpenFile(path, Options{})
		if !errors.Is(err, ErrNotJTL) || !strings.Contains(err.Error(), what) || !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("%s: %v; want ErrNotJTL naming the file and %q", name, err, what)
		}
	}
	if _, err := OpenFile("testdata/csv", Options{}); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestStrictMalformedRow(t *testing.T) {
	data := "timeStamp,elapsed,label,success\n1700000000000,12,a,true\n1700000000100,x1,b,true\n1700000000200,5,c,maybe\n1700000000300,7,d,false\n"
	r, err := NewReader(strings.NewReader(data), "mem.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r.Scan() {
		n++
	}
	ws := r.Warnings()
	if n != 2 || r.Skipped() != 2 || len(ws) != 2 {
		t.Fatalf("rows %d skipped %d warnings %v", n, r.Skipped(), ws)
	}
	if got := ws[0].Error(); got != `mem.csv:3: column 2 (elapsed): "x1" is not a whole number; row skipped` {
		t.Errorf("warning %q", got)
	}
	if got := ws[1].Error(); got != `mem.csv:4: column 4 (success): "maybe" is not true or false; row skipped` {
		t.Errorf("warning %q", got)
	}
	r, _ = NewReader(strings.NewReader(data), "mem.csv", Options{Strict: true})
	n = 0
	for r.Scan() {
		n++
	}
	if n != 1 || r.Err() == nil || r.Err().Error() != `mem.csv:3: column 2 (elapsed): "x1" is not a whole number` {
		t.Errorf("strict: rows %d err %v", n, r.Err())
	}
}

func TestThreadGroup(t *testing.T) {
	for in, want := range map[string]string{
		"Agents 1-7":                        "Agents",
		"10.0.0.5:1099-Agents 1-7":          "Agents",
		"Thread Group 1-1":                  "Thread Group",
		"Admin Users - 10 Users 2-2":        "Admin Users - 10 Users",
		"jp@gc - Ultimate Thread Group 1-2": "jp@gc - Ultimate Thread Group",
		"standalone":                        "standalone",
		"TG: login 1-x":                     "TG: login 1-x",
		"":                                  "",
	} {
		s := Sample{ThreadName: in}
		if got := s.ThreadGroup(); got != want {
			t.Errorf("ThreadGroup(%q) = %q; want %q", in, got, want)
		}
	}
}
