// Package jmx reads, edits and writes Apache JMeter test plans (.jmx files)
// without disturbing what it does not edit.
//
// A plan is parsed into a github.com/beevik/etree document, and the byte
// range of every node in the original file is remembered. Writing a plan
// copies every node that was not edited byte for byte from the original, so
// a load and save with no edit gives back the same bytes: attribute order
// and quoting, whitespace, character references such as &#xd;, comments,
// CDATA sections, a byte-order mark and CRLF line ends all survive. Only
// edited nodes are serialised again, and new elements are indented like the
// surrounding file (with its line ends). That keeps the diff of a tuned plan
// down to what was really changed, which is what plans kept under review in
// git need.
//
// Edit through the methods of Plan and Element (SetProp, InsertChild,
// Remove, Move, Wrap, ...): they keep the element/hashTree pairing of the
// JMX format and tidy the whitespace around inserted and removed nodes.
// Direct edits of the etree nodes are also detected when the plan is
// written, but their whitespace is not tidied.
//
//	p, err := jmx.Load("plan.jmx")
//	if err != nil { ... } // a *SyntaxError says file:line for malformed XML
//	for _, tg := range p.ThreadGroups() {
//		fmt.Println(tg.Path(), tg.Threads())
//	}
//	out := p.Bytes()
package jmx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/beevik/etree"
)

// RootTag is the tag of a JMeter test plan document's root element.
const RootTag = "jmeterTestPlan"

// Plan is a parsed JMeter test plan.
type Plan struct {
	// File names the plan in messages (the path it was loaded from).
	File string
	// Doc is the parsed document. Read it freely; edit through Plan and
	// Element methods so that the bytes of untouched nodes are kept.
	Doc *etree.Document

	src    []byte
	bom    int // length of a UTF-8 byte-order mark before the first token
	elems  map[*etree.Element]*origElem
	others map[etree.Token]*origTok
	docKid []etree.Token // the document's original top-level tokens

	nl   string // line end of the file: "\n" or "\r\n"
	unit string // one level of indentation in the file

	lines []int // offsets of line starts, built on demand
}

// origElem is where an element was in the original bytes and what it looked
// like there.
type origElem struct {
	start, startEnd int // the start tag: src[start:startEnd]
	endStart, end   int // the end tag: src[endStart:end] (empty when self-closing)
	selfClosing     bool
	space, tag      string
	attrs           []etree.Attr
	kids            []etree.Token
	clean           bool // set by markClean: nothing in the subtree changed
}

// origTok is where a character data, comment, processing instruction or
// directive token was, and its original value.
type origTok struct {
	start, end int
	data       string
}

// SyntaxError is a malformed plan: bad XML, or a document that is not a
// JMeter test plan. It prints as "file:line: message".
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads and parses the plan in file.
func Load(file string) (*Plan, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse parses data as a JMeter test plan; name is used in messages. The
// plan keeps data (do not modify it afterwards).
//
// A document that is not well-formed XML, or whose root element is not
// jmeterTestPlan, gives a *SyntaxError with the line of the problem.
func Parse(name string, data []byte) (*Plan, error) {
	p := &Plan{
		File:   name,
		Doc:    etree.NewDocument(),
		src:    data,
		elems:  make(map[*etree.Element]*origElem, len(data)/60),
		others: make(map[etree.Token]*origTok, len(data)/60),
	}
	if bytes.HasPrefix(data, utf8BOM) {
		p.bom = len(utf8BOM)
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	p.docKid = append([]etree.Token(nil), p.Doc.Child...)
	p.detectStyle()
	return p, nil
}

type openElem struct {
	e *etree.Element
	o *origElem
}

func (p *Plan) parse() error {
	body := p.src[p.bom:]
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported (JMeter writes UTF-8)", charset)
	}
	docEl := &p.Doc.Element
	stack := []openElem{{e: docEl}}
	var root *etree.Element
	rootEnd := -1
	for {
		start := int(d.InputOffset()) + p.bom
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.decodeError(err, d, stack)
		}
		end := int(d.InputOffset()) + p.bom
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if top.e == docEl && root != nil {
				return p.errorAt(start, fmt.Sprintf("a second root element <%s> after </%s> (closed at line %d): the file holds more than one XML document or trailing content; keep a single <%s> document",
					qname(t.Name), root.FullTag(), p.lineOf(rootEnd), RootTag))
			}
			e := etree.NewElement(qname(t.Name))
			for i, a := range t.Attr {
				for _, b := range t.Attr[:i] {
					if a.Name == b.Name {
						return p.errorAt(start, fmt.Sprintf("attribute %q appears twice in <%s>", qname(a.Name), qname(t.Name)))
					}
				}
				e.CreateAttr(qname(a.Name), a.Value)
			}
			top.e.AddChild(e)
			o := &origElem{start: start, startEnd: end, space: e.Space, tag: e.Tag,
				selfClosing: end-start >= 2 && p.src[end-2] == '/'}
			p.elems[e] = o
			if top.e == docEl {
				root = e
			}
			stack = append(stack, openElem{e: e, o: o})
		case xml.EndElement:
			if top.e == docEl {
				return p.errorAt(start, fmt.Sprintf("end tag </%s> without a start tag", qname(t.Name)))
			}
			if name := qname(t.Name); name != top.e.FullTag() {
				return p.errorAt(start, fmt.Sprintf("end tag </%s> does not match <%s> opened at line %d", name, top.e.FullTag(), p.lineOf(top.o.start)))
			}
			top.o.endStart, top.o.end = start, end
			if top.o.selfClosing {
				top.o.endStart, top.o.end = top.o.startEnd, top.o.startEnd
			}
			top.o.attrs = append([]etree.Attr(nil), top.e.Attr...)
			top.o.kids = append([]etree.Token(nil), top.e.Child...)
			stack = stack[:len(stack)-1]
			if len(stack) == 1 {
				rootEnd = start
			}
		case xml.CharData:
			if top.e == docEl && !isBlank(t) {
				start += len(t) - len(bytes.TrimLeft(t, " \t\r\n"))
				if root != nil {
					return p.errorAt(start, fmt.Sprintf("text after the root element </%s> (closed at line %d): the file has trailing content", root.FullTag(), p.lineOf(rootEnd)))
				}
				return p.errorAt(start, "text before the root element")
			}
			c := etree.NewText(string(t))
			top.e.AddChild(c)
			p.others[c] = &origTok{start: start, end: end, data: c.Data}
		case xml.Comment:
			c := etree.NewComment(string(t))
			top.e.AddChild(c)
			p.others[c] = &origTok{start: start, end: end, data: c.Data}
		case xml.ProcInst:
			pi := etree.NewProcInst(t.Target, string(t.Inst))
			top.e.AddChild(pi)
			p.others[pi] = &origTok{start: start, end: end, data: t.Target + " " + pi.Inst}
		case xml.Directive:
			dir := etree.NewDirective(string(t))
			top.e.AddChild(dir)
			p.others[dir] = &origTok{start: start, end: end, data: dir.Data}
		}
	}
	if len(stack) > 1 {
		top := stack[len(stack)-1]
		return p.errorAt(len(p.src), fmt.Sprintf("the file ends inside <%s> opened at line %d: the plan is truncated", top.e.FullTag(), p.lineOf(top.o.start)))
	}
	if root == nil {
		return &SyntaxError{File: p.File, Line: 1, Msg: "no XML element found: not a JMeter test plan"}
	}
	if root.Tag != RootTag || root.Space != "" {
		return p.errorAt(p.elems[root].start, fmt.Sprintf("the root element is <%s>, not <%s>: not a JMeter test plan", root.FullTag(), RootTag))
	}
	return nil
}

