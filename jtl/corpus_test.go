package jtl

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"jmtune/internal/testenv"
)

// manifestEntry is one line of the corpus MANIFEST.tsv.
type manifestEntry struct {
	file, kind, notes string
}

func readManifest(t *testing.T, dir string) []manifestEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []manifestEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 8 || cols[0] == "local_file" {
			continue
		}
		out = append(out, manifestEntry{file: cols[0], kind: cols[5], notes: cols[7]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var rowsNote = regexp.MustCompile(`\brows=(\d+)`)

// countXMLSamples counts the complete direct children of <testResults>
// with encoding/xml, independently of the package's XML decoder; a file
// cut short counts the elements completed before the break.
func countXMLSamples(t *testing.T, path string) (n int, truncated bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return n, false
		}
		if err != nil {
			return n, true
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
			if depth == 1 {
				n++
			}
		}
	}
}

// scanCSVRecords splits data into records (a line end outside quotes ends
// one) and returns each record's first line and field count.
func scanCSVRecords(data []byte, delim byte) (starts []int, fields []int) {
	inQuote, line, nf, start := false, 1, 1, 1
	empty := true
	for _, c := range data {
		switch {
		case c == '"':
			inQuote = !inQuote
			empty = false
		case c == '\n':
			line++
			if !inQuote {
				if !empty {
					starts, fields = append(starts, start), append(fields, nf)
				}
				nf, start, empty = 1, line, true
			}
		case c == delim && !inQuote:
			nf++
			empty = false
		case c != '\r':
			empty = false
		}
	}
	if !empty {
		starts, fields = append(starts, start), append(fields, nf)
	}
	return starts, fields
}

// TestCorpusJTL reads every result file of the shared corpus: each reads
// with the rows its manifest note gives (CSV) or that encoding/xml counts
// (XML), with the format the manifest names, or fails with the error its
// note calls for.
func TestCorpusJTL(t *testing.T) {
	shared := testenv.Shared(t)
	dir := filepath.Join(shared, "corpus")
	entries := readManifest(t, dir)
	seen := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.kind, "jtl") {
			continue
		}
		seen++
		e := e
		t.Run(filepath.Base(e.file), func(t *testing.T) {
			path := filepath.Join(dir, e.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			samples, r := readAll(t, path, Options{})
			if r.Err() != nil {
				t.Fatalf("error: %v", r.Err())
			}
			f := r.Format()
			warned := func(sub string) bool {
				for _, w := range r.Warnings() {
					if strings.Contains(w.Msg, sub) {
						return true
					}
				}
				return false
			}
			switch e.kind {
			case "jtl-xml":
				if f.Kind != "xml" {
					t.Fatalf("kind %q; want xml", f.Kind)
				}
				want, truncated := countXMLSamples(t, path)
				if len(samples) != want {
					t.Errorf("%d samples; encoding/xml counts %d top-level elements", len(samples), want)
				}
				if strings.Contains(e.notes, "TRUNCATED") != truncated {
					t.Errorf("manifest truncated=%v, encoding/xml truncated=%v", !truncated, truncated)
				}
				if truncated && len(r.Warnings()) == 0 {
					t.Error("a truncated XML file read without a warning")
				}
			case "jtl-csv-header", "jtl-csv-noheader":
				if f.Kind != "csv" || f.Header != (e.kind == "jtl-csv-header") {
					t.Fatalf("format %+v; manifest kind %s", f, e.kind)
				}
				m := rowsNote.FindStringSubmatch(e.notes)
				if m == nil {
					t.Fatalf("no rows= in the note %q", e.notes)
				}
				lines, _ := strconv.Atoi(m[1])
				// The manifest counts physical lines; count records with a
				// small quote-aware scan of our own, and check it against
				// the manifest.
				recs, fields := scanCSVRecords(data, byte(f.Delimiter))
				physical := bytes.Count(data, []byte("\n"))
				if !bytes.HasSuffix(data, []byte("\n")) {
					physical++
				}
				if f.Header {
					physical--
					recs, fields = recs[1:], fields[1:]
				}
				if physical != lines {
					t.Fatalf("manifest rows=%d but the file has %d data lines", lines, physical)
				}
				want := len(recs)
				// A last record cut short (fewer fields than the columns,
				// no line end) is not a sample but a warning.
				if n := len(fields); n > 0 && fields[n-1] < len(f.Columns) && !bytes.HasSuffix(data, []byte("\n")) {
					want--
					if !warned("was the run killed?") || r.Skipped() != 1 {
						t.Errorf("truncated last record: no warning (%v)", r.Warnings())
					}
				}
				if len(samples) != want {
					t.Errorf("%d rows; want %d (skipped %d, warnings %v)", len(samples), want, r.Skipped(), r.Warnings())
				}
				if e.kind == "jtl-csv-noheader" && !warned("no header line; assumed") {
					t.Error("header-less file read without saying which layout was assumed")
				}
				if strings.Contains(e.notes, "date-timestamp") {
					if f.TimestampFormat == "ms" || samples[0].Timestamp < 1e12 {
						t.Errorf("date timestamps: format %q first %d", f.TimestampFormat, samples[0].Timestamp)
					}
				}
			default:
				t.Fatalf("unknown manifest kind %q", e.kind)
			}
			for _, s := range samples {
				if s.Line <= 0 || s.File != path {
					t.Fatalf("sample without position: %s", dumpSample(s))
				}
			}
		})
	}
	if seen < 28 {
		t.Errorf("only %d JTL files in the manifest", seen)
	}
}

