package jmx

import (
	"bytes"
	"fmt"
	"jmtune/internal/atomicfile"
	"os"
	"strings"

	"github.com/beevik/etree"
)

// Bytes returns the plan as a document. Nodes that were not edited are
// copied byte for byte from the original; with no edit at all the result is
// the original.
func (p *Plan) Bytes() []byte {
	docClean := tokensEqual(p.Doc.Child, p.docKid)
	for _, t := range p.Doc.Child {
		if !p.markClean(t) {
			docClean = false
		}
	}
	if docClean {
		return append([]byte(nil), p.src...)
	}
	w := &writer{p: p}
	w.b.Grow(len(p.src) + len(p.src)/8 + 4096)
	w.b.Write(p.src[:p.bom])
	w.children(&p.Doc.Element, "", reindent{}, false)
	return w.b.Bytes()
}

// WriteFile writes the plan to file atomically: a temporary file in the same
// directory is written, synced and renamed over file.
func (p *Plan) WriteFile(file string) error {
	return WriteFileAtomic(file, p.Bytes(), 0o644)
}

// WriteFileAtomic writes data to file through a temporary file in the same
// directory and a rename, so that readers see the old or the new content,
// never a part. An existing file keeps its permission bits.
func WriteFileAtomic(file string, data []byte, perm os.FileMode) error {
	return atomicfile.WriteBytes(file, data, perm)
}

// markClean records for every original element under t whether its subtree
// is unchanged, and reports whether t is unchanged.
func (p *Plan) markClean(t etree.Token) bool {
	switch t := t.(type) {
	case *etree.Element:
		o := p.elems[t]
		clean := o != nil && o.tag == t.Tag && o.space == t.Space &&
			attrsEqual(t.Attr, o.attrs) && tokensEqual(t.Child, o.kids)
		for _, c := range t.Child {
			if !p.markClean(c) {
				clean = false
			}
		}
		if o != nil {
			o.clean = clean
		}
		return clean
	default:
		return p.tokClean(t)
	}
}

// tokClean reports whether a non-element token is original and unchanged.
func (p *Plan) tokClean(t etree.Token) bool {
	if c, ok := t.(*etree.CharData); ok {
		o := p.texts[c]
		return o != nil && c.Data == o.data
	}
	o := p.others[t]
	if o == nil {
		return false
	}
	switch t := t.(type) {
	case *etree.Comment:
		return t.Data == o.data
	case *etree.Directive:
		return t.Data == o.data
	case *etree.ProcInst:
		return t.Target+" "+t.Inst == o.data
	}
	return false
}

