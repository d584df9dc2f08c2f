package jtl

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// xmlScanner is a lenient, streaming XML tokenizer for JTL files. It keeps
// its own buffer so that a whole start tag can be looked at in place, skips
// element content (response data, cookies, ...) without copying it, and
// counts lines lazily, only when a caller asks for one.
//
// It does not validate: characters that XML 1.0 forbids, undeclared entities
// and bad UTF-8 pass through as they are. Only the shape of tags matters.
//
// Slices returned by its methods point into the buffer and stay valid only
// until the next call that may read more input.
type xmlScanner struct {
	r      io.Reader
	buf    []byte
	pos    int   // next unread byte
	end    int   // buf[pos:end] is read but not consumed
	err    error // first read error; io.EOF at the end of the input
	line   int   // line number of buf[lineAt]
	lineAt int   // newlines are counted up to here (lineAt <= pos)
	last   byte  // the last byte read so far

	// The current tag, set by readTag.
	kind      tagKind
	name      []byte // element name (start and end tags)
	attrs     []byte // raw attribute text of a start tag
	selfClose bool   // <name ... />
	tagStart  int    // offset of '<' in buf
}

// tagKind is the kind of markup at a '<'.
type tagKind int

const (
	tagStart   tagKind = iota // <name ...> or <name .../>
	tagEnd                    // </name>
	tagPI                     // <?...?>
	tagComment                // <!--...-->
	tagCDATA                  // <![CDATA[...]]>
	tagDecl                   // <!DOCTYPE ...> and other <!...>
)

const (
	xmlBufSize = 256 << 10
	// xmlMaxToken bounds the size of one tag (and of one text value kept):
	// a start tag longer than this is reported as malformed instead of
	// growing the buffer without end.
	xmlMaxToken = 16 << 20
)

// errBrokenTag is returned by readTag for markup that cannot be a tag: a '<'
// inside a tag, a name that does not start like a name. The scanner is left
// at the '<' of the broken tag.
var errBrokenTag = errors.New("broken tag")

// errTagTooLong is returned for a tag longer than xmlMaxToken.
var errTagTooLong = errors.New("tag longer than 16 MiB")

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, xmlBufSize), line: 1}
}

// more reads more input into the buffer, moving the unread bytes to its
// front (and growing it when it is full). It reports whether any byte was
// added; false means end of input or a read error (see err).
func (s *xmlScanner) more() bool {
	if s.err != nil {
		return false
	}
	if s.pos > 0 {
		s.countLines()
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.tagStart -= s.pos
		s.end = n
		s.pos = 0
		s.lineAt = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= xmlMaxToken {
			s.err = errTagTooLong
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if n > 0 {
			s.last = s.buf[s.end-1]
		}
		if err != nil {
			s.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// ensure tries to have at least n unread bytes; it reports whether it has.
func (s *xmlScanner) ensure(n int) bool {
	for s.end-s.pos < n {
		if !s.more() {
			return false
		}
	}
	return true
}

// readErr returns the read error that stopped the input, or nil at a clean
// end of input.
func (s *xmlScanner) readErr() error {
	if s.err == io.EOF {
		return nil
	}
	return s.err
}

func (s *xmlScanner) countLines() {
	s.line += bytes.Count(s.buf[s.lineAt:s.pos], nl)
	s.lineAt = s.pos
}

var nl = []byte{'\n'}

// curLine returns the line number of the unread position.
func (s *xmlScanner) curLine() int {
	s.countLines()
	return s.line
}

// skipTo advances to the next '<', discarding text. It returns false at the
// end of the input.
func (s *xmlScanner) skipTo() bool {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '<'); i >= 0 {
			s.pos += i
			return true
		}
		s.pos = s.end
		if !s.more() {
			return false
		}
	}
}

// skipSpace skips XML white space and a byte-order mark; it returns false at
// the end of the input.
func (s *xmlScanner) skipSpace() bool {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r', '\n':
				s.pos++
			case 0xEF:
				if !s.ensure(3) {
					return true
				}
				if s.buf[s.pos+1] == 0xBB && s.buf[s.pos+2] == 0xBF {
					s.pos += 3
					continue
				}
				return true
			default:
				return true
			}
		}
		if !s.more() {
			return false
		}
	}
}