// TestCorpusJMXIsNotJTL: a test plan given where results are expected is
// refused with ErrNotJTL naming what it is.
func TestCorpusJMXIsNotJTL(t *testing.T) {
	shared := testenv.Shared(t)
	files, err := filepath.Glob(filepath.Join(shared, "corpus", "jmx", "*.jmx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus JMX files: %v", err)
	}
	for _, path := range files {
		_, err := OpenFile(path, Options{})
		if !errors.Is(err, ErrNotJTL) || !strings.Contains(err.Error(), "test plan (JMX)") {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
	}
}

// TestScenarioCSV reads the real JMeter 2.13 runs of the scenarios: the row
// counts their expected.json observed, the retryAfter variable of every 429.
func TestScenarioCSV(t *testing.T) {
	shared := testenv.Shared(t)
	dirs, _ := filepath.Glob(filepath.Join(shared, "scenarios", "*", "results.csv"))
	if len(dirs) == 0 {
		t.Fatal("no scenario results")
	}
	rowsRe := regexp.MustCompile(`"rows": (\d+)`)
	throttledRe := regexp.MustCompile(`"throttled": (\d+)`)
	for _, path := range dirs {
		exp, err := os.ReadFile(filepath.Join(filepath.Dir(path), "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		m, m2 := rowsRe.FindSubmatch(exp), throttledRe.FindSubmatch(exp)
		if m == nil || m2 == nil {
			t.Fatalf("%s: no observed rows/throttled", path)
		}
		wantRows, _ := strconv.Atoi(string(m[1]))
		wantThrottled, _ := strconv.Atoi(string(m2[1]))
		for _, opts := range []Options{{}, {Parallel: true}} {
			r, err := OpenFile(path, opts)
			if err != nil {
				t.Fatal(err)
			}
			rows, throttled, withRA := 0, 0, 0
			for r.Scan() {
				s := r.Sample()
				rows++
				if s.Code() == 429 {
					throttled++
					if v, ok := s.Var(VarRetryAfter); ok && v != "" {
						withRA++
					}
				}
			}
			r.Close()
			if rows != wantRows || throttled != wantThrottled || r.Skipped() != 0 || r.Err() != nil {
				t.Errorf("%s: rows %d throttled %d; expected.json observed %d, %d", path, rows, throttled, wantRows, wantThrottled)
			}
			if strings.Contains(string(exp), `"present": true`) && withRA != throttled {
				t.Errorf("%s: %d of %d 429s carry retryAfter", path, withRA, throttled)
			}
		}
	}
}