func attrsEqual(a, b []etree.Attr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Space != b[i].Space || a[i].Key != b[i].Key || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

func tokensEqual(a, b []etree.Token) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// reindent moves the indentation of a subtree that was moved to another
// depth: blank text between elements whose last line starts with from gets
// to instead.
type reindent struct{ from, to string }

func (r reindent) active() bool { return r.from != r.to }

// apply re-indents the last line of a blank text.
func (r reindent) apply(ws string) string {
	if !r.active() {
		return ws
	}
	i := strings.LastIndexByte(ws, '\n')
	if i < 0 {
		return ws
	}
	tail := ws[i+1:]
	if !strings.HasPrefix(tail, r.from) {
		return ws
	}
	return ws[:i+1] + r.to + tail[len(r.from):]
}

func (r reindent) indent(ind string) string {
	if r.active() && strings.HasPrefix(ind, r.from) {
		return r.to + ind[len(r.from):]
	}
	return ind
}

type writer struct {
	p *Plan
	b bytes.Buffer
}

func (w *writer) raw(from, to int) { w.b.Write(w.p.src[from:to]) }

// elem writes e, which starts at indentation indent on its line.
func (w *writer) elem(e *etree.Element, indent string) {
	o := w.p.elems[e]
	if o == nil {
		w.newElem(e, indent)
		return
	}
	re := reindent{}
	if orig := w.p.origIndent(e); orig != "" {
		re = reindent{from: orig, to: indent}
	}
	if o.clean && !re.active() {
		w.raw(o.start, o.end)
		return
	}
	empty := len(e.Child) == 0
	sameTag := o.tag == e.Tag && o.space == e.Space
	switch {
	case !sameTag || !attrsEqual(e.Attr, o.attrs):
		w.startTag(e, empty && o.selfClosing)
	case o.selfClosing && !empty:
		st := bytes.TrimRight(w.p.src[o.start:o.startEnd-2], " \t\r\n")
		w.b.Write(st)
		w.b.WriteByte('>')
	default:
		w.raw(o.start, o.startEnd)
	}
	if empty && o.selfClosing {
		return
	}
	w.children(e, indent, re, o.selfClosing)
	if o.selfClosing || !sameTag {
		w.b.WriteString("</" + e.FullTag() + ">")
	} else {
		w.raw(o.endStart, o.end)
	}
}

// children writes the content of e, an original element written at
// indentation indent, or the document itself.
func (w *writer) children(e *etree.Element, indent string, re reindent, wasEmpty bool) {
	isDoc := e == &w.p.Doc.Element
	hasElems := false
	for _, c := range e.Child {
		if _, ok := c.(*etree.Element); ok {
			hasElems = true
			break
		}
	}
	// New and moved-in children are indented like the original ones.
	kidIndent := indent + w.p.unit
	for i, c := range e.Child {
		ce, ok := c.(*etree.Element)
		if !ok || i == 0 || !w.p.isChildOf(ce, e) {
			continue
		}
		if ws, ok := e.Child[i-1].(*etree.CharData); ok && isBlankString(ws.Data) && strings.Contains(ws.Data, "\n") {
			if oi := w.p.origIndent(ce); oi != "" {
				kidIndent = re.indent(oi)
				break
			}
		}
	}
	var prev etree.Token
	for _, c := range e.Child {
		switch c := c.(type) {
		case *etree.Element:
			if isDoc {
				w.elem(c, "")
				break
			}
			if w.needsBreak(prev, c, e) {
				w.b.WriteString(w.p.nl)
				w.b.WriteString(kidIndent)
			}
			ind := kidIndent
			if w.p.isChildOf(c, e) {
				if oi := w.p.origIndent(c); oi != "" {
					ind = re.indent(oi)
				}
			}
			w.elem(c, ind)
		case *etree.CharData:
			if ot := w.p.texts[c]; ot != nil && ot.data == c.Data {
				if hasElems && re.active() && isBlankString(c.Data) {
					w.b.WriteString(re.apply(string(w.p.src[ot.start:ot.end])))
				} else {
					w.raw(ot.start, ot.end)
				}
			} else {
				w.text(c.Data)
			}
		case *etree.Comment:
			if w.p.tokClean(c) {
				ot := w.p.others[c]
				w.raw(ot.start, ot.end)
			} else {
				if !isDoc && w.needsBreak(prev, nil, e) {
					w.b.WriteString(w.p.nl + kidIndent)
				}
				w.b.WriteString("<!--" + c.Data + "-->")
			}
		case *etree.ProcInst:
			if w.p.tokClean(c) {
				ot := w.p.others[c]
				w.raw(ot.start, ot.end)
			} else {
				w.b.WriteString("<?" + c.Target + " " + c.Inst + "?>")
			}
		case *etree.Directive:
			if w.p.tokClean(c) {
				ot := w.p.others[c]
				w.raw(ot.start, ot.end)
			} else {
				w.b.WriteString("<!" + c.Data + ">")
			}
		}
		prev = c
	}
	if isDoc || !hasElems {
		return
	}
	if last, ok := prev.(*etree.Element); ok && (wasEmpty || !w.p.isChildOf(last, e)) {
		w.b.WriteString(w.p.nl)
		w.b.WriteString(indent)
	}
}

// isChildOf reports whether c was a child of e in the original file.
func (p *Plan) isChildOf(c, e *etree.Element) bool {
	o := p.elems[c]
	return o != nil && o.parent == e
}

// needsBreak reports whether a line break and indentation go before c (an
// element of parent; nil for a new comment) given the token written before
// it.
func (w *writer) needsBreak(prev etree.Token, c, parent *etree.Element) bool {
	if ws, ok := prev.(*etree.CharData); ok && isBlankString(ws.Data) && strings.Contains(ws.Data, "\n") {
		return false
	}
	if c == nil || !w.p.isChildOf(c, parent) {
		return true // new, or moved here
	}
	if pe, ok := prev.(*etree.Element); ok && !w.p.isChildOf(pe, parent) {
		return true // after a new or moved-in element
	}
	return false
}

// selfCloses reports whether a new element with no content is written
// <tag/>: JMeter writes empty scalar properties as <stringProp
// name="k"></stringProp> and everything else (hashTree, collectionProp,
// test elements without properties) self-closed.
func selfCloses(e *etree.Element) bool {
	return !scalarTags[e.Tag] && e.Tag != "name" && e.Tag != "value"
}

// newElem writes an element jmtune created, at indentation indent.
func (w *writer) newElem(e *etree.Element, indent string) {
	empty := len(e.Child) == 0
	w.startTag(e, empty && selfCloses(e))
	if empty {
		if !selfCloses(e) {
			w.b.WriteString("</" + e.FullTag() + ">")
		}
		return
	}
	hasElems := false
	for _, c := range e.Child {
		if _, ok := c.(*etree.Element); ok {
			hasElems = true
			break
		}
	}
	kid := indent + w.p.unit
	for _, c := range e.Child {
		switch c := c.(type) {
		case *etree.Element:
			w.b.WriteString(w.p.nl + kid)
			w.elem(c, kid)
		case *etree.CharData:
			if hasElems && isBlankString(c.Data) {
				continue
			}
			if ot := w.p.texts[c]; ot != nil && ot.data == c.Data {
				w.raw(ot.start, ot.end)
			} else {
				w.text(c.Data)
			}
		case *etree.Comment:
			if hasElems {
				w.b.WriteString(w.p.nl + kid)
			}
			w.b.WriteString("<!--" + c.Data + "-->")
		}
	}
	if hasElems {
		w.b.WriteString(w.p.nl + indent)
	}
	w.b.WriteString("</" + e.FullTag() + ">")
}

// text writes element text escaped; in a CRLF file its line ends are CRLF
// too (a parser reads them back as LF, as the text was).
func (w *writer) text(s string) {
	if w.p.nl != "\n" && strings.Contains(s, "\n") {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				w.b.WriteString(w.p.nl)
			}
			writeEscaped(&w.b, line, false)
		}
		return
	}
	writeEscaped(&w.b, s, false)
}

func (w *writer) startTag(e *etree.Element, selfClose bool) {
	w.b.WriteByte('<')
	w.b.WriteString(e.FullTag())
	for _, a := range e.Attr {
		w.b.WriteByte(' ')
		w.b.WriteString(a.FullKey())
		w.b.WriteString(`="`)
		writeEscaped(&w.b, a.Value, true)
		w.b.WriteByte('"')
	}
	if selfClose {
		w.b.WriteString("/>")
	} else {
		w.b.WriteByte('>')
	}
}

// writeEscaped writes s escaped the way JMeter (XStream) does: & < > " '
// as entities and carriage returns as &#xd;; in an attribute, line ends and
// tabs are written as character references too.
func writeEscaped(b *bytes.Buffer, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var rep string
		switch c {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			rep = "&quot;"
		case '\'':
			rep = "&apos;"
		case '\r':
			rep = "&#xd;"
		case '\n':
			if !attr {
				continue
			}
			rep = "&#xa;"
		case '\t':
			if !attr {
				continue
			}
			rep = "&#x9;"
		default:
			if c >= 0x20 {
				continue
			}
			// Not allowed in XML 1.0 (JMeter could not load it either).
			rep = fmt.Sprintf("&#x%x;", c)
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}
