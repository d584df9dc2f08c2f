package junit

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readBack is the shape CI servers read (Jenkins' junit step, GitLab's
// junit report parser): counts on <testsuite>, name/classname on
// <testcase>, message on <failure>/<error>, <skipped>.
type readBack struct {
	XMLName xml.Name `xml:"testsuites"`
	Tests   int      `xml:"tests,attr"`
	Suites  []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Errors   int     `xml:"errors,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Name      string  `xml:"name,attr"`
			Classname string  `xml:"classname,attr"`
			Time      float64 `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func sample() *Report {
	return &Report{Name: "jmtune", Suites: []Suite{{
		Name: "jmtune check", Time: 89.301, Timestamp: "2026-11-26T19:04:47",
		Cases: []Case{
			{Classname: "jmtune.check", Name: `p95 of "GET <script>" & co < 300ms`, SystemOut: "30ms"},
			{Classname: "jmtune.check", Name: "rc429 < 0.5%", Failure: &Outcome{Message: "measured 48.43%", Type: "threshold", Text: "1810 of 3737\x01 samples"}},
			{Classname: "jmtune.check", Name: "p95 of x < 1s", Error: &Outcome{Message: "no data", Type: "nodata"}},
			{Classname: "jmtune.verify", Name: "trend", Skipped: &Outcome{Message: "too short"}},
		},
	}}}
}

func TestWriteReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().Write(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration:\n%s", out)
	}
	var rb readBack
	if err := xml.Unmarshal(buf.Bytes(), &rb); err != nil {
		t.Fatalf("written report does not parse: %v\n%s", err, out)
	}
	if len(rb.Suites) != 1 {
		t.Fatalf("%d suites", len(rb.Suites))
	}
	s := rb.Suites[0]
	if rb.Tests != 4 || s.Tests != 4 || s.Failures != 1 || s.Errors != 1 || s.Skipped != 1 || s.Time != 89.301 || s.Name != "jmtune check" {
		t.Errorf("suite counts: %+v (report tests %d)", s, rb.Tests)
	}
	if c := s.Cases[0]; c.Name != `p95 of "GET <script>" & co < 300ms` || c.Classname != "jmtune.check" || c.Failure != nil || c.SystemOut != "30ms" {
		t.Errorf("passing case: %+v", c)
	}
	if f := s.Cases[1].Failure; f == nil || f.Message != "measured 48.43%" || f.Type != "threshold" || f.Text != "1810 of 3737\uFFFD samples" {
		t.Errorf("failure: %+v (control characters must not reach the XML)", f)
	}
	if e := s.Cases[2].Error; e == nil || e.Message != "no data" {
		t.Errorf("error: %+v", e)
	}
	if k := s.Cases[3].Skipped; k == nil || k.Message != "too short" {
		t.Errorf("skipped: %+v", k)
	}
	if !strings.Contains(out, `time="89.301"`) || !strings.Contains(out, `<testcase classname="jmtune.check" name="rc429 &lt; 0.5%" time="0.000">`) {
		t.Errorf("layout:\n%s", out)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "TEST-jmtune.xml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sample().WriteFile(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rb readBack
	if err := xml.Unmarshal(data, &rb); err != nil || rb.Tests != 4 {
		t.Errorf("replaced file: %v, %d tests", err, rb.Tests)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A directory that does not exist: an error, and nothing written.
	if err := sample().WriteFile(filepath.Join(dir, "no", "such", "dir.xml")); err == nil {
		t.Error("no error for a missing directory")
	}
}
