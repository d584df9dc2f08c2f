package jtl

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzCSV feeds arbitrary bytes to the reader: it must not panic, must
// end, and every sample it returns must have a position in the input.
func FuzzCSV(f *testing.F) {
	files, _ := filepath.Glob("testdata/csv/*.csv")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("timeStamp,elapsed,label\n1,2,\"a\n"))
	f.Add([]byte("\"\n\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options{{}, {Strict: true}} {
			r, err := NewReader(bytes.NewReader(data), "fuzz", opts)
			if err != nil {
				return
			}
			lines := bytes.Count(data, []byte("\n")) + 1
			if lines == 1 {
				lines += bytes.Count(data, []byte("\r")) // CR line ends
			}
			n, prev := 0, 0
			for r.Scan() {
				s := r.Sample()
				if s.Line < 1 || s.Line > lines {
					t.Fatalf("sample at line %d of %d", s.Line, lines)
				}
				if s.Line <= prev {
					t.Fatalf("line %d after line %d", s.Line, prev)
				}
				prev = s.Line
				n++
				if n > lines {
					t.Fatalf("%d samples from %d lines", n, lines)
				}
			}
			if n+r.Skipped() > lines {
				t.Fatalf("%d samples + %d skipped from %d lines", n, r.Skipped(), lines)
			}
		}
	})
}

// quoteField quotes a CSV field the way JMeter's writer does (independent
// of the reader's code): when it holds the delimiter, a quote, CR or LF.
func quoteField(s string, delim byte) string {
	if !strings.ContainsAny(s, string([]byte{delim, '"', '\r', '\n'})) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// FuzzCSVRoundTrip writes JMeter-style CSV rows holding fuzzed strings and
// numbers, quoted as JMeter quotes them, and checks that the reader gives
// the same values back, with each delimiter and line end.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("GET /a", "OK", "Users 1-1", "", int64(1700000000000), int64(12), uint8(0))
	f.Add("x,y", "say \"hi\"\nthere", "T 1-2", "7", int64(5), int64(0), uint8(1))
	f.Add("null", "null", "", "null", int64(1), int64(99999999999), uint8(2))
	f.Add("\"", "\r\n", "a;b|c\td", "", int64(0), int64(123456789012345), uint8(7))
	f.Fuzz(func(t *testing.T, label, msg, thread, retry string, ts, elapsed int64, mode uint8) {
		if ts < 0 || elapsed < 0 || strings.ContainsFunc(label+msg+thread+retry, func(r rune) bool {
			return r < 0x20 && r != '\t' && r != '\r' && r != '\n'
		}) {
			return // control characters make the input look binary (see isBinary)
		}
		delim := []byte{',', ';', '\t', '|'}[mode%4]
		eol := "\n"
		if mode&4 != 0 {
			eol = "\r\n"
		}
		d := string(delim)
		var b strings.Builder
		b.WriteString(strings.Join([]string{"timeStamp", "elapsed", "label", "responseMessage", "threadName", "success", `"retryAfter"`}, d) + eol)
		const rows = 3
		for i := 0; i < rows; i++ {
			b.WriteString(strings.Join([]string{
				strconv.FormatInt(ts+int64(i), 10), strconv.FormatInt(elapsed, 10),
				quoteField(label, delim), quoteField(msg, delim), quoteField(thread, delim),
				strconv.FormatBool(i%2 == 0), quoteField(retry, delim),
			}, d) + eol)
		}
		r, err := NewReader(strings.NewReader(b.String()), "rt", Options{Timestamps: TimestampStart})
		if err != nil {
			t.Fatalf("%v\n%q", err, b.String())
		}
		n := 0
		for r.Scan() {
			s := r.Sample()
			wantLabel, wantMsg, wantThread := label, msg, thread
			if wantMsg == "null" {
				wantMsg = "" // JMeter's null: unset
			}
			if wantThread == "null" {
				wantThread = ""
			}
			wantRetry, wantSet := retry, retry != "null"
			if !wantSet {
				wantRetry = ""
			}
			v := s.Variables[0]
			if s.Timestamp != ts+int64(n) || s.Elapsed != elapsed || s.Label != wantLabel || s.ResponseMessage != wantMsg ||
				s.ThreadName != wantThread || s.Success != (n%2 == 0) || v.Value != wantRetry || v.Set != wantSet {
				t.Fatalf("row %d: %s\ninput %q", n, dumpSample(s), b.String())
			}
			n++
		}
		if n != rows || r.Skipped() != 0 || r.Err() != nil {
			t.Fatalf("rows %d skipped %d err %v warnings %v\ninput %q", n, r.Skipped(), r.Err(), r.Warnings(), b.String())
		}
	})
}
