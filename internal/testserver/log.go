package testserver

import (
	"bufio"
	"io"
	"strconv"

	"jmtune/internal/limiter"
	"jmtune/jtl"
)

// Record is one request as the server decided it. Records are kept in
// decision order (Seq 1, 2, ...).
type Record struct {
	Seq        int
	RecvUnixNs int64 // server receive time, Unix ns (start + monotonic offset)
	MonoNs     int64 // ns since the server started
	Key        string
	Method     string
	Path       string
	Token      string // bearer token of an API request ("" otherwise)
	Code       int    // status sent

	// Limited is true when the request went through the limiter; the quota
	// fields below are then set (from the binding level).
	Limited   bool
	Counted   bool // charged to the quota
	Remaining int
	Limit     int
	Used      int
	// WaitS is the exact time until a request would have been admitted
	// (rejected requests), seconds.
	WaitS float64
	// RetryAfter is the Retry-After header sent ("" when none); RetryAfterS
	// the delay it means in seconds (an HTTP-date minus the Date header).
	RetryAfter  string
	RetryAfterS float64
	ResetS      float64 // seconds until the quota next grows
	QueueMs     float64 // leaky-queue delay of an admitted request
	Date        string  // Date header sent
	Headers     []limiter.Header
}

// Admitted reports whether the request was served (2xx).
func (r Record) Admitted() bool { return r.Code >= 200 && r.Code < 300 }

func (s *Server) appendLog(r Record) {
	r.Seq = len(s.log) + 1
	s.log = append(s.log, r)
}

// Log returns a copy of the decision log so far.
func (s *Server) Log() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.log...)
}

// LogColumns are the CSV columns of WriteLogCSV: the scenarios' server log
// columns, then queue_ms and retry_after_header. retry_after is the delay in
// seconds (empty when none); counted is 1 when the request was charged to
// the quota.
const LogColumns = "seq,recv_unix_ms,mono_ns,key,method,path,decision,counted,remaining,limit,used,retry_after,reset_s,queue_ms,retry_after_header"

// WriteLogCSV writes the decision log as CSV with a header (LogColumns).
func (s *Server) WriteLogCSV(w io.Writer) error {
	return WriteLogCSV(w, s.Log())
}

// WriteLogCSV writes records as CSV with a header (LogColumns).
func WriteLogCSV(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(LogColumns + "\n")
	var b []byte
	for _, r := range recs {
		b = b[:0]
		b = strconv.AppendInt(b, int64(r.Seq), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, r.RecvUnixNs/1e6, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, r.MonoNs, 10)
		b = append(b, ',')
		b = jtl.AppendCSVField(b, r.Key, ',')
		b = append(b, ',')
		b = jtl.AppendCSVField(b, r.Method, ',')
		b = append(b, ',')
		b = jtl.AppendCSVField(b, r.Path, ',')
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.Code), 10)
		b = append(b, ',')
		if r.Counted {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
		b = append(b, ',')
		if r.Limited {
			b = strconv.AppendInt(b, int64(r.Remaining), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(r.Limit), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(r.Used), 10)
		} else {
			b = append(b, ",,"...)
		}
		b = append(b, ',')
		if r.RetryAfter != "" {
			b = strconv.AppendFloat(b, r.RetryAfterS, 'f', -1, 64)
		}
		b = append(b, ',')
		if r.Limited {
			b = strconv.AppendFloat(b, r.ResetS, 'f', 3, 64)
		}
		b = append(b, ',')
		if r.QueueMs > 0 {
			b = strconv.AppendFloat(b, r.QueueMs, 'f', 3, 64)
		}
		b = append(b, ',')
		b = jtl.AppendCSVField(b, r.RetryAfter, ',')
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}
