package sim

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"jmtune/internal/limiter"
	"jmtune/jtl"
)

// record is one completed sample, kept compact; Run.Sample expands it.
type record struct {
	th      *thread
	s       *Sampler
	headers []limiter.Header // rate-limit headers of a limited response
	start   int64            // ns
	end     int64            // ns
	connect int64            // ns
	arrive  int64            // server time of the response (Date header)
	jitter  int32            // timestamp noise, ms
	code    int16
	attempt int16 // retry number
	urlID   int16 // script id in the URL (0: none)
	grp     int32
	all     int32
}

// record appends the sample that th completes at end.
func (e *engine) record(th *thread, end int64) {
	r := record{th: th, s: th.cur, headers: th.headers, start: th.sendAt, end: end, connect: th.connect,
		arrive: th.arrive, code: int16(th.code), attempt: int16(th.attempt), urlID: int16(th.urlID),
		grp: int32(e.active[th.g]), all: int32(e.activeTotal)}
	if j := int64(e.cfg.Output.TimestampJitter); j > 0 {
		r.jitter = int32((e.outRng.Int64N(2*j+1) - j) / 1e6)
	}
	e.run.recs = append(e.run.recs, r)
}

// retryOf returns the retry policy of sampler s in group g.
func (c *Config) retryOf(g int, s *Sampler) Retry {
	if s.Retry != nil {
		return *s.Retry
	}
	return c.Groups[g].Retry
}

// sampleFields are the fields a simulated sample carries (JMeter 5.x defaults).
var sampleFields = jtl.Fields5x

// Len returns the number of samples.
func (r *Run) Len() int { return len(r.recs) }

// Sample fills s with sample i (completion order), reusing its slices.
// Timestamp is what the result file says (the start, or the end with
// Output.EndTimestamps, plus any jitter); Start is derived from it as a
// reader would.
func (r *Run) Sample(i int, s *jtl.Sample) { r.sample(i, s, !r.Config.Output.NoHeaders) }

// sample fills s; withHeaders builds the response header block.
func (r *Run) sample(i int, s *jtl.Sample, withHeaders bool) {
	rec := &r.recs[i]
	th := rec.th
	code := int(rec.code)
	vars := s.Variables[:0]
	*s = jtl.Sample{
		Has:         sampleFields,
		Start:       rec.start / 1e6,
		Elapsed:     (rec.end - rec.start + 500_000) / 1e6,
		Connect:     (rec.connect + 500_000) / 1e6,
		Label:       rec.s.Label,
		ThreadName:  th.name,
		DataType:    "text",
		Success:     code < 400,
		SentBytes:   150,
		GrpThreads:  int(rec.grp),
		AllThreads:  int(rec.all),
		SampleCount: 1,
	}
	if rec.attempt > 0 && r.Config.retryOf(th.g, rec.s).LabelRetries {
		s.Label = jtl.RetryLabel(rec.s.Label, int(rec.attempt))
	}
	s.ResponseCode = codeString(code)
	s.ResponseMessage = http.StatusText(code)
	if rec.s.Method == "POST" {
		s.SentBytes = 210
	}
	s.URL = r.url(rec)
	var date string
	hlen := headerLen(code, rec.headers)
	if withHeaders {
		date = r.Config.Server.Responder.Date(rec.arrive)
		s.Headers = jtl.Headers(headerBlock(code, rec.headers, date))
	}
	switch {
	case code == 200 && rec.s.Bytes > 0:
		s.Bytes = int64(rec.s.Bytes)
	case code == 200 && rec.s.Method == "POST":
		s.Bytes = int64(hlen) + 120 // a token response
	case code == 200:
		s.Bytes = int64(hlen) + 3000
	default:
		s.Bytes = int64(hlen + len(`{"message":"`+s.ResponseMessage+`","status":`) + 5)
	}
	// Latency is the first byte; a large body takes a little longer.
	lat := rec.end - rec.start - s.Bytes*80
	s.Latency = (max(lat, 0) + 500_000) / 1e6
	for _, name := range r.Variables() {
		if name == jtl.VarDate && date == "" {
			date = r.Config.Server.Responder.Date(rec.arrive)
		}
		vars = append(vars, jtl.Variable{Name: name, Value: varValue(name, rec.headers, date), Set: true})
	}
	if len(vars) > 0 {
		s.Variables = vars
	}
	s.Timestamp = s.Start
	if r.Config.Output.EndTimestamps {
		s.Timestamp = s.Start + s.Elapsed
	}
	if rec.jitter != 0 {
		s.Timestamp += int64(rec.jitter)
		s.Start = s.Timestamp
		if r.Config.Output.EndTimestamps {
			s.Start = s.Timestamp - s.Elapsed
		}
	}
}

// url returns the request URL of rec.
func (r *Run) url(rec *record) string {
	host := r.Config.Server.Host
	if host == "" {
		host = "api.example.test"
	}
	path := rec.s.Path
	if rec.urlID > 0 {
		path = strings.Replace(path, "{id}", strconv.Itoa(int(rec.urlID)), 1)
	}
	return "http://" + host + path
}