// column returns the column (0-based) of the '<' at pos when only blanks
// precede it on its line, else -1.
func (s *xmlScanner) column() int {
	k := bytes.LastIndexByte(s.buf[:s.pos], '\n')
	if k < 0 && s.curLine() > 1 {
		return -1 // the line started before the buffer
	}
	for _, c := range s.buf[k+1 : s.pos] {
		if c != ' ' && c != '\t' && c != '\r' {
			return -1
		}
	}
	return s.pos - k - 1
}

// skipPast advances past the next occurrence of marker; false at the end of
// the input.
func (s *xmlScanner) skipPast(marker []byte) bool {
	for {
		if i := bytes.Index(s.buf[s.pos:s.end], marker); i >= 0 {
			s.pos += i + len(marker)
			return true
		}
		// Keep a tail that may hold the start of the marker.
		if keep := len(marker) - 1; s.end-s.pos > keep {
			s.pos = s.end - keep
		}
		if !s.more() {
			return false
		}
	}
}

var (
	markPIEnd      = []byte("?>")
	markCommentEnd = []byte("-->")
	markCDATAEnd   = []byte("]]>")
	markCDATA      = []byte("<![CDATA[")
	markComment    = []byte("<!--")
)

// readTag reads the markup at pos (which must be a '<') and consumes it. It
// sets kind, name, attrs and selfClose. On io.ErrUnexpectedEOF (input ends
// inside the tag) or errBrokenTag the scanner stays at the '<'.
func (s *xmlScanner) readTag() error {
	s.tagStart = s.pos
	if !s.ensure(2) {
		return io.ErrUnexpectedEOF
	}
	switch s.buf[s.pos+1] {
	case '?':
		s.kind = tagPI
		s.pos += 2
		if !s.skipPast(markPIEnd) {
			s.restore()
			return io.ErrUnexpectedEOF
		}
		return nil
	case '!':
		s.ensure(9)
		rest := s.buf[s.pos:s.end]
		switch {
		case bytes.HasPrefix(rest, markComment):
			s.kind = tagComment
			s.pos += 4
			if !s.skipPast(markCommentEnd) {
				s.restore()
				return io.ErrUnexpectedEOF
			}
			return nil
		case bytes.HasPrefix(rest, markCDATA):
			s.kind = tagCDATA
			s.pos += 9
			if !s.skipPast(markCDATAEnd) {
				s.restore()
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		s.kind = tagDecl
		end, err := s.findTagEnd()
		if err != nil {
			return err
		}
		s.attrs = s.buf[s.tagStart+2 : end]
		s.pos = end + 1
		return nil
	case '/':
		s.kind = tagEnd
		end, err := s.findTagEnd()
		if err != nil {
			return err
		}
		name := s.buf[s.tagStart+2 : end]
		for len(name) > 0 && isSpace(name[len(name)-1]) {
			name = name[:len(name)-1]
		}
		s.name = name
		if !validName(s.name) {
			s.pos = s.tagStart
			return errBrokenTag
		}
		s.pos = end + 1
		return nil
	}
	s.kind = tagStart
	end, err := s.findTagEnd()
	if err != nil {
		return err
	}
	body := s.buf[s.tagStart+1 : end]
	s.selfClose = len(body) > 0 && body[len(body)-1] == '/'
	if s.selfClose {
		body = body[:len(body)-1]
	}
	n := 0
	for n < len(body) && !isSpace(body[n]) {
		n++
	}
	s.name, s.attrs = body[:n], body[n:]
	if !validName(s.name) {
		s.pos = s.tagStart
		return errBrokenTag
	}
	s.pos = end + 1
	return nil
}

// findTagEnd returns the offset of the '>' that ends the tag starting at
// s.tagStart, reading more input as needed. Quoted attribute values may hold
// '>'; a raw '<' anywhere means the tag is broken (a writer stopped in the
// middle of it and something else follows).
func (s *xmlScanner) findTagEnd() (int, error) {
	i := s.tagStart + 1
	for {
		rest := s.buf[i:s.end]
		gt := bytes.IndexByte(rest, '>')
		seg := rest
		if gt >= 0 {
			seg = rest[:gt]
		}
		// The first quote before the '>', if any.
		q := bytes.IndexByte(seg, '"')
		if a := bytes.IndexByte(seg, '\''); a >= 0 && (q < 0 || a < q) {
			q = a
		}
		if q >= 0 {
			seg = seg[:q]
		}
		if bytes.IndexByte(seg, '<') >= 0 {
			s.pos = s.tagStart
			return 0, errBrokenTag
		}
		switch {
		case q >= 0:
			// Skip the quoted value; '>' may appear in it, '<' may not.
			open := i + q
			c := bytes.IndexByte(s.buf[open+1:s.end], s.buf[open])
			val := s.buf[open+1 : s.end]
			if c >= 0 {
				val = val[:c]
			}
			if bytes.IndexByte(val, '<') >= 0 {
				s.pos = s.tagStart
				return 0, errBrokenTag
			}
			if c >= 0 {
				i = open + 2 + c
				continue
			}
			// The value goes on beyond the buffer: read more, rescan it.
			i = open
		case gt >= 0:
			return i + gt, nil
		default:
			i = s.end
		}
		off := i - s.tagStart
		s.pos = s.tagStart
		if !s.more() {
			if s.err == errTagTooLong {
				return 0, errTagTooLong
			}
			return 0, io.ErrUnexpectedEOF
		}
		// more moved the tag to the front of the buffer.
		i = s.tagStart + off
	}
}

// restore moves back to the start of the current tag when it is still in
// the buffer (used when the input ends inside a comment or PI).
func (s *xmlScanner) restore() {
	if s.tagStart >= 0 && s.lineAt <= s.tagStart {
		s.pos = s.tagStart
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// validName reports whether b can be an element name: it starts with a
// letter, '_' or ':' (or any non-ASCII byte), and holds no markup.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	c := b[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80) {
		return false
	}
	for _, c := range b[1:] {
		switch c {
		case '<', '>', '"', '\'', '=', '&', '/', ' ', '\t', '\r', '\n':
			return false
		}
	}
	return true
}

// nextAttr parses the next attribute from *rest (raw attribute text of a
// start tag). It returns ok=false when there is none left, and bad=true when
// the text is not name="value" syntax.
func nextAttr(rest *[]byte) (name, value []byte, ok, bad bool) {
	b := *rest
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		*rest = b[i:]
		return nil, nil, false, false
	}
	j := i
	for j < len(b) && b[j] != '=' && !isSpace(b[j]) {
		j++
	}
	name = b[i:j]
	for j < len(b) && isSpace(b[j]) {
		j++
	}
	if j == len(b) || b[j] != '=' || len(name) == 0 {
		*rest = nil
		return nil, nil, false, true
	}
	j++
	for j < len(b) && isSpace(b[j]) {
		j++
	}
	if j == len(b) || (b[j] != '"' && b[j] != '\'') {
		*rest = nil
		return nil, nil, false, true
	}
	q := b[j]
	k := bytes.IndexByte(b[j+1:], q)
	if k < 0 {
		*rest = nil
		return nil, nil, false, true
	}
	value = b[j+1 : j+1+k]
	*rest = b[j+2+k:]
	return name, value, true, false
}

// appendUnescaped appends text with its character and entity references
// decoded. Unknown or malformed references are kept as they are.
func appendUnescaped(dst, text []byte) []byte {
	for {
		i := bytes.IndexByte(text, '&')
		if i < 0 {
			return append(dst, text...)
		}
		dst = append(dst, text[:i]...)
		text = text[i:]
		r, n := decodeEntity(text)
		if n == 0 {
			dst = append(dst, '&')
			text = text[1:]
			continue
		}
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, r)
		}
		text = text[n:]
	}
}

