package criteria

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SyntaxError is a criterion that does not parse. It prints the criterion
// with a caret under the offending character:
//
//	criterion 1: expected a number after "<"
//	    p95 <> 300ms
//	         ^
type SyntaxError struct {
	Source string // "criterion 1" (the first -c), "crit.txt:3"
	Text   string // the criterion line, without its trailing comment
	Offset int    // byte offset of the offending character in Text (len(Text): the end)
	Msg    string
}

// Column returns the 1-based column (in characters) of the offending character.
func (e *SyntaxError) Column() int {
	off := min(max(e.Offset, 0), len(e.Text))
	return utf8.RuneCountInString(e.Text[:off]) + 1
}

func (e *SyntaxError) Error() string {
	const indent = "    "
	off := min(max(e.Offset, 0), len(e.Text))
	var caret strings.Builder
	for _, r := range e.Text[:off] {
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	return fmt.Sprintf("%s: %s\n%s%s\n%s%s^", e.Source, e.Msg, indent, e.Text, indent, caret.String())
}

// subjectsHelp lists the subjects for error messages.
const subjectsHelp = "rc429 (or rc4xx, rc4??), errors, p50, p90, p95, p99 (any pNN), avg, throughput, samples"

// taurusHints maps Taurus subject names to their names here.
var taurusHints = map[string]string{
	"avg-rt": "avg", "hits": "samples (a count) or throughput (a rate)",
	"fail": "errors", "failures": "errors", "error": "errors",
	"p": "p95, p99 ...", "count": "samples", "rps": "throughput", "tps": "throughput",
}

// Parse parses one criterion. source names it in error messages ("criterion
// 2", "crit.txt:7"). A trailing "# comment" is ignored; an empty criterion
// is an error.
func Parse(text, source string) (*Criterion, error) {
	c, empty, err := parseLine(text, source)
	if err != nil {
		return nil, err
	}
	if empty {
		return nil, &SyntaxError{Source: source, Text: text, Offset: 0, Msg: "empty criterion: want e.g. 'p95 < 300ms' or 'rc429 < 0.5%'"}
	}
	return c, nil
}

// ParseFile parses a criteria file: one criterion per line; blank lines and
// "# comments" are ignored. name is used in messages ("name:line"). All
// syntax errors of the file are returned together (errors.Join of
// *SyntaxError).
func ParseFile(name string, r io.Reader) ([]*Criterion, error) {
	var (
		crits []*Criterion
		errs  []error
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		c, empty, err := parseLine(text, fmt.Sprintf("%s:%d", name, line))
		switch {
		case err != nil:
			errs = append(errs, err)
		case !empty:
			crits = append(crits, c)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return crits, nil
}

// parser parses one criterion line.
type parser struct {
	scanner
	source string
}

// fail returns a SyntaxError at byte offset off.
func (p *parser) fail(off int, format string, a ...any) error {
	return &SyntaxError{Source: p.source, Text: p.src, Offset: off, Msg: fmt.Sprintf(format, a...)}
}

// describe names what is at offset off for an error message.
func (p *parser) describe(off int) string {
	if off >= len(p.src) {
		return "the end of the criterion"
	}
	r, _ := utf8.DecodeRuneInString(p.src[off:])
	return strconv.QuoteRune(r)
}

// parseLine parses text (comment stripped here); empty is true when the
// line holds no criterion.
func parseLine(text, source string) (c *Criterion, empty bool, err error) {
	line := strings.TrimRight(stripComment(text), " \t\r\n")
	p := &parser{scanner: scanner{src: line}, source: source}
	p.skipSpace()
	if p.eof() {
		return nil, true, nil
	}
	c = &Criterion{Text: strings.TrimSpace(line), Source: source}
	if err := p.parseSubject(c); err != nil {
		return nil, false, err
	}
	p.skipSpace()
	bareLabel := false
	if w, off := p.peekWord(); strings.EqualFold(w, "of") {
		p.pos = off + len(w)
		if err := p.parseLabel(c, &bareLabel); err != nil {
			return nil, false, err
		}
		p.skipSpace()
	}
	if err := p.parseOp(c, bareLabel); err != nil {
		return nil, false, err
	}
	p.skipSpace()
	if err := p.parseThreshold(c); err != nil {
		return nil, false, err
	}
	p.skipSpace()
	if w, off := p.peekWord(); strings.EqualFold(w, "for") {
		p.pos = off + len(w)
		if err := p.parseWindow(c); err != nil {
			return nil, false, err
		}
		p.skipSpace()
	} else if low := strings.ToLower(w); low == "within" || low == "over" {
		return nil, false, p.fail(off, "%q windows are not supported: use \"for 30s\" (the criterion must hold in every 30 s window)", w)
	}
	if !p.eof() {
		return nil, false, p.fail(p.pos, "unexpected %s: a criterion ends after its threshold and an optional \"for 30s\"", p.describe(p.pos))
	}
	return c, false, nil
}

// peekWord returns the word at the current position without consuming it.
func (p *parser) peekWord() (string, int) {
	save := p.pos
	w, off := p.word()
	p.pos = save
	return w, off
}

// parseSubject reads the subject word.
func (p *parser) parseSubject(c *Criterion) error {
	w, off := p.word()
	if w == "" {
		return p.fail(off, "expected a subject, one of %s", subjectsHelp)
	}
	low := strings.ToLower(w)
	switch {
	case low == "errors":
		c.Subject.Kind = KindErrors
	case low == "avg":
		c.Subject.Kind = KindAvg
	case low == "throughput":
		c.Subject.Kind = KindThroughput
	case low == "samples":
		c.Subject.Kind = KindSamples
	case strings.HasPrefix(low, "rc"):
		code := low[2:]
		if len(code) != 3 || strings.Trim(code, "0123456789x?") != "" {
			return p.fail(off+2, "%q: rc takes a three-character response code, digits or wildcards x/?: rc429, rc4xx, rc4??, rc50x", w)
		}
		c.Subject = Subject{Kind: KindCode, Code: strings.ReplaceAll(code, "x", "?")}
	case len(low) > 1 && low[0] == 'p' && strings.Trim(low[1:], "0123456789.") == "":
		v, err := strconv.ParseFloat(low[1:], 64)
		if err != nil || !(v > 0 && v < 100) {
			return p.fail(off+1, "%q: a percentile is between 0 and 100, exclusive: p50, p95, p99.9", w)
		}
		c.Subject = Subject{Kind: KindPercentile, Percentile: v}
	default:
		if hint, ok := taurusHints[low]; ok {
			return p.fail(off, "unknown subject %q: did you mean %s?", w, hint)
		}
		return p.fail(off, "unknown subject %q: want one of %s", w, subjectsHelp)
	}
	return nil
}

// parseLabel reads the label after "of".
func (p *parser) parseLabel(c *Criterion, bare *bool) error {
	p.skipSpace()
	if p.eof() {
		return p.fail(p.pos, "expected a label after \"of\" (quote labels with blanks: of \"GET script\")")
	}
	var (
		label string
		off   int
	)
	if q := p.peek(); q == '"' || q == '\'' {
		var ok bool
		label, off, ok = p.quoted()
		if !ok {
			return p.fail(off, "unterminated label: the closing %c is missing", q)
		}
		if label == "" {
			return p.fail(off, "empty label: leave out \"of\" to cover every label")
		}
	} else {
		label, off = p.bareLabel()
		if label == "" {
			return p.fail(off, "expected a label after \"of\", found %s (quote labels with blanks: of \"GET script\")", p.describe(off))
		}
		*bare = true
	}
	if err := checkGlob(label); err != nil {
		return p.fail(off, "label %q: %v", label, err)
	}
	c.Label = label
	return nil
}

// parseOp reads the comparison operator.
func (p *parser) parseOp(c *Criterion, afterBareLabel bool) error {
	off := p.pos
	switch p.peek() {
	case '<':
		c.Op = Less
	case '>':
		c.Op = Greater
	case '=', '!':
		return p.fail(off, "unsupported operator: use <, <=, > or >=")
	default:
		if afterBareLabel && !p.eof() {
			return p.fail(off, "expected an operator (<, <=, > or >=), found %s; quote labels with blanks: of \"GET script\"", p.describe(off))
		}
		return p.fail(off, "expected an operator (<, <=, > or >=), found %s", p.describe(off))
	}
	p.pos++
	if p.peek() == '=' {
		p.pos++
		if c.Op == Less {
			c.Op = LessEq
		} else {
			c.Op = GreaterEq
		}
	}
	return nil
}

// parseThreshold reads the number and its unit, and checks that the unit
// fits the subject.
func (p *parser) parseThreshold(c *Criterion) error {
	num, off := p.number()
	if num == "" {
		return p.fail(off, "expected a number after %q, found %s", c.Op.String(), p.describe(off))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) {
		return p.fail(off, "bad number %q", num)
	}
	afterNum := p.pos
	save := p.pos
	p.skipSpace()
	unit := Count
	unitOff := p.pos
	switch p.peek() {
	case '%':
		unit = Percent
		p.pos++
	case '/':
		p.pos++
		w, woff := p.letters()
		switch strings.ToLower(w) {
		case "s", "sec":
			unit = PerSecond
		case "min", "m":
			unit = PerMinute
		default:
			return p.fail(woff, "expected s or min after \"/\": 20/s, 1200/min")
		}
	default:
		w, woff := p.letters()
		switch strings.ToLower(w) {
		case "ms":
			unit = Millis
		case "s", "sec":
			unit = Seconds
		case "", "for", "within", "over":
			p.pos = save // no unit
		default:
			return p.fail(woff, "unknown unit %q: want %%, ms, s, /s or /min", w)
		}
	}
	if unit == Count {
		unitOff = afterNum
	}
	c.Unit, c.Value = unit, v
	c.Threshold = v * unit.factor()
	switch c.Subject.Kind {
	case KindCode, KindErrors:
		switch unit {
		case Percent:
			if v > 100 {
				return p.fail(off, "a share is at most 100%%")
			}
		case Count:
			if v != math.Trunc(v) {
				return p.fail(off, "%s without %% is a count of samples, a whole number; write %s%% for a share", c.Subject, num)
			}
		default:
			return p.fail(unitOff, "%s is a count (%s < 10) or a share (%s < 0.5%%), not %s", c.Subject, c.Subject, c.Subject, unit)
		}
	case KindPercentile, KindAvg:
		if unit != Millis && unit != Seconds {
			return p.fail(unitOff, "expected a time unit after %s: ms or s (%s < 300ms)", num, c.Subject)
		}
	case KindThroughput:
		if unit != PerSecond && unit != PerMinute {
			return p.fail(unitOff, "expected a rate unit after %s: /s or /min (throughput >= 20/s)", num)
		}
	case KindSamples:
		if unit != Count {
			return p.fail(unitOff, "samples is a count: a whole number without a unit (samples > 1000)")
		}
		if v != math.Trunc(v) {
			return p.fail(off, "samples is a count, a whole number")
		}
	}
	return nil
}

// parseWindow reads the duration after "for".
func (p *parser) parseWindow(c *Criterion) error {
	p.skipSpace()
	num, off := p.number()
	if num == "" {
		return p.fail(off, "expected a duration after \"for\", such as 30s or 1min")
	}
	v, _ := strconv.ParseFloat(num, 64)
	p.skipSpace()
	w, woff := p.letters()
	var unit time.Duration
	switch strings.ToLower(w) {
	case "ms":
		unit = time.Millisecond
	case "s", "sec":
		unit = time.Second
	case "min", "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "":
		return p.fail(woff, "expected a unit after %s: ms, s, min or h (for 30s)", num)
	default:
		return p.fail(woff, "unknown duration unit %q: want ms, s, min or h", w)
	}
	d := v * float64(unit)
	if d > float64(1000*time.Hour) {
		return p.fail(off, "window too long: at most 1000h")
	}
	win := time.Duration(math.Round(d/float64(time.Millisecond))) * time.Millisecond
	if win <= 0 {
		return p.fail(off, "a window is at least 1ms long")
	}
	c.Window = win
	return nil
}
