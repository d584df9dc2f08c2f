package criteria

import (
	"errors"
	"unicode/utf8"
)

// A label glob matches a whole sampler label: '*' matches any run of
// characters (including '/' and blanks), '?' one character, [abc] [a-z]
// [!a-z] one character of (or not of) a class, and a backslash makes the
// next character literal. Matching is case-sensitive, as JMeter labels are.

// checkGlob reports a malformed glob (an unclosed class, a trailing backslash).
func checkGlob(pattern string) error {
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			if i+1 >= len(pattern) {
				return errors.New("trailing backslash")
			}
			i++
		case '[':
			end, ok := classEnd(pattern, i)
			if !ok {
				return errors.New("unclosed [ in glob (write \\[ for a literal bracket)")
			}
			i = end
		}
	}
	return nil
}

// classEnd returns the index of the ']' that closes the class opening at
// pattern[open].
func classEnd(pattern string, open int) (int, bool) {
	i := open + 1
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		i++
	}
	if i < len(pattern) && pattern[i] == ']' { // a leading ] is literal
		i++
	}
	for ; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case ']':
			return i, true
		}
	}
	return 0, false
}

// matchClass reports whether r is in the class pattern[open:end+1].
func matchClass(pattern string, open, end int, r rune) bool {
	i := open + 1
	negate := false
	if pattern[i] == '!' || pattern[i] == '^' {
		negate = true
		i++
	}
	in := false
	first := true
	for i < end {
		if pattern[i] == ']' && !first {
			break
		}
		first = false
		lo, n := utf8.DecodeRuneInString(pattern[i:])
		if lo == '\\' && i+1 < end {
			i++
			lo, n = utf8.DecodeRuneInString(pattern[i:])
		}
		i += n
		hi := lo
		if i+1 < end && pattern[i] == '-' {
			h, m := utf8.DecodeRuneInString(pattern[i+1:])
			if h == '\\' && i+2 < end {
				h, m = utf8.DecodeRuneInString(pattern[i+2:])
				m++
			}
			hi = h
			i += 1 + m
		}
		if lo <= r && r <= hi {
			in = true
		}
	}
	return in != negate
}

// matchGlob reports whether name matches the glob pattern as a whole (the
// pattern must be valid, see checkGlob).
func matchGlob(pattern, name string) bool {
	// Iterative matching with backtracking to the last '*'.
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		if p < len(pattern) {
			switch c := pattern[p]; c {
			case '*':
				starP, starN = p, n
				p++
				continue
			case '?':
				_, w := utf8.DecodeRuneInString(name[n:])
				p++
				n += w
				continue
			case '[':
				end, _ := classEnd(pattern, p)
				r, w := utf8.DecodeRuneInString(name[n:])
				if matchClass(pattern, p, end, r) {
					p = end + 1
					n += w
					continue
				}
			default:
				lit := p
				if c == '\\' {
					lit = p + 1
				}
				pr, pw := utf8.DecodeRuneInString(pattern[lit:])
				nr, nw := utf8.DecodeRuneInString(name[n:])
				if pr == nr {
					p = lit + pw
					n += nw
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '*' swallow one more character.
		_, w := utf8.DecodeRuneInString(name[starN:])
		starN += w
		p, n = starP+1, starN
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
