package jtl

import (
	"bytes"
	"fmt"
)

// sniffSize is how much of an input sniff looks at.
const sniffSize = 4096

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// sniff decides from the first bytes of an input whether it is XML results
// ("xml"), CSV results ("csv"), or not a JMeter result file at all, in which
// case the error wraps ErrNotJTL and says what the input looks like.
func sniff(head []byte, name string) (string, error) {
	notJTL := func(what string) error {
		return fmt.Errorf("%s: %w: %s", name, ErrNotJTL, what)
	}
	b := bytes.TrimPrefix(head, []byte("\ufeff"))
	b = bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(b) == 0:
		if len(head) == 0 {
			return "", notJTL("the file is empty (did the run write no samples?)")
		}
		return "", notJTL("the file holds only blank lines")
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "", notJTL("it is a ZIP archive; unzip it and pass the .jtl or .csv inside")
	case bytes.HasPrefix(b, []byte("%PDF")):
		return "", notJTL("it is a PDF document")
	case b[0] == '<':
		return sniffXML(b, notJTL)
	case b[0] == '{' || b[0] == '[':
		return "", notJTL("it is JSON (JMeter's dashboard statistics.json?), not CSV or XML results")
	}
	if isBinary(head) {
		return "", notJTL("it is binary data, not CSV or XML text")
	}
	return "csv", nil
}

// sniffXML finds the root element of XML text (skipping the declaration,
// processing instructions, comments and a DOCTYPE).
func sniffXML(b []byte, notJTL func(string) error) (string, error) {
	for len(b) > 0 {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return "xml", nil
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return "xml", nil
			}
			b = b[i+3:]
		case bytes.HasPrefix(b, []byte("<!")):
			if len(b) >= 14 && bytes.EqualFold(b[:14], []byte("<!DOCTYPE html")) {
				return "", notJTL("it is an HTML page (a JMeter dashboard report? pass the results file given to jmeter -l instead)")
			}
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return "xml", nil
			}
			b = b[i+1:]
		case bytes.HasPrefix(b, []byte("<")):
			j := 1
			for j < len(b) && !bytes.ContainsRune([]byte(" \t\r\n/>"), rune(b[j])) {
				j++
			}
			root := string(b[1:j])
			switch root {
			case "testResults":
				return "xml", nil
			case "jmeterTestPlan":
				return "", notJTL("it is a JMeter test plan (JMX); pass the results file written with jmeter -l")
			case "html", "HTML", "Html":
				return "", notJTL("it is an HTML page (a JMeter dashboard report? pass the results file given to jmeter -l instead)")
			}
			if j == len(b) {
				return "xml", nil
			}
			if bytes.Contains(b, []byte(" testclass=\"")) {
				return "", notJTL(fmt.Sprintf("it is a fragment of a JMeter test plan (JMX) with root <%s>; pass the results file written with jmeter -l", root))
			}
			return "", notJTL(fmt.Sprintf("it is XML whose root element is <%s>, not JMeter's <testResults>", root))
		default:
			return "xml", nil
		}
	}
	return "xml", nil
}

// isBinary reports whether b looks like binary data: a NUL byte, or many
// control characters. Invalid UTF-8 alone is not binary: JMeter writes
// results in the JVM's default encoding (windows-1252 on many Windows
// machines), and such bytes are kept as they are.
func isBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			ctl++
		}
	}
	return ctl > len(b)/4+1
}
