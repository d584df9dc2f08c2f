package jmx

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// goTokens returns the tokens encoding/xml reads from data, as text, or an
// error when it finds the document malformed (with the end-tag matching
// RawToken leaves out).
func goTokens(data []byte) ([]string, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("charset %s", charset)
	}
	var out, stack []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(stack) > 0 {
				return nil, fmt.Errorf("unclosed %s", stack[len(stack)-1])
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s := "<" + qn(t.Name)
			for _, a := range t.Attr {
				s += " " + qn(a.Name) + "=" + fmt.Sprintf("%q", a.Value)
			}
			out = append(out, s)
			stack = append(stack, qn(t.Name))
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != qn(t.Name) {
				return nil, fmt.Errorf("mismatched </%s>", qn(t.Name))
			}
			stack = stack[:len(stack)-1]
			out = append(out, "</"+qn(t.Name))
		case xml.CharData:
			out = append(out, fmt.Sprintf("T%q", string(t)))
		case xml.Comment:
			out = append(out, fmt.Sprintf("C%q", string(t)))
		case xml.ProcInst:
			out = append(out, fmt.Sprintf("P%s %q", t.Target, strings.TrimLeft(string(t.Inst), " \t\r\n")))
		case xml.Directive:
			out = append(out, fmt.Sprintf("D%q", string(t)))
		}
	}
}

func qn(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// scanTokens returns the tokens of the scanner in goTokens' form; adjacent
// text and CDATA are merged, as encoding/xml returns them separately but
// equal in content.
func scanTokens(data []byte) ([]string, error) {
	sc := &scanner{src: data}
	if bytes.HasPrefix(data, utf8BOM) {
		sc.pos = 3
	}
	var out, stack []string
	for {
		switch sc.next() {
		case tokEOF:
			if len(stack) > 0 {
				return nil, fmt.Errorf("unclosed %s", stack[len(stack)-1])
			}
			return out, nil
		case tokError:
			return nil, fmt.Errorf("%s", sc.err)
		case tokStart:
			s := "<" + sc.name
			for _, a := range sc.attrs {
				s += " " + a.name + "=" + fmt.Sprintf("%q", a.value)
			}
			out = append(out, s)
			if sc.selfClose {
				out = append(out, "</"+sc.name)
			} else {
				stack = append(stack, sc.name)
			}
		case tokEnd:
			if len(stack) == 0 || stack[len(stack)-1] != sc.name {
				return nil, fmt.Errorf("mismatched </%s>", sc.name)
			}
			stack = stack[:len(stack)-1]
			out = append(out, "</"+sc.name)
		case tokText, tokCDATA:
			out = append(out, fmt.Sprintf("T%q", sc.data))
		case tokComment:
			out = append(out, fmt.Sprintf("C%q", sc.data))
		case tokPI:
			out = append(out, fmt.Sprintf("P%s %q", sc.name, sc.data))
		case tokDirective:
			out = append(out, fmt.Sprintf("D%q", sc.data))
		}
	}
}

// TestScannerMatchesEncodingXML reads every corpus plan with the scanner
// and with encoding/xml and expects the same tokens.
func TestScannerMatchesEncodingXML(t *testing.T) {
	for _, cp := range corpusPlans(t) {
		data, err := os.ReadFile(cp.path)
		if err != nil {
			t.Fatal(err)
		}
		want, werr := goTokens(data)
		got, gerr := scanTokens(data)
		if (werr == nil) != (gerr == nil) {
			// Trailing content after the root is not a token error for
			// either; Parse checks it.
			t.Errorf("%s: encoding/xml says %v, the scanner %v", cp.path, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("%s: token %d: %s, encoding/xml %s", cp.path, i, got[i], want[i])
					break
				}
			}
		}
	}
}

// FuzzScanner compares the scanner with encoding/xml: a document the
// scanner accepts must be accepted by encoding/xml with the same tokens.
// (The scanner may be stricter: it refuses -- in comments and a misplaced
// XML declaration.)
func FuzzScanner(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte("<a x='1&amp;&#x41;'>t&lt;<![CDATA[<x>]]><!--c--><?p i?></a>"))
	f.Add([]byte("<?xml version='1.0'?><!DOCTYPE a [<!ENTITY x 'y'>]><a\r\nb=\"\r\n\"/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gerr := scanTokens(data)
		if gerr != nil {
			return
		}
		want, werr := goTokens(data)
		if werr != nil {
			t.Fatalf("scanner accepts what encoding/xml refuses (%v):\n%q", werr, data)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("tokens differ:\nscanner %q\nencoding/xml %q", got, want)
		}
	})
}

// BenchmarkParseLargest parses the largest corpus plan.
func BenchmarkParseLargest(b *testing.B) {
	var big string
	var size int64
	for _, cp := range corpusPlans(b) {
		if fi, err := os.Stat(cp.path); err == nil && fi.Size() > size {
			big, size = cp.path, fi.Size()
		}
	}
	data, _ := os.ReadFile(big)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(big, data); err != nil {
			b.Fatal(err)
		}
	}
}
