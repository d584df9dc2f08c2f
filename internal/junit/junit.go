// Package junit writes JUnit XML test reports, the format CI servers
// (Jenkins junit step, GitLab artifacts:reports:junit, GitHub Actions test
// reporters, Azure Pipelines) read to show test results.
//
// The subset written is the one all of them agree on:
//
//	<testsuites tests= failures= errors= time=>
//	  <testsuite name= tests= failures= errors= skipped= time= timestamp=>
//	    <properties><property name= value=/></properties>
//	    <testcase classname= name= time=>
//	      <failure message= type=>details</failure>   (or <error>, <skipped>)
//	      <system-out>measured values</system-out>
//	    </testcase>
//	  </testsuite>
//	</testsuites>
//
// Times are seconds with three decimals.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"jmtune/internal/atomicfile"
)

// Report is the root <testsuites> element.
type Report struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr,omitempty"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     Seconds  `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one <testsuite>.
type Suite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       Seconds    `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"` // ISO 8601 without zone suffix, as Ant writes it
	Properties []Property `xml:"properties>property,omitempty"`
	Cases      []Case     `xml:"testcase"`
}

// Property is one <property name= value=>.
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Case is one <testcase>. At most one of Failure, Error and Skipped is set.
type Case struct {
	Classname string   `xml:"classname,attr"`
	Name      string   `xml:"name,attr"`
	Time      Seconds  `xml:"time,attr"`
	Failure   *Outcome `xml:"failure,omitempty"`
	Error     *Outcome `xml:"error,omitempty"`
	Skipped   *Outcome `xml:"skipped,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

// Outcome is a <failure>, <error> or <skipped> element: a one-line message
// and a longer text.
type Outcome struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Seconds is a duration in seconds, written with three decimals.
type Seconds float64

// MarshalXMLAttr writes s as "12.345".
func (s Seconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: fmt.Sprintf("%.3f", float64(s))}, nil
}

// Tally sets the counts of s from its cases.
func (s *Suite) Tally() {
	s.Tests, s.Failures, s.Errors, s.Skipped = len(s.Cases), 0, 0, 0
	for _, c := range s.Cases {
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
}

// Tally sets the counts of r and of each suite from their cases.
func (r *Report) Tally() {
	r.Tests, r.Failures, r.Errors, r.Skipped, r.Time = 0, 0, 0, 0, 0
	for i := range r.Suites {
		s := &r.Suites[i]
		s.Tally()
		r.Tests += s.Tests
		r.Failures += s.Failures
		r.Errors += s.Errors
		r.Skipped += s.Skipped
		r.Time += s.Time
	}
}

// Write tallies r and writes it as an XML document to w.
func (r *Report) Write(w io.Writer) error {
	r.Tally()
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteFile writes r to the file path atomically: to a temporary file in
// the same directory, renamed over path once complete, so that a CI server
// never reads half a report and an existing file is replaced only by a
// whole one.
func (r *Report) WriteFile(path string) error {
	return atomicfile.Write(path, 0o644, r.Write)
}
