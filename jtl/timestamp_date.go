package jtl

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// fallbackDatePatterns are the patterns JMeter tries when a timeStamp value
// is not a number and no timestamp_format is known (CSVSaveService).
var fallbackDatePatterns = []string{
	"yyyy/MM/dd HH:mm:ss.SSS",
	"yyyy/MM/dd HH:mm:ss",
	"yyyy-MM-dd HH:mm:ss.SSS",
	"yyyy-MM-dd HH:mm:ss",
	"MM/dd/yy HH:mm:ss",
}

// dateLayout is a compiled Java SimpleDateFormat pattern that can parse the
// timeStamp values JMeter writes with jmeter.save.saveservice.timestamp_format.
// Values carry no zone unless the pattern has z, Z or X: they are read in
// loc, or when loc is nil in time.Local at the time of parsing (the JVM that
// wrote them used its own local zone).
type dateLayout struct {
	pattern string
	toks    []dateTok
	loc     *time.Location
}

type dateTok struct {
	letter byte   // pattern letter, or 0 for literal text
	count  int    // repetitions of letter
	lit    string // literal text
}

// compileDateLayout compiles a SimpleDateFormat pattern. It supports the
// letters y M d H k K h m s S a E z Z X (and ignores G); other letters are
// an error.
func compileDateLayout(pattern string, loc *time.Location) (*dateLayout, error) {
	l := &dateLayout{pattern: pattern, loc: loc}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			// Quoted literal; '' is a quote.
			j := i + 1
			var lit strings.Builder
			if j < len(pattern) && pattern[j] == '\'' {
				l.toks = append(l.toks, dateTok{lit: "'"})
				i = j + 1
				continue
			}
			for j < len(pattern) {
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				lit.WriteByte(pattern[j])
				j++
			}
			if j >= len(pattern) {
				return nil, fmt.Errorf("date pattern %q: unterminated quote", pattern)
			}
			l.toks = append(l.toks, dateTok{lit: lit.String()})
			i = j + 1
		case ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z'):
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			switch c {
			case 'y', 'M', 'd', 'H', 'k', 'K', 'h', 'm', 's', 'S', 'a', 'E', 'z', 'Z', 'X', 'G':
			default:
				return nil, fmt.Errorf("date pattern %q: letter %q not supported", pattern, c)
			}
			l.toks = append(l.toks, dateTok{letter: c, count: j - i})
			i = j
		default:
			j := i
			for j < len(pattern) && pattern[j] != '\'' && !isASCIILetter(pattern[j]) {
				j++
			}
			l.toks = append(l.toks, dateTok{lit: pattern[i:j]})
			i = j
		}
	}
	return l, nil
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func isNumericLetter(c byte) bool {
	switch c {
	case 'y', 'd', 'H', 'k', 'K', 'h', 'm', 's', 'S':
		return true
	}
	return false
}

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parse returns the epoch milliseconds of the date in b, and whether b
// matched the whole pattern.
func (l *dateLayout) parse(b []byte) (int64, bool) {
	year, month, day := 1970, 1, 1
	hour, min, sec, ms := 0, 0, 0, 0
	pm, hasAmPm := false, false
	hour12 := false
	loc := l.loc
	if loc == nil {
		loc = time.Local
	}
	i := 0
	for ti, t := range l.toks {
		if t.letter == 0 {
			if len(b)-i < len(t.lit) || string(b[i:i+len(t.lit)]) != t.lit {
				return 0, false
			}
			i += len(t.lit)
			continue
		}
		numeric := isNumericLetter(t.letter) || (t.letter == 'M' && t.count <= 2)
		if numeric {
			// Abutting numeric fields take exactly their width.
			width := 10
			if ti+1 < len(l.toks) {
				n := l.toks[ti+1]
				if n.letter != 0 && (isNumericLetter(n.letter) || (n.letter == 'M' && n.count <= 2)) {
					width = t.count
				}
			}
			v, n := 0, 0
			for i < len(b) && n < width && '0' <= b[i] && b[i] <= '9' {
				v = v*10 + int(b[i]-'0')
				i++
				n++
			}
			if n == 0 {
				return 0, false
			}
			switch t.letter {
			case 'y':
				if t.count <= 2 && n == 2 {
					if v < 70 {
						v += 2000
					} else {
						v += 1900
					}
				}
				year = v
			case 'M':
				month = v
			case 'd':
				day = v
			case 'H':
				hour = v
			case 'k':
				hour = v % 24
			case 'K':
				hour, hour12 = v, true
			case 'h':
				hour, hour12 = v%12, true
			case 'm':
				min = v
			case 's':
				sec = v
			case 'S':
				ms = v
			}
			continue
		}
		switch t.letter {
		case 'M', 'E', 'G':
			j := i
			for j < len(b) && isASCIILetter(b[j]) {
				j++
			}
			if j == i {
				return 0, false
			}
			if t.letter == 'M' {
				if j-i < 3 {
					return 0, false
				}
				m := strings.ToLower(string(b[i : i+3]))
				month = 0
				for k, name := range monthNames {
					if name == m {
						month = k + 1
					}
				}
				if month == 0 {
					return 0, false
				}
			}
			i = j
		case 'a':
			if len(b)-i < 2 {
				return 0, false
			}
			switch strings.ToUpper(string(b[i : i+2])) {
			case "AM":
			case "PM":
				pm = true
			default:
				return 0, false
			}
			hasAmPm = true
			i += 2
		case 'z', 'Z', 'X':
			z, n, ok := parseZone(b[i:])
			if !ok {
				return 0, false
			}
			loc = z
			i += n
		}
	}
	if i != len(b) {
		return 0, false
	}
	if hour12 && hasAmPm && pm {
		hour += 12
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 {
		return 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, 0, loc)
	return t.UnixMilli() + int64(ms), true
}

// parseZone reads a zone at the start of b: Z, +hh, +hhmm, +hh:mm,
// GMT/UTC optionally followed by an offset. It returns the zone and the
// bytes used.
func parseZone(b []byte) (*time.Location, int, bool) {
	i := 0
	if len(b) >= 3 && (string(b[:3]) == "GMT" || string(b[:3]) == "UTC") {
		i = 3
		if i == len(b) || (b[i] != '+' && b[i] != '-') {
			return time.UTC, i, true
		}
	} else if len(b) >= 1 && b[0] == 'Z' {
		return time.UTC, 1, true
	}
	if i >= len(b) || (b[i] != '+' && b[i] != '-') {
		return nil, 0, false
	}
	sign := 1
	if b[i] == '-' {
		sign = -1
	}
	i++
	digits := func(n int) (int, bool) {
		if len(b)-i < n {
			return 0, false
		}
		v := 0
		for k := 0; k < n; k++ {
			c := b[i+k]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += n
		return v, true
	}
	h, ok := digits(2)
	if !ok {
		return nil, 0, false
	}
	m := 0
	if i < len(b) && b[i] == ':' {
		i++
		if m, ok = digits(2); !ok {
			return nil, 0, false
		}
	} else if len(b)-i >= 2 && b[i] >= '0' && b[i] <= '9' {
		m, _ = digits(2)
	}
	off := sign * (h*3600 + m*60)
	return time.FixedZone("", off), i, true
}

var (
	fallbackOnce sync.Once
	fallbacks    []*dateLayout
)

// fallbackLayouts returns fallbackDatePatterns compiled (local time zone).
func fallbackLayouts() []*dateLayout {
	fallbackOnce.Do(func() {
		for _, p := range fallbackDatePatterns {
			l, err := compileDateLayout(p, nil)
			if err != nil {
				panic(err)
			}
			fallbacks = append(fallbacks, l)
		}
	})
	return fallbacks
}

// localZoneName describes the local time zone for messages.
func localZoneName() string {
	name, off := time.Now().Zone()
	if off == 0 && (name == "UTC" || name == "GMT") {
		return name
	}
	return fmt.Sprintf("%s, UTC%+03d:%02d", name, off/3600, (off%3600)/60*sign(off))
}

func sign(n int) int {
	if n < 0 {
		return -1
	}
	return 1
}