// decodeError turns an encoding/xml error into a SyntaxError.
func (p *Plan) decodeError(err error, d *xml.Decoder, stack []openElem) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg := strings.TrimPrefix(se.Msg, "XML syntax error: ")
		if msg == "unexpected EOF" && len(stack) > 1 {
			top := stack[len(stack)-1]
			msg = fmt.Sprintf("unexpected end of file inside <%s> opened at line %d: the plan is truncated", top.e.FullTag(), p.lineOf(top.o.start))
		}
		return &SyntaxError{File: p.File, Line: se.Line, Msg: "malformed XML: " + msg}
	}
	line, _ := d.InputPos()
	return &SyntaxError{File: p.File, Line: line, Msg: "malformed XML: " + strings.TrimPrefix(err.Error(), "xml: ")}
}

func (p *Plan) errorAt(off int, msg string) error {
	return &SyntaxError{File: p.File, Line: p.lineOf(off), Msg: msg}
}

// lineOf returns the 1-based line of byte offset off in the original file.
func (p *Plan) lineOf(off int) int {
	if p.lines == nil {
		p.lines = append(p.lines, 0)
		for i, b := range p.src {
			if b == '\n' {
				p.lines = append(p.lines, i+1)
			}
		}
	}
	lo, hi := 0, len(p.lines)
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if p.lines[m] <= off {
			lo = m
		} else {
			hi = m
		}
	}
	return lo + 1
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func isBlankString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// detectStyle finds the file's line end and indentation unit, used for new
// elements.
func (p *Plan) detectStyle() {
	p.nl = "\n"
	if i := bytes.IndexByte(p.src, '\n'); i > 0 && p.src[i-1] == '\r' {
		p.nl = "\r\n"
	}
	p.unit = "  "
	// The indentation of the first element nested two deep (normally the
	// TestPlan under jmeterTestPlan/hashTree) is two units.
	root := p.Doc.Root()
	if root == nil {
		return
	}
	for _, c := range root.ChildElements() {
		for _, g := range c.ChildElements() {
			ind := p.origIndent(g)
			if ind != "" && len(ind)%2 == 0 && strings.Trim(ind, string(ind[0])) == "" {
				p.unit = ind[:len(ind)/2]
			}
			return
		}
	}
}

// origIndent returns the blanks between the start of e's line and e in the
// original file, or "" when e is not alone at the start of its line.
func (p *Plan) origIndent(e *etree.Element) string {
	o := p.elems[e]
	if o == nil {
		return ""
	}
	i := o.start
	for i > 0 && (p.src[i-1] == ' ' || p.src[i-1] == '\t') {
		i--
	}
	if i > 0 && p.src[i-1] != '\n' {
		return ""
	}
	return string(p.src[i:o.start])
}

// Line returns the line of e in the original file, or 0 for an element that
// jmtune added.
func (p *Plan) Line(e *etree.Element) int {
	if o := p.elems[e]; o != nil {
		return p.lineOf(o.start)
	}
	return 0
}

// Original returns the bytes the plan was parsed from.
func (p *Plan) Original() []byte { return p.src }

// NewLine returns the line end the file uses ("\n" or "\r\n").
func (p *Plan) NewLine() string { return p.nl }

// Root returns the jmeterTestPlan element.
func (p *Plan) Root() *etree.Element { return p.Doc.Root() }
