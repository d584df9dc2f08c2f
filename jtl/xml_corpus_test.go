package jtl

import (
	"bufio"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jmtune/internal/testenv"
)

// topLevelRef lists the top-level elements of an XML JTL as encoding/xml sees
// them: an independent reading to compare the decoder with. It stops at the
// first error, keeping the elements completed before it.
type topLevelRef struct {
	name, lb, ts string
}

func referenceTopLevel(t *testing.T, path string) (refs []topLevelRef, complete bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	dec.Strict = false
	depth := 0
	var cur topLevelRef
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return refs, true
		}
		if err != nil {
			return refs, false
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				cur = topLevelRef{name: e.Name.Local}
				for _, a := range e.Attr {
					switch a.Name.Local {
					case "lb":
						cur.lb = a.Value
					case "ts":
						cur.ts = a.Value
					}
				}
			}
		case xml.EndElement:
			if depth == 2 {
				refs = append(refs, cur)
			}
			depth--
		}
	}
}

// TestXMLCorpus reads every XML file of the shared corpus and checks the
// samples against encoding/xml's reading of the same file.
func TestXMLCorpus(t *testing.T) {
	shared := testenv.Shared(t)
	manifest, err := os.ReadFile(filepath.Join(shared, "corpus", "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(manifest), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) < 6 || cols[5] != "jtl-xml" {
			continue
		}
		n++
		path := filepath.Join(shared, "corpus", cols[0])
		t.Run(filepath.Base(path), func(t *testing.T) {
			refs, complete := referenceTopLevel(t, path)
			r, err := OpenFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if k := r.Format().Kind; k != "xml" {
				t.Errorf("format %q", k)
			}
			i := 0
			for r.Scan() {
				s := r.Sample()
				if i >= len(refs) {
					t.Fatalf("sample %d (line %d) beyond the %d that encoding/xml finds", i, s.Line, len(refs))
				}
				ref := refs[i]
				if ref.lb != "" && s.Label != ref.lb || ref.ts != "" && xitoa(s.Timestamp) != ref.ts {
					t.Errorf("sample %d: label %q ts %d, encoding/xml: %q %s", i, s.Label, s.Timestamp, ref.lb, ref.ts)
				}
				if s.Line < 1 || s.Has&FieldLabel == 0 || s.Has&FieldTimestamp == 0 {
					t.Errorf("sample %d: line %d, has %b", i, s.Line, s.Has)
				}
				i++
			}
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
			if i != len(refs) {
				t.Errorf("%d samples, encoding/xml finds %d", i, len(refs))
			}
			// Only a file that does not end properly gets a warning.
			if complete && len(r.Warnings()) != 0 || !complete && len(r.Warnings()) != 1 {
				t.Errorf("well-formed=%v, warnings %v", complete, r.Warnings())
			}
			if r.Skipped() != 0 {
				t.Errorf("skipped %d", r.Skipped())
			}
		})
	}
	if n < 10 {
		t.Errorf("only %d XML files in the manifest", n)
	}
}

