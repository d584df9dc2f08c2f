// Package criteria is the pass/fail language of jmtune check: a small,
// line-oriented language close to Taurus's pass/fail criteria, its parser,
// and a streaming evaluator over JTL samples.
//
// One criterion reads
//
//	subject [of LABEL] op threshold [for DURATION]
//
// for example
//
//	rc429 < 0.5%
//	p95 of "GET script" <= 300ms for 30s
//	throughput of "GET script" <= 20/s for 20s
//	errors < 10
//
// The grammar (EBNF) and the meaning of every subject are documented in
// README.md ("Fail the build when a run is bad"); Parse reports a bad expression as a
// *SyntaxError that points at the offending character.
package criteria

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is what a criterion measures.
type Kind int

// Subjects of a criterion.
const (
	// KindCode counts samples whose response code matches Subject.Code
	// (rc429, rc4xx, rc4??).
	KindCode Kind = iota + 1
	// KindErrors counts samples JMeter marked unsuccessful (success=false).
	KindErrors
	// KindPercentile is a percentile of elapsed time (p50, p90, p95, p99, pNN.N).
	KindPercentile
	// KindAvg is the mean elapsed time.
	KindAvg
	// KindThroughput is samples per second.
	KindThroughput
	// KindSamples is the number of samples.
	KindSamples
)

// Subject is the quantity a criterion compares.
type Subject struct {
	Kind Kind
	// Code is the response-code pattern of KindCode: three characters, each
	// a digit or a wildcard ('x' or '?'); wildcards are stored as '?'.
	Code string
	// Percentile is the percentile of KindPercentile, in (0, 100).
	Percentile float64
}

// String returns the subject as it is written in the language.
func (s Subject) String() string {
	switch s.Kind {
	case KindCode:
		return "rc" + strings.ReplaceAll(s.Code, "?", "x")
	case KindErrors:
		return "errors"
	case KindPercentile:
		return "p" + strconv.FormatFloat(s.Percentile, 'f', -1, 64)
	case KindAvg:
		return "avg"
	case KindThroughput:
		return "throughput"
	case KindSamples:
		return "samples"
	}
	return "?"
}

// Op is a comparison operator.
type Op int

// Comparison operators.
const (
	Less Op = iota + 1
	LessEq
	Greater
	GreaterEq
)

// String returns the operator as written.
func (o Op) String() string {
	switch o {
	case Less:
		return "<"
	case LessEq:
		return "<="
	case Greater:
		return ">"
	case GreaterEq:
		return ">="
	}
	return "?"
}

// Holds reports whether "measured op threshold" is true.
func (o Op) Holds(measured, threshold float64) bool {
	switch o {
	case Less:
		return measured < threshold
	case LessEq:
		return measured <= threshold
	case Greater:
		return measured > threshold
	case GreaterEq:
		return measured >= threshold
	}
	return false
}

// upper reports whether the operator bounds the value from above (< or <=):
// then the worst window is the one with the largest value.
func (o Op) upper() bool { return o == Less || o == LessEq }

// Unit is the unit a threshold was written in.
type Unit int

// Units of thresholds. The canonical unit of each quantity, in which
// Criterion.Threshold and Outcome.Measured are expressed, is Count for
// counts, Percent for shares, Millis for times and PerSecond for rates.
const (
	Count     Unit = iota + 1 // a plain number
	Percent                   // %
	Millis                    // ms
	Seconds                   // s
	PerSecond                 // /s
	PerMinute                 // /min
)

// String returns the unit as written after a number ("" for Count).
func (u Unit) String() string {
	switch u {
	case Percent:
		return "%"
	case Millis:
		return "ms"
	case Seconds:
		return "s"
	case PerSecond:
		return "/s"
	case PerMinute:
		return "/min"
	}
	return ""
}

// Canonical returns the canonical unit of the quantity u measures.
func (u Unit) Canonical() Unit {
	switch u {
	case Seconds:
		return Millis
	case PerMinute:
		return PerSecond
	}
	return u
}

// factor is how many canonical units one u is.
func (u Unit) factor() float64 {
	switch u {
	case Seconds:
		return 1000
	case PerMinute:
		return 1.0 / 60
	}
	return 1
}

// FromCanonical converts v from u's canonical unit to u.
func (u Unit) FromCanonical(v float64) float64 { return v / u.factor() }

// Criterion is one parsed criterion.
type Criterion struct {
	// Text is the criterion as written (trimmed, without a trailing comment).
	Text string
	// Source says where it came from: "criterion 2" (the second -c) or
	// "crit.txt:7".
	Source string

	Subject Subject
	// Label is the glob of "of LABEL"; "" when the criterion covers every label.
	Label string
	Op    Op
	// Threshold is in the canonical unit of Unit (see Unit).
	Threshold float64
	// Value is the threshold as written, in Unit.
	Value float64
	// Unit is the unit the threshold was written in.
	Unit Unit
	// Window is the length of the tumbling windows of "for DURATION"; 0 means
	// the whole run.
	Window time.Duration
}

// String returns the criterion in canonical form; Parse(c.String()) yields
// the same criterion (apart from Text and Source).
func (c *Criterion) String() string {
	var b strings.Builder
	b.WriteString(c.Subject.String())
	if c.Label != "" {
		b.WriteString(" of ")
		b.WriteString(quoteLabel(c.Label))
	}
	b.WriteString(" ")
	b.WriteString(c.Op.String())
	b.WriteString(" ")
	b.WriteString(strconv.FormatFloat(c.Value, 'f', -1, 64) + c.Unit.String())
	if c.Window > 0 {
		b.WriteString(" for ")
		b.WriteString(formatDuration(c.Window))
	}
	return b.String()
}

// quoteLabel returns label quoted when it needs to be: when it holds
// anything but the characters of an unquoted label.
func quoteLabel(label string) string {
	plain := label != ""
	for i, r := range label {
		if !isLabelChar(r) || (i == 0 && (r == '"' || r == '\'')) {
			plain = false
			break
		}
	}
	if plain && !isKeyword(label) {
		return label
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(label); i++ { // bytes: invalid UTF-8 survives
		if c := label[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(label[i])
	}
	b.WriteByte('"')
	return b.String()
}

// FormatValue formats a measured value v (already in unit u) with its unit
// and a precision fit for reading: 312ms, 48.43%, 0.0271%, 20.13/s, 12.
func FormatValue(v float64, u Unit) string {
	return FormatNumber(v) + u.String()
}

// FormatNumber prints v with about four significant digits (more for large
// integers), without trailing zeros or an exponent.
func FormatNumber(v float64) string {
	a := math.Abs(v)
	decimals := 0
	switch {
	case a == 0 || a >= 1000:
		decimals = 0
	case a >= 100:
		decimals = 1
	case a >= 1:
		decimals = 2
	default:
		// Three significant digits below 1: 0.0271.
		decimals = 2 - int(math.Floor(math.Log10(a)))
		if decimals > 12 {
			decimals = 12
		}
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// formatDuration prints a window length the way the language writes it.
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dmin", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
