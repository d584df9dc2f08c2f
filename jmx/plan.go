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
	"fmt"
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
	texts  map[*etree.CharData]*origTok
	others map[etree.Token]*origTok // comments, processing instructions, directives
	docKid []etree.Token            // the document's original top-level tokens

	// Slabs and arenas for the records of the original nodes (fewer, larger
	// allocations for plans of thousands of elements).
	elemSlab []origElem
	tokSlab  []origTok
	kidArena []etree.Token
	attArena []etree.Attr

	nl   string // line end of the file: "\n" or "\r\n"
	unit string // one level of indentation in the file

	lines []int // offsets of line starts, built on demand
}

// origElem is where an element was in the original bytes and what it looked
// like there.
type origElem struct {
	parent          *etree.Element // the element's parent in the file
	start, startEnd int            // the start tag: src[start:startEnd]
	endStart, end   int            // the end tag: src[endStart:end] (empty when self-closing)
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
		elems:  make(map[*etree.Element]*origElem, len(data)/80),
		texts:  make(map[*etree.CharData]*origTok, len(data)/60),
		others: make(map[etree.Token]*origTok),
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
	sc := &scanner{src: p.src, pos: p.bom}
	docEl := &p.Doc.Element
	stack := []openElem{{e: docEl}}
	var root *etree.Element
	rootEnd := -1
	for {
		switch sc.next() {
		case tokEOF:
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
		case tokError:
			return p.errorAt(sc.errAt, "malformed XML: "+sc.err)
		case tokStart:
			top := stack[len(stack)-1]
			if top.e == docEl && root != nil {
				return p.errorAt(sc.start, fmt.Sprintf("a second root element <%s> after </%s> (closed at line %d): the file holds more than one XML document or trailing content; keep a single <%s> document",
					sc.name, root.FullTag(), p.lineOf(rootEnd), RootTag))
			}
			e := etree.NewElement(sc.name)
			for _, a := range sc.attrs {
				e.CreateAttr(a.name, a.value)
			}
			top.e.AddChild(e)
			o := p.newElem()
			*o = origElem{parent: top.e, start: sc.start, startEnd: sc.pos, space: e.Space, tag: e.Tag, selfClosing: sc.selfClose}
			p.elems[e] = o
			if top.e == docEl {
				root = e
			}
			if sc.selfClose {
				o.endStart, o.end = sc.pos, sc.pos
				o.attrs = p.keepAttrs(e.Attr)
				if top.e == docEl {
					rootEnd = sc.start
				}
				continue
			}
			stack = append(stack, openElem{e: e, o: o})
		case tokEnd:
			top := stack[len(stack)-1]
			if top.e == docEl {
				return p.errorAt(sc.start, fmt.Sprintf("end tag </%s> without a start tag", sc.name))
			}
			if sc.name != top.e.FullTag() {
				return p.errorAt(sc.start, fmt.Sprintf("end tag </%s> does not match <%s> opened at line %d", sc.name, top.e.FullTag(), p.lineOf(top.o.start)))
			}
			top.o.endStart, top.o.end = sc.start, sc.pos
			top.o.attrs = p.keepAttrs(top.e.Attr)
			top.o.kids = p.keepKids(top.e.Child)
			stack = stack[:len(stack)-1]
			if len(stack) == 1 {
				rootEnd = sc.start
			}
		case tokText, tokCDATA:
			top := stack[len(stack)-1]
			if top.e == docEl && (sc.kind == tokCDATA || !isBlankString(sc.data)) {
				at := sc.start
				for at < sc.pos && isSpace(p.src[at]) {
					at++
				}
				if root != nil {
					return p.errorAt(at, fmt.Sprintf("text after the root element </%s> (closed at line %d): the file has trailing content", root.FullTag(), p.lineOf(rootEnd)))
				}
				return p.errorAt(at, "text before the root element")
			}
			c := etree.NewText(sc.data)
			top.e.AddChild(c)
			p.texts[c] = p.newTok(sc.start, sc.pos, c.Data)
		case tokComment:
			top := stack[len(stack)-1]
			c := etree.NewComment(sc.data)
			top.e.AddChild(c)
			p.others[c] = p.newTok(sc.start, sc.pos, c.Data)
		case tokPI:
			top := stack[len(stack)-1]
			if strings.EqualFold(sc.name, "xml") && sc.start != p.bom {
				return p.errorAt(sc.start, "the <?xml ...?> declaration must come first in the file")
			}
			pi := etree.NewProcInst(sc.name, sc.data)
			top.e.AddChild(pi)
			p.others[pi] = p.newTok(sc.start, sc.pos, sc.name+" "+sc.data)
		case tokDirective:
			top := stack[len(stack)-1]
			dir := etree.NewDirective(sc.data)
			top.e.AddChild(dir)
			p.others[dir] = p.newTok(sc.start, sc.pos, dir.Data)
		}
	}
}

const slabSize = 512

func (p *Plan) newElem() *origElem {
	if len(p.elemSlab) == cap(p.elemSlab) {
		p.elemSlab = make([]origElem, 0, slabSize)
	}
	p.elemSlab = p.elemSlab[:len(p.elemSlab)+1]
	return &p.elemSlab[len(p.elemSlab)-1]
}

func (p *Plan) newTok(start, end int, data string) *origTok {
	if len(p.tokSlab) == cap(p.tokSlab) {
		p.tokSlab = make([]origTok, 0, slabSize)
	}
	p.tokSlab = append(p.tokSlab, origTok{start: start, end: end, data: data})
	return &p.tokSlab[len(p.tokSlab)-1]
}

// keepKids returns a copy of an element's original children, from an arena.
func (p *Plan) keepKids(kids []etree.Token) []etree.Token {
	if len(kids) == 0 {
		return nil
	}
	if cap(p.kidArena)-len(p.kidArena) < len(kids) {
		p.kidArena = make([]etree.Token, 0, max(4*slabSize, len(kids)))
	}
	n := len(p.kidArena)
	p.kidArena = append(p.kidArena, kids...)
	return p.kidArena[n:len(p.kidArena):len(p.kidArena)]
}

// keepAttrs returns a copy of an element's original attributes.
func (p *Plan) keepAttrs(attrs []etree.Attr) []etree.Attr {
	if len(attrs) == 0 {
		return nil
	}
	if cap(p.attArena)-len(p.attArena) < len(attrs) {
		p.attArena = make([]etree.Attr, 0, max(2*slabSize, len(attrs)))
	}
	n := len(p.attArena)
	p.attArena = append(p.attArena, attrs...)
	return p.attArena[n:len(p.attArena):len(p.attArena)]
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