// TestXMLCorpusTruncatedRun checks the corpus file cut by an interrupted run
// in more detail: all 185 complete samples, one warning at the last line.
func TestXMLCorpusTruncatedRun(t *testing.T) {
	path := filepath.Join(testenv.Shared(t), "corpus", "jtl", "Blazemeter__taurus__standard-errors.jtl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The run was cut right after a complete sample: every line that opens a
	// top-level sample is one sample.
	want := strings.Count(string(data), "\n<httpSample ")
	lines := strings.Count(string(data), "\n")
	res := readXML(t, "standard-errors.jtl", data, Options{})
	if res.err != nil || len(res.samples) != want || want != 185 {
		t.Fatalf("err %v, %d samples, want %d", res.err, len(res.samples), want)
	}
	if len(res.warns) != 1 || res.warns[0].Line != lines || !strings.Contains(res.warns[0].Msg, "</testResults>") {
		t.Errorf("warnings %v, want one at line %d", res.warns, lines)
	}
	// Assertion failures and non-HTTP response codes.
	s := res.samples[0]
	if s.ResponseCode != "Non HTTP response code: java.net.SocketTimeoutException" || s.Code() != 0 ||
		!strings.HasPrefix(s.FailureMessage, "The operation lasted too long") {
		t.Errorf("first sample: %s", xmlDump(s))
	}
	fails := 0
	for _, s := range res.samples {
		if s.FailureMessage != "" {
			fails++
		}
	}
	if fails == 0 {
		t.Error("no failure messages read")
	}
}

// TestXMLScenariosMatchCSV compares the XML and CSV results that one JMeter
// run wrote (the scenarios): the same samples, and the Retry-After of the
// XML response headers equals the retryAfter column of the CSV.
func TestXMLScenariosMatchCSV(t *testing.T) {
	shared := testenv.Shared(t)
	dirs, _ := filepath.Glob(filepath.Join(shared, "scenarios", "*"))
	n := 0
	for _, dir := range dirs {
		xmlPath := filepath.Join(dir, "results.xml")
		if _, err := os.Stat(xmlPath); err != nil {
			xmlPath += ".gz"
			if _, err := os.Stat(xmlPath); err != nil {
				continue
			}
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			csv := xmlReadAllFile(t, filepath.Join(dir, "results.csv"))
			xs := xmlReadAllFile(t, xmlPath)
			if len(xs) != len(csv) || len(xs) == 0 {
				t.Fatalf("%d XML samples, %d CSV rows", len(xs), len(csv))
			}
			type key struct {
				thread string
				ts     int64
			}
			byKey := map[key][]*Sample{}
			for _, c := range csv {
				k := key{c.ThreadName, c.Timestamp}
				byKey[k] = append(byKey[k], c)
			}
			retries, families := 0, map[string]int{}
			for _, x := range xs {
				k := key{x.ThreadName, x.Timestamp}
				cands := byKey[k]
				if len(cands) == 0 {
					t.Fatalf("%s:%d: no CSV row for thread %q ts %d", x.File, x.Line, x.ThreadName, x.Timestamp)
				}
				c := cands[0]
				byKey[k] = cands[1:]
				if x.Label != c.Label || x.ResponseCode != c.ResponseCode || x.Elapsed != c.Elapsed ||
					x.Success != c.Success || x.Bytes != c.Bytes || x.Latency != c.Latency || x.Connect != c.Connect ||
					x.AllThreads != c.AllThreads || x.URL != c.URL {
					t.Errorf("%s:%d and %s:%d differ:\n%s\n%s", x.File, x.Line, c.File, c.Line, xmlDump(x), xmlDump(c))
				}
				// Retry-After from the headers alone, against the CSV column alone.
				hdr := Sample{Start: x.Start, Elapsed: x.Elapsed, Headers: x.Headers}
				xr := hdr.RateLimit()
				col, _ := c.Var(VarRetryAfter)
				cr := (&Sample{Start: c.Start, Elapsed: c.Elapsed, Variables: c.Variables}).RateLimit()
				raw, has := x.Headers.Get("Retry-After")
				if raw != col || has != (col != "") || xr.HasRetryAfter != cr.HasRetryAfter || xr.RetryAfter != cr.RetryAfter {
					t.Errorf("%s:%d: Retry-After header %q (%v, parsed %v %v), CSV %q (parsed %v %v)",
						x.File, x.Line, raw, has, xr.RetryAfter, xr.HasRetryAfter, col, cr.RetryAfter, cr.HasRetryAfter)
				}
				if xr.HasRetryAfter {
					retries++
					if x.Code() != 429 {
						t.Errorf("%s:%d: Retry-After on a %s", x.File, x.Line, x.ResponseCode)
					}
				}
				if xr.Family != "" {
					families[xr.Family]++
				}
			}
			if retries == 0 {
				t.Error("no Retry-After in the run: nothing was compared")
			}
			t.Logf("%d samples, %d with Retry-After, header families %v", len(xs), retries, families)
		})
	}
	if n == 0 {
		t.Fatal("no scenario has results.xml")
	}
}

// TestXMLScenarioIninHeaders checks the Genesys-style headers of the
// per-user scenario against the server's configuration (20 per 5 s).
func TestXMLScenarioIninHeaders(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "scenarios", "P3-per-user-fixed-20-per-5s")
	xs := xmlReadAllFile(t, filepath.Join(dir, "results.xml"))
	gets := 0
	for _, x := range xs {
		if x.Label != "GET script" {
			continue
		}
		rl := x.RateLimit()
		if rl.Family != "inin" || rl.Limit != 20 || !rl.HasUsed || !rl.HasReset || rl.Reset > 5 {
			t.Fatalf("%s:%d: %+v", x.File, x.Line, rl)
		}
		if x.Code() == 200 && rl.Used > 20 {
			t.Errorf("%s:%d: accepted with count %v > 20", x.File, x.Line, rl.Used)
		}
		gets++
	}
	if gets == 0 {
		t.Fatal("no GET script samples")
	}
}

// xmlReadAllFile reads every sample of a file (".gz" decompressed here).
func xmlReadAllFile(t *testing.T, path string) []*Sample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var in io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		in = z
	}
	r, err := NewReader(in, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*Sample
	for r.Scan() {
		out = append(out, r.Sample().Clone())
	}
	if err := r.Err(); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if len(r.Warnings()) > 0 {
		t.Errorf("%s: warnings %v", path, r.Warnings())
	}
	return out
}
