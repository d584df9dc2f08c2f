package criteria

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanner is the lexer of one criterion line. The language is small and its
// tokens depend on the position (a label after "of" is read differently from
// a subject), so the parser asks for the token kind it expects next.
type scanner struct {
	src string
	pos int // byte offset of the next unread character
}

// skipSpace skips blanks.
func (s *scanner) skipSpace() {
	for s.pos < len(s.src) {
		r, n := utf8.DecodeRuneInString(s.src[s.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		s.pos += n
	}
}

// eof reports whether the line is consumed.
func (s *scanner) eof() bool { return s.pos >= len(s.src) }

// peek returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.src) {
		return s.src[s.pos]
	}
	return 0
}

// peekAt returns the byte i positions ahead, or 0 past the end.
func (s *scanner) peekAt(i int) byte {
	if s.pos+i < len(s.src) {
		return s.src[s.pos+i]
	}
	return 0
}

// isWordByte reports whether c may appear in a subject, keyword or unit
// word: letters, digits and the characters of rc4?? and p99.9.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '?' || c == '.' || c == '_' || c == '-'
}

// word reads a run of word bytes and returns it with its offset.
func (s *scanner) word() (string, int) {
	start := s.pos
	for s.pos < len(s.src) && isWordByte(s.src[s.pos]) {
		s.pos++
	}
	return s.src[start:s.pos], start
}

// letters reads a run of ASCII letters (a unit name) and returns it with its
// offset.
func (s *scanner) letters() (string, int) {
	start := s.pos
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		s.pos++
	}
	return s.src[start:s.pos], start
}

// number reads an unsigned decimal number (12, 0.5, .5) and returns its text
// and offset; the text is "" when there is no number here.
func (s *scanner) number() (string, int) {
	start := s.pos
	digits := 0
	for s.pos < len(s.src) && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
		s.pos++
		digits++
	}
	if s.peek() == '.' && s.peekAt(1) >= '0' && s.peekAt(1) <= '9' {
		s.pos++
		for s.pos < len(s.src) && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
			s.pos++
			digits++
		}
	}
	if digits == 0 {
		s.pos = start
		return "", start
	}
	return s.src[start:s.pos], start
}

// isLabelChar reports whether r may appear in an unquoted label.
func isLabelChar(r rune) bool {
	return !unicode.IsSpace(r) && !strings.ContainsRune(`<>=#"'\`, r) && r != utf8.RuneError
}

// isKeyword reports whether w is a keyword of the language.
func isKeyword(w string) bool {
	switch strings.ToLower(w) {
	case "of", "for":
		return true
	}
	return false
}

// bareLabel reads an unquoted label: everything up to a blank, an operator
// character or a comment.
func (s *scanner) bareLabel() (string, int) {
	start := s.pos
	for s.pos < len(s.src) {
		r, n := utf8.DecodeRuneInString(s.src[s.pos:])
		if !isLabelChar(r) {
			break
		}
		s.pos += n
	}
	return s.src[start:s.pos], start
}

// quoted reads a label in double or single quotes; inside, a backslash
// escapes the quote and itself (any other backslash is kept, so that glob
// escapes such as \* pass through). ok is false when the closing quote is
// missing.
func (s *scanner) quoted() (text string, start int, ok bool) {
	start = s.pos
	q := s.src[s.pos]
	s.pos++
	var b strings.Builder
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == '\\' && s.pos+1 < len(s.src) && (s.src[s.pos+1] == q || s.src[s.pos+1] == '\\'):
			b.WriteByte(s.src[s.pos+1])
			s.pos += 2
		case c == q:
			s.pos++
			return b.String(), start, true
		default:
			b.WriteByte(c)
			s.pos++
		}
	}
	return b.String(), start, false
}

// stripComment returns line without a trailing "# comment" (a '#' outside
// quotes starts a comment).
func stripComment(line string) string {
	var q byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case q != 0 && c == '\\' && i+1 < len(line):
			i++
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '"' || c == '\''):
			q = c
		case q == 0 && c == '#':
			return line[:i]
		}
	}
	return line
}
