package jmx

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"jmtune/internal/testenv"
)

// corpusPlan is one JMX file of the shared corpus with what MANIFEST.tsv
// says about it.
type corpusPlan struct {
	path      string
	malformed bool
	// line is the line MANIFEST.tsv gives for a malformed file (Python's
	// expat: "no element found: line 43").
	line int
}

var manifestMalformed = regexp.MustCompile(`MALFORMED-XML\(([^)]*): line (\d+)`)

// corpusPlans lists every JMX file of the corpus from MANIFEST.tsv.
func corpusPlans(t testing.TB) []corpusPlan {
	t.Helper()
	shared := testenv.Shared(t)
	f, err := os.Open(filepath.Join(shared, "corpus", "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var plans []corpusPlan
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 8 || cols[5] != "jmx" {
			continue
		}
		cp := corpusPlan{path: filepath.Join(shared, "corpus", cols[0])}
		if m := manifestMalformed.FindStringSubmatch(cols[7]); m != nil {
			cp.malformed = true
			cp.line, _ = strconv.Atoi(m[2])
		}
		plans = append(plans, cp)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(plans) < 40 {
		t.Fatalf("MANIFEST.tsv lists only %d JMX plans", len(plans))
	}
	return plans
}

// TestRoundTripCorpus loads and saves every well-formed corpus plan with no
// edit and expects the very same bytes.
func TestRoundTripCorpus(t *testing.T) {
	n := 0
	for _, cp := range corpusPlans(t) {
		if cp.malformed {
			continue
		}
		data, err := os.ReadFile(cp.path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(cp.path, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if got := p.Bytes(); !bytes.Equal(got, data) {
			t.Errorf("%s: round trip changed the bytes (first difference at offset %d)", filepath.Base(cp.path), firstDiff(got, data))
		}
		// The slow path (every element written through the editor's
		// writer, none copied whole) must give the same bytes too.
		if got := p.bytesNoShortcut(); !bytes.Equal(got, data) {
			off := firstDiff(got, data)
			t.Errorf("%s: element-wise write changed the bytes at offset %d: %q vs %q", filepath.Base(cp.path), off, excerpt(got, off), excerpt(data, off))
		}
		n++
	}
	t.Logf("%d plans round-tripped", n)
}

// bytesNoShortcut writes the plan as if every element had been edited.
func (p *Plan) bytesNoShortcut() []byte {
	for _, o := range p.elems {
		o.clean = false
	}
	w := &writer{p: p}
	w.b.Write(p.src[:p.bom])
	w.children(&p.Doc.Element, "", reindent{}, false)
	return w.b.Bytes()
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func excerpt(b []byte, off int) string {
	lo, hi := max(0, off-30), min(len(b), off+30)
	return string(b[lo:hi])
}

// TestMalformedCorpus expects every malformed corpus plan to fail with a
// SyntaxError naming the file and the line that MANIFEST.tsv names.
func TestMalformedCorpus(t *testing.T) {
	n := 0
	for _, cp := range corpusPlans(t) {
		if !cp.malformed {
			continue
		}
		n++
		_, err := Load(cp.path)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: want a *SyntaxError, got %v", filepath.Base(cp.path), err)
			continue
		}
		if se.File != cp.path || se.Line != cp.line {
			t.Errorf("%s: error at %s:%d, MANIFEST says line %d: %v", filepath.Base(cp.path), se.File, se.Line, cp.line, err)
		}
		if !strings.HasPrefix(err.Error(), cp.path+":"+strconv.Itoa(cp.line)+": ") {
			t.Errorf("message %q does not start with file:line", err)
		}
		t.Logf("%v", err)
	}
	if n < 3 {
		t.Errorf("only %d malformed plans in the corpus", n)
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		want      string
	}{
		{"truncated", "<jmeterTestPlan>\n  <hashTree>\n    <TestPlan>", 3, "truncated"},
		{"mismatch", "<jmeterTestPlan>\n<hashTree>\n</TestPlan>\n</jmeterTestPlan>", 3, "does not match <hashTree> opened at line 2"},
		{"two roots", "<jmeterTestPlan/>\n\n<hashTree/>", 3, "second root element"},
		{"trailing text", "<jmeterTestPlan/>\njunk", 2, "text after the root element"},
		{"not a plan", "<?xml version=\"1.0\"?>\n<testResults/>", 2, "not a JMeter test plan"},
		{"bad entity", "<jmeterTestPlan>\n<a>&nbsp;</a></jmeterTestPlan>", 2, "malformed XML"},
		{"duplicate attribute", "<jmeterTestPlan>\n<a x=\"1\" x=\"2\"/></jmeterTestPlan>", 2, "appears twice"},
		{"empty", "", 1, "no XML element"},
		{"latin1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<jmeterTestPlan/>", 1, "not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.jmx", []byte(tc.doc))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("want *SyntaxError, got %v", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.want) {
				t.Errorf("got %v; want line %d and %q", err, tc.line, tc.want)
			}
		})
	}
}