// decodeEntity decodes the reference at the start of b ("&lt;", "&#10;",
// "&#x1F;") and returns the character and the reference length, or n=0.
func decodeEntity(b []byte) (r rune, n int) {
	end := bytes.IndexByte(b, ';')
	if end < 2 || end > 10 {
		return 0, 0
	}
	ref := b[1:end]
	switch string(ref) {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	case "apos":
		return '\'', end + 1
	}
	if ref[0] != '#' || len(ref) < 2 {
		return 0, 0
	}
	var v int64
	if ref[1] == 'x' || ref[1] == 'X' {
		if len(ref) < 3 {
			return 0, 0
		}
		for _, c := range ref[2:] {
			switch {
			case c >= '0' && c <= '9':
				v = v*16 + int64(c-'0')
			case c >= 'a' && c <= 'f':
				v = v*16 + int64(c-'a'+10)
			case c >= 'A' && c <= 'F':
				v = v*16 + int64(c-'A'+10)
			default:
				return 0, 0
			}
		}
	} else {
		for _, c := range ref[1:] {
			if c < '0' || c > '9' {
				return 0, 0
			}
			v = v*10 + int64(c-'0')
		}
	}
	if v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return utf8.RuneError, end + 1
	}
	return rune(v), end + 1
}

// appendText appends the text content at pos up to the next tag, decoding
// references, CDATA sections and skipping comments, and keeping at most max
// bytes in dst. It stops at the '<' of the next tag (not consumed); eof is
// true when the input ended first.
func (s *xmlScanner) appendText(dst []byte, max int) (out []byte, eof bool) {
	for {
		seg := s.buf[s.pos:s.end]
		lt := bytes.IndexByte(seg, '<')
		if lt >= 0 {
			seg = seg[:lt]
		}
		// A reference cut by the end of the buffer: leave it for the next round.
		if lt < 0 && s.err == nil {
			if a := bytes.LastIndexByte(seg, '&'); a >= 0 && len(seg)-a < 12 && bytes.IndexByte(seg[a:], ';') < 0 {
				seg = seg[:a]
			}
		}
		if room := max - len(dst); room > 0 {
			if len(seg) <= room {
				dst = appendUnescaped(dst, seg)
			} else {
				dst = appendUnescaped(dst, seg[:room])
			}
		}
		s.pos += len(seg)
		if lt >= 0 {
			// CDATA and comments are part of the text.
			s.ensure(9)
			rest := s.buf[s.pos:s.end]
			switch {
			case bytes.HasPrefix(rest, markCDATA):
				s.pos += 9
				start := s.pos
				for {
					if i := bytes.Index(s.buf[s.pos:s.end], markCDATAEnd); i >= 0 {
						if room := max - len(dst); room > 0 {
							dst = append(dst, s.buf[start : s.pos+i][:min(i+s.pos-start, room)]...)
						}
						s.pos += i + 3
						break
					}
					// Emit what cannot be the start of "]]>".
					keep := s.end - 2
					if keep > s.pos {
						if room := max - len(dst); room > 0 {
							dst = append(dst, s.buf[start:keep][:min(keep-start, room)]...)
						}
						s.pos = keep
						start = keep
					}
					if !s.more() {
						return dst, true
					}
					start = s.pos
				}
				continue
			case bytes.HasPrefix(rest, markComment):
				s.pos += 4
				if !s.skipPast(markCommentEnd) {
					return dst, true
				}
				continue
			}
			return dst, false
		}
		if !s.more() {
			if s.pos < s.end {
				continue // a cut reference at the very end: now taken as text
			}
			return dst, true
		}
	}
}