// Samples returns all samples in completion order (allocating each; for a
// large run prefer Sample or Source).
func (r *Run) Samples() []jtl.Sample {
	out := make([]jtl.Sample, len(r.recs))
	for i := range out {
		r.Sample(i, &out[i])
	}
	return out
}

var codeStrings = map[int]string{200: "200", 429: "429", 500: "500", 503: "503"}

func codeString(c int) string {
	if s, ok := codeStrings[c]; ok {
		return s
	}
	return strconv.Itoa(c)
}

// headerLen returns len(headerBlock(code, hs, date)) without building it
// (an HTTP-date is always 29 bytes).
func headerLen(code int, hs []limiter.Header) int {
	n := len("HTTP/1.1 ") + len(codeString(code)) + 1 + len(http.StatusText(code)) +
		len("\nContent-Type: application/json\n") + len("Date: ") + 29 + 1
	for _, h := range hs {
		n += len(h.Name) + 2 + len(h.Value) + 1
	}
	return n
}

// headerBlock returns the response header block as JMeter saves it.
func headerBlock(code int, hs []limiter.Header, date string) string {
	var b strings.Builder
	b.Grow(96 + 40*len(hs))
	b.WriteString("HTTP/1.1 ")
	b.WriteString(codeString(code))
	b.WriteByte(' ')
	b.WriteString(http.StatusText(code))
	b.WriteString("\nContent-Type: application/json\n")
	for _, h := range hs {
		b.WriteString(h.Name)
		b.WriteString(": ")
		b.WriteString(h.Value)
		b.WriteByte('\n')
	}
	b.WriteString("Date: ")
	b.WriteString(date)
	b.WriteByte('\n')
	return b.String()
}

// varValue is what jmtune tune's header extractors put in a sample variable
// ("" when the header is absent, the extractors' default).
func varValue(name string, hs []limiter.Header, date string) string {
	get := func(names ...string) string {
		for _, n := range names {
			for _, h := range hs {
				if strings.EqualFold(h.Name, n) {
					return h.Value
				}
			}
		}
		return ""
	}
	switch name {
	case jtl.VarRetryAfter:
		return get("Retry-After")
	case jtl.VarRLLimit:
		return get("X-RateLimit-Limit", "RateLimit-Limit", "inin-ratelimit-allowed")
	case jtl.VarRLRemaining:
		return get("X-RateLimit-Remaining", "RateLimit-Remaining")
	case jtl.VarRLReset:
		return get("X-RateLimit-Reset", "RateLimit-Reset", "inin-ratelimit-reset")
	case jtl.VarRLPolicy:
		return get("RateLimit-Policy")
	case jtl.VarRateLimit:
		return get("RateLimit")
	case jtl.VarDate:
		return date
	}
	return get(name)
}

// Variables returns the sample_variables the run's samples carry.
func (r *Run) Variables() []string {
	if r.Config.Output.Variables != nil {
		return r.Config.Output.Variables
	}
	return DefaultVariables
}

// WriteCSV writes the samples as a JMeter 5.x CSV file: the 17 default
// columns with a header, then the sample variables.
func (r *Run) WriteCSV(w io.Writer) error {
	return r.WriteCSVConfig(w, jtl.CSV5x(r.Variables()...))
}

// WriteCSV213 writes the samples as JMeter 2.13 writes them by default: 12
// columns, no header line, then the sample variables.
func (r *Run) WriteCSV213(w io.Writer) error {
	return r.WriteCSVConfig(w, jtl.CSV213(r.Variables()...))
}

// WriteCSVConfig writes the samples as CSV with the given layout.
func (r *Run) WriteCSVConfig(w io.Writer, cfg jtl.CSVWriterConfig) error {
	cw := jtl.NewCSVWriter(w, cfg)
	var s jtl.Sample
	for i := range r.recs {
		r.sample(i, &s, false)
		if err := cw.Write(&s); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteXML writes the samples as a JMeter XML result file with response
// headers (Retry-After, Date, rate-limit headers) and the sample variables
// as attributes.
func (r *Run) WriteXML(w io.Writer) error {
	xw := jtl.NewXMLWriter(w)
	var s jtl.Sample
	for i := range r.recs {
		r.Sample(i, &s)
		if err := xw.Write(&s); err != nil {
			return err
		}
	}
	return xw.Close()
}

// Source returns the samples as a jtl.Source (in completion order, as a
// reader of the written file would return them), named name.
func (r *Run) Source(name string) jtl.Source {
	return &runSource{r: r, i: -1, name: name}
}

// runSource is a jtl.Source over a Run.
type runSource struct {
	r    *Run
	i    int
	name string
	s    jtl.Sample
}

func (rs *runSource) Scan() bool {
	if rs.i+1 >= len(rs.r.recs) {
		rs.i = len(rs.r.recs)
		return false
	}
	rs.i++
	rs.r.Sample(rs.i, &rs.s)
	rs.s.File, rs.s.Source, rs.s.Line = rs.name, rs.name, rs.i+2
	return true
}

func (rs *runSource) Sample() *jtl.Sample     { return &rs.s }
func (rs *runSource) Err() error              { return nil }
func (rs *runSource) Warnings() []jtl.Warning { return nil }
func (rs *runSource) Skipped() int            { return 0 }
func (rs *runSource) Close() error            { return nil }
