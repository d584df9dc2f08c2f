// Package jtl reads Apache JMeter result files (JTL): CSV with or without a
// header in any JMeter 2.13-5.6 layout, and XML with response headers.
//
// The reader is scanner-style and streams: memory does not grow with the
// number of rows.
//
//	r, err := jtl.Open([]string{"results.jtl"}, jtl.Options{})
//	if err != nil { ... }
//	defer r.Close()
//	for r.Scan() {
//		s := r.Sample() // reused by the next Scan; Clone to keep it
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//	for _, w := range r.Warnings() { ... } // skipped rows, truncated tail, guessed layout
//
// Bad rows are not fatal: each is reported as a Warning ("file:line: what was
// wrong") and skipped, unless Options.Strict is set.
package jtl

import (
	"strconv"
	"strings"
)

// Field is a bit set of the JTL fields a Sample carries. A field that the file
// did not write (its save flag was off, or the value was "null") is unset; its
// Sample member then holds the zero value.
type Field uint32

// Fields that a JTL may carry, in JMeter's canonical CSV column order.
const (
	FieldTimestamp Field = 1 << iota
	FieldElapsed
	FieldLabel
	FieldResponseCode
	FieldResponseMessage
	FieldThreadName
	FieldDataType
	FieldSuccess
	FieldFailureMessage
	FieldBytes
	FieldSentBytes
	FieldGrpThreads
	FieldAllThreads
	FieldURL
	FieldFilename
	FieldLatency
	FieldEncoding
	FieldSampleCount
	FieldErrorCount
	FieldHostname
	FieldIdleTime
	FieldConnect
)

// Sample is one JMeter sample result (one CSV row or one XML sample element).
//
// Times are in milliseconds: Timestamp is the raw timeStamp column; Start is
// the sample start in epoch ms after the reader decided whether timeStamp is
// the start or the end of the sample (see TimestampMode).
type Sample struct {
	// File and Line locate the sample in its input (Line is 1-based; for a
	// CSV record spanning several lines, its first line).
	File string
	Line int

	Has Field // which fields the input carried

	Timestamp int64 // raw timeStamp, epoch ms
	Start     int64 // sample start, epoch ms
	Elapsed   int64 // ms
	Latency   int64 // ms to first byte
	Connect   int64 // ms to connect
	IdleTime  int64 // ms

	Label           string
	ResponseCode    string
	ResponseMessage string
	Success         bool
	FailureMessage  string // first failed assertion message (CSV column or XML assertionResult)
	ThreadName      string // e.g. "Agents 1-7" or, distributed 5.x, "10.0.0.5:1099-Agents 1-7"
	DataType        string
	Bytes           int64
	SentBytes       int64
	GrpThreads      int // active threads in this sample's thread group (on its engine)
	AllThreads      int // active threads in all groups (on its engine)
	URL             string
	Filename        string
	Encoding        string
	SampleCount     int // 1 unless JMeter ran in Statistical remote mode
	ErrorCount      int
	Hostname        string

	// Engine identifies the JMeter engine that made the sample in a
	// distributed or merged run: the Hostname column, else the "host:port-"
	// thread-name prefix (5.x), else "" (single engine). Source is the input
	// file name, so that independent runs merged later can be kept apart.
	Engine string
	Source string

	// Variables are the sample_variables columns (CSV) or attributes (XML),
	// in file order. An unset variable ("null" in CSV) has Set false.
	Variables []Variable

	// Headers are the raw response headers (XML with responseHeaders=true);
	// empty otherwise. See Headers.Get and RateLimit.
	Headers Headers

	// Assertions are the assertion results (XML only).
	Assertions []Assertion

	// Children are nested sub-samples (XML), in file order: redirects,
	// embedded resources, Transaction Controller children. A reader never
	// returns a child as a top-level Sample, so nothing is counted twice.
	Children []Sample

	// Transaction is true for Transaction Controller parent samples (the
	// responseMessage starts with "Number of samples in transaction").
	Transaction bool
	// SubResult is true for CSV rows that JMeter 5.x wrote for a sub-result
	// of the preceding sample (label "<parent>-<n>" right after "<parent>").
	SubResult bool
}

// Variable is one sample_variables value.
type Variable struct {
	Name  string
	Value string
	Set   bool // false when JMeter wrote "null" (variable not set)
}

