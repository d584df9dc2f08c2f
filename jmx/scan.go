package jmx

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// scanner splits a document into XML tokens and checks that it is
// well-formed (tags, attributes, references, comments, CDATA, characters).
// It is much faster than encoding/xml for plans of hundreds of kilobytes:
// names and values that need no decoding are not copied but refer to the
// source, which the Plan keeps.
type scanner struct {
	src []byte
	pos int

	// The current token.
	kind      tokKind
	start     int    // offset of the token
	name      string // element name, or processing instruction target
	attrs     []scanAttr
	data      string // text (decoded), comment, PI instruction, directive
	selfClose bool
	err       string
	errAt     int
	sawDecl   bool
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
	tokCDATA
	tokComment
	tokPI
	tokDirective
	tokError
)

type scanAttr struct{ name, value string }

// str returns src[i:j] as a string without copying.
func (s *scanner) str(i, j int) string {
	if i >= j {
		return ""
	}
	return unsafe.String(&s.src[i], j-i)
}

func (s *scanner) fail(at int, format string, a ...any) tokKind {
	s.err = fmt.Sprintf(format, a...)
	s.errAt = at
	s.kind = tokError
	return tokError
}

// next reads the next token.
func (s *scanner) next() tokKind {
	s.start = s.pos
	s.attrs = s.attrs[:0]
	s.selfClose = false
	if s.pos >= len(s.src) {
		s.kind = tokEOF
		return tokEOF
	}
	if s.src[s.pos] != '<' {
		return s.text()
	}
	if s.pos+1 >= len(s.src) {
		return s.fail(s.pos, "unexpected end of file after <")
	}
	switch s.src[s.pos+1] {
	case '/':
		return s.endTag()
	case '?':
		return s.procInst()
	case '!':
		rest := s.src[s.pos+2:]
		switch {
		case bytes.HasPrefix(rest, []byte("--")):
			return s.comment()
		case bytes.HasPrefix(rest, []byte("[CDATA[")):
			return s.cdata()
		}
		return s.directive()
	}
	return s.startTag()
}

// text reads character data up to the next '<'.
func (s *scanner) text() tokKind {
	i := s.pos
	plain := true
	for i < len(s.src) && s.src[i] != '<' {
		c := s.src[i]
		switch {
		case c == '&' || c == '\r':
			plain = false
			i++
		case c >= 0x80:
			r, n := utf8.DecodeRune(s.src[i:])
			if r == utf8.RuneError && n <= 1 || !xmlChar(r) {
				return s.fail(i, "invalid character (not UTF-8, or not allowed in XML)")
			}
			i += n
		case c < 0x20 && c != '\t' && c != '\n':
			return s.fail(i, "control character %#02x is not allowed in XML", c)
		case c == ']' && bytes.HasPrefix(s.src[i:], []byte("]]>")):
			return s.fail(i, "]]> outside a CDATA section (escape > as &gt;)")
		default:
			i++
		}
	}
	s.kind = tokText
	if plain {
		s.data = s.str(s.pos, i)
	} else {
		d, at, msg := decodeText(s.src[s.pos:i])
		if msg != "" {
			return s.fail(s.pos+at, "%s", msg)
		}
		s.data = d
	}
	s.pos = i
	return tokText
}

// decodeText replaces character and entity references and normalises line
// ends (\r\n and \r to \n), as XML parsers do.
func decodeText(b []byte) (string, int, string) {
	var out strings.Builder
	out.Grow(len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '\r':
			out.WriteByte('\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '&':
			j := bytes.IndexByte(b[i:], ';')
			if j < 0 || j > 12 {
				return "", i, "& not followed by a reference such as &amp; (escape a literal & as &amp;)"
			}
			ref := string(b[i+1 : i+j])
			switch ref {
			case "amp":
				out.WriteByte('&')
			case "lt":
				out.WriteByte('<')
			case "gt":
				out.WriteByte('>')
			case "quot":
				out.WriteByte('"')
			case "apos":
				out.WriteByte('\'')
			default:
				if !strings.HasPrefix(ref, "#") {
					return "", i, fmt.Sprintf("unknown entity &%s; (XML knows only &amp; &lt; &gt; &quot; &apos; and &#...;)", ref)
				}
				var n uint64
				var err error
				if strings.HasPrefix(ref, "#x") {
					n, err = strconv.ParseUint(ref[2:], 16, 32)
				} else {
					n, err = strconv.ParseUint(ref[1:], 10, 32)
				}
				if err != nil || !xmlChar(rune(n)) {
					return "", i, fmt.Sprintf("invalid character reference &%s;", ref)
				}
				out.WriteRune(rune(n))
			}
			i += j
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), 0, ""
}

// xmlChar reports whether r is a character XML 1.0 allows.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
}