// Assertion is one XML assertionResult.
type Assertion struct {
	Name           string
	Failure        bool
	Error          bool
	FailureMessage string
}

// End returns the sample end time in epoch ms.
func (s *Sample) End() int64 { return s.Start + s.Elapsed }

// Var returns the value of the sample variable name (case-sensitive) and
// whether it was present and set.
func (s *Sample) Var(name string) (string, bool) {
	for i := range s.Variables {
		if s.Variables[i].Name == name {
			return s.Variables[i].Value, s.Variables[i].Set
		}
	}
	return "", false
}

// Code returns the HTTP status code as a number, or 0 when the response code
// is not numeric (for example "Non HTTP response code: java.net.SocketTimeoutException").
func (s *Sample) Code() int {
	c := s.ResponseCode
	if len(c) != 3 {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 100 || n > 999 {
			return 0
		}
		return n
	}
	n := 0
	for i := 0; i < 3; i++ {
		d := c[i] - '0'
		if d > 9 {
			return 0
		}
		n = n*10 + int(d)
	}
	return n
}

// Clone returns a deep copy of s that later Scans do not overwrite.
func (s *Sample) Clone() *Sample {
	c := *s
	c.Variables = append([]Variable(nil), s.Variables...)
	c.Assertions = append([]Assertion(nil), s.Assertions...)
	if s.Children != nil {
		c.Children = make([]Sample, len(s.Children))
		for i := range s.Children {
			c.Children[i] = *s.Children[i].Clone()
		}
	}
	return &c
}

// TransactionPrefix starts the responseMessage of a Transaction Controller
// parent sample; JMeter's dashboard uses the same test.
const TransactionPrefix = "Number of samples in transaction"

// Retry labels. jmtune tune labels the n-th retry of a sampler "<label> (retry n)"
// so that a later analysis can tell first attempts from retries.

// RetryLabel returns the label jmtune gives the n-th retry (n >= 1) of label.
func RetryLabel(label string, n int) string {
	return label + " (retry " + strconv.Itoa(n) + ")"
}

// SplitRetryLabel splits a label written by RetryLabel into the base label
// and the retry number; for any other label it returns (label, 0).
func SplitRetryLabel(label string) (base string, retry int) {
	if !strings.HasSuffix(label, ")") {
		return label, 0
	}
	i := strings.LastIndex(label, " (retry ")
	if i < 0 {
		return label, 0
	}
	n, err := strconv.Atoi(label[i+len(" (retry ") : len(label)-1])
	if err != nil || n < 1 {
		return label, 0
	}
	return label[:i], n
}

// Sample variable names that jmtune tune writes into sample_variables, and
// that the analysis reads (together with response headers in XML results).
const (
	VarRetryAfter  = "retryAfter"  // Retry-After header value, raw
	VarRLLimit     = "rlLimit"     // X-RateLimit-Limit / RateLimit-Limit / inin-ratelimit-allowed
	VarRLRemaining = "rlRemaining" // X-RateLimit-Remaining / RateLimit-Remaining
	VarRLReset     = "rlReset"     // X-RateLimit-Reset / RateLimit-Reset / inin-ratelimit-reset
	VarRLPolicy    = "rlPolicy"    // RateLimit-Policy
	VarRateLimit   = "rateLimit"   // RateLimit (IETF draft structured field)
	VarDate        = "respDate"    // Date response header (for HTTP-date Retry-After)
)

// ThreadGroup returns the thread group name in ThreadName: without the
// "host:port-" prefix of distributed JMeter 5.x runs and without the
// " <group>-<thread>" numbers, e.g. "Agents" for "10.0.0.5:1099-Agents 1-7".
func (s *Sample) ThreadGroup() string {
	n := s.ThreadName
	if e := threadEngine(n); e != "" {
		n = n[len(e)+1:]
	}
	i := strings.LastIndexByte(n, ' ')
	if i < 0 {
		return n
	}
	num := n[i+1:]
	dash := strings.IndexByte(num, '-')
	if dash <= 0 || dash == len(num)-1 {
		return n
	}
	for j := 0; j < len(num); j++ {
		if j != dash && (num[j] < '0' || num[j] > '9') {
			return n
		}
	}
	return n[:i]
}