// readName reads an XML name at pos. Only ASCII names are accepted: JMeter
// writes aliases and Java class names, and this keeps the scanner no more
// lenient than encoding/xml.
func (s *scanner) readName() (string, bool) {
	i := s.pos
	for i < len(s.src) {
		c := s.src[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' ||
			i > s.pos && (c >= '0' && c <= '9' || c == '-' || c == '.') {
			i++
			continue
		}
		break
	}
	if i == s.pos {
		return "", false
	}
	name := s.str(s.pos, i)
	// A namespace prefix and a local name, both non-empty, at most.
	if c := strings.Count(name, ":"); c > 1 || c == 1 && (name[0] == ':' || name[len(name)-1] == ':') {
		return "", false
	}
	s.pos = i
	return name, true
}

func (s *scanner) startTag() tokKind {
	s.pos++ // <
	name, ok := s.readName()
	if !ok {
		return s.fail(s.pos, "expected an element name after <")
	}
	s.name = name
	for {
		sp := s.pos
		s.skipSpace()
		if s.pos >= len(s.src) {
			return s.fail(s.pos, "unexpected end of file inside the tag <%s", name)
		}
		switch s.src[s.pos] {
		case '>':
			s.pos++
			s.kind = tokStart
			return tokStart
		case '/':
			if s.pos+1 < len(s.src) && s.src[s.pos+1] == '>' {
				s.pos += 2
				s.selfClose = true
				s.kind = tokStart
				return tokStart
			}
			return s.fail(s.pos, "expected /> in <%s", name)
		}
		if sp == s.pos {
			return s.fail(s.pos, "expected a space, > or /> in <%s", name)
		}
		at := s.pos
		an, ok := s.readName()
		if !ok {
			return s.fail(s.pos, "expected an attribute name in <%s", name)
		}
		s.skipSpace()
		if s.pos >= len(s.src) || s.src[s.pos] != '=' {
			return s.fail(s.pos, "attribute %s of <%s> has no value (want %s=\"...\")", an, name, an)
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.src) || s.src[s.pos] != '"' && s.src[s.pos] != '\'' {
			return s.fail(s.pos, "the value of attribute %s in <%s> is not quoted", an, name)
		}
		q := s.src[s.pos]
		s.pos++
		vs := s.pos
		plain := true
		for s.pos < len(s.src) && s.src[s.pos] != q {
			c := s.src[s.pos]
			switch {
			case c == '<':
				return s.fail(s.pos, "< in the value of attribute %s of <%s> (escape it as &lt;)", an, name)
			case c == '&' || c == '\r':
				plain = false
				s.pos++
			case c >= 0x80:
				r, n := utf8.DecodeRune(s.src[s.pos:])
				if r == utf8.RuneError && n <= 1 || !xmlChar(r) {
					return s.fail(s.pos, "invalid character (not UTF-8, or not allowed in XML)")
				}
				s.pos += n
			case c < 0x20 && c != '\t' && c != '\n':
				return s.fail(s.pos, "control character %#02x is not allowed in XML", c)
			default:
				s.pos++
			}
		}
		if s.pos >= len(s.src) {
			return s.fail(vs, "unterminated value of attribute %s in <%s>", an, name)
		}
		val := s.str(vs, s.pos)
		if !plain {
			d, off, msg := decodeText(s.src[vs:s.pos])
			if msg != "" {
				return s.fail(vs+off, "%s", msg)
			}
			val = d
		}
		s.pos++ // closing quote
		for _, a := range s.attrs {
			if a.name == an {
				return s.fail(at, "attribute %q appears twice in <%s>", an, name)
			}
		}
		s.attrs = append(s.attrs, scanAttr{an, val})
	}
}

func (s *scanner) endTag() tokKind {
	s.pos += 2 // </
	name, ok := s.readName()
	if !ok {
		return s.fail(s.pos, "expected an element name after </")
	}
	s.name = name
	s.skipSpace()
	if s.pos >= len(s.src) || s.src[s.pos] != '>' {
		return s.fail(s.pos, "expected > to end </%s", name)
	}
	s.pos++
	s.kind = tokEnd
	return tokEnd
}

// until moves past the next occurrence of end and returns the offset where
// it starts, or -1.
func (s *scanner) until(end string) int {
	i := bytes.Index(s.src[s.pos:], []byte(end))
	if i < 0 {
		return -1
	}
	at := s.pos + i
	s.pos = at + len(end)
	return at
}

// checkChars checks that b holds only characters XML allows.
func (s *scanner) checkChars(from, to int) tokKind {
	for i := from; i < to; {
		c := s.src[i]
		switch {
		case c >= 0x80:
			r, n := utf8.DecodeRune(s.src[i:to])
			if r == utf8.RuneError && n <= 1 || !xmlChar(r) {
				return s.fail(i, "invalid character (not UTF-8, or not allowed in XML)")
			}
			i += n
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return s.fail(i, "control character %#02x is not allowed in XML", c)
		default:
			i++
		}
	}
	return s.kind
}

func (s *scanner) comment() tokKind {
	from := s.pos + 4
	s.pos = from
	at := s.until("--")
	if at < 0 {
		return s.fail(s.start, "unterminated comment")
	}
	if s.pos >= len(s.src) || s.src[s.pos] != '>' {
		return s.fail(at, "-- inside a comment (XML does not allow it)")
	}
	s.pos++
	s.kind = tokComment
	s.data = s.str(from, at)
	return s.checkChars(from, at)
}

func (s *scanner) cdata() tokKind {
	from := s.pos + 9
	s.pos = from
	at := s.until("]]>")
	if at < 0 {
		return s.fail(s.start, "unterminated CDATA section")
	}
	s.kind = tokCDATA
	s.data = string(bytes.ReplaceAll(bytes.ReplaceAll(s.src[from:at], []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n")))
	return s.checkChars(from, at)
}

func (s *scanner) procInst() tokKind {
	s.pos += 2
	target, ok := s.readName()
	if !ok {
		return s.fail(s.pos, "expected a target name after <?")
	}
	s.name = target
	from := s.pos
	at := s.until("?>")
	if at < 0 {
		return s.fail(s.start, "unterminated processing instruction <?%s", target)
	}
	inst := s.str(from, at)
	if from < at && !isSpace(s.src[from]) {
		return s.fail(from, "expected a space after <?%s", target)
	}
	s.data = strings.TrimLeft(inst, " \t\r\n")
	s.kind = tokPI
	if strings.EqualFold(target, "xml") {
		if s.sawDecl {
			return s.fail(s.start, "a second <?xml ...?> declaration")
		}
		s.sawDecl = true
		if v := declAttr(s.data, "version"); v != "" && v != "1.0" {
			return s.fail(s.start, "XML version %q is not supported (want 1.0)", v)
		}
		if enc := declAttr(s.data, "encoding"); enc != "" {
			switch strings.ToLower(enc) {
			case "utf-8", "utf8", "us-ascii", "ascii":
			default:
				return s.fail(s.start, "encoding %q is not supported (JMeter writes UTF-8)", enc)
			}
		}
	}
	return s.checkChars(from, at)
}

// declAttr returns the value of a pseudo-attribute of the XML declaration:
// the first name="..." or name='...' in it (like encoding/xml).
func declAttr(inst, name string) string {
	key := name + "="
	for rest := inst; ; {
		k := strings.Index(rest, key)
		if k < 0 || k+len(key) >= len(rest) {
			return ""
		}
		rest = rest[k+len(key):]
		if q := rest[0]; q == '"' || q == '\'' {
			j := strings.IndexByte(rest[1:], q)
			if j < 0 {
				return ""
			}
			return rest[1 : 1+j]
		}
	}
}

// directive reads <!...> (DOCTYPE and the like), with nested <...> and
// quoted strings.
func (s *scanner) directive() tokKind {
	from := s.pos + 2
	if from >= len(s.src) || !(s.src[from] >= 'A' && s.src[from] <= 'Z' || s.src[from] >= 'a' && s.src[from] <= 'z') {
		return s.fail(s.start, "expected DOCTYPE or a comment after <!")
	}
	depth := 0
	var quote byte
	for i := from; i < len(s.src); i++ {
		c := s.src[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<' && bytes.HasPrefix(s.src[i:], []byte("<!--")):
			j := bytes.Index(s.src[i+4:], []byte("-->"))
			if j < 0 {
				return s.fail(i, "unterminated comment")
			}
			i += 4 + j + 2
		case c == '<':
			depth++
		case c == '>':
			if depth == 0 {
				s.pos = i + 1
				s.kind = tokDirective
				s.data = s.str(from, i)
				return tokDirective
			}
			depth--
		}
	}
	return s.fail(s.start, "unterminated <! declaration")
}
