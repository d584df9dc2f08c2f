// Package jtlgen writes synthetic JMeter results for benchmarks and tests:
// a JMeter 5.6 CSV with the 17 default columns and a header, plus a
// "retryAfter" sample_variables column, as a run against a rate-limited
// contact-centre API would leave it.
//
// The content is realistic where it matters to a reader's speed: a mix of
// labels, codes (about 15 % 429 with Retry-After 1..15 s) and thread names;
// quoted failure messages with commas, doubled quotes and some embedded
// newlines; rows written in sample-end order, so that timeStamp (the
// start) is slightly out of order, as JMeter writes them. A row averages
// about 150 bytes. The output depends only on Config.
package jtlgen

import (
	"bufio"
	"container/heap"
	"io"
	"math/rand"
	"strconv"
)

// Config sets what Write generates. Zero fields take the defaults.
type Config struct {
	Rows    int   // number of sample rows (default 1000)
	Seed    int64 // random seed (default 1)
	Start   int64 // epoch ms of the first sample (default 1718000000000)
	Threads int   // active threads (default 200)
	// RatePerSec is the mean number of samples started per second
	// (default 1000).
	RatePerSec int
}

// Header is the header line Write starts with (without the line end).
const Header = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect,\"retryAfter\""

type endpoint struct {
	label, path string
	weight      int
	ids         int // distinct ids appended to the path (0: none)
	method      string
}

var endpoints = []endpoint{
	{"POST /oauth/token", "/oauth/token", 4, 0, "POST"},
	{"GET script", "/api/v2/scripts/", 55, 400, "GET"},
	{"GET agent", "/api/v2/agents/me", 15, 0, "GET"},
	{"PUT agent status", "/api/v2/agents/me/status", 10, 0, "PUT"},
	{"GET queues", "/api/v2/routing/queues?pageSize=25", 10, 0, "GET"},
	{"GET conversation", "/api/v2/conversations/", 6, 2000, "GET"},
}

var failureMessages = []string{
	`Test failed: text expected to contain /"status":"ok"/`,
	"Assertion failed: expected 200, got 500, body: {\"error\":\"upstream\",\"detail\":\"timeout, retry later\"}",
	"JSON path $.script.id expected to be 42,\nbut found null\n(response was {\"script\":null})",
	"Response was null",
}

type pending struct {
	end  int64
	line []byte
}

type pendingHeap []pending

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].end < h[j].end }
func (h pendingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)        { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Write writes the header and c.Rows rows to w.
func Write(w io.Writer, c Config) error {
	if c.Rows <= 0 {
		c.Rows = 1000
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Start == 0 {
		c.Start = 1718000000000
	}
	if c.Threads <= 0 {
		c.Threads = 200
	}
	if c.RatePerSec <= 0 {
		c.RatePerSec = 1000
	}
	rng := rand.New(rand.NewSource(c.Seed))
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(Header)
	bw.WriteByte('\n')
	total := 0
	for _, e := range endpoints {
		total += e.weight
	}
	threads := make([]string, c.Threads)
	for i := range threads {
		threads[i] = "Agents 1-" + strconv.Itoa(i+1)
	}
	var h pendingHeap
	// Each thread runs one sample at a time: its next sample starts after
	// the previous one ended and a think time chosen so that all threads
	// together start about RatePerSec samples per second. The thread whose
	// next start is earliest goes next; a sample is written when it ends.
	next := make([]float64, c.Threads)
	meanThink := float64(c.Threads)*1000/float64(c.RatePerSec) - 90
	if meanThink < 0 {
		meanThink = 0
	}
	for i := range next {
		next[i] = float64(c.Start) + rng.Float64()*(meanThink+90)
	}
	flush := func(until int64) {
		for h.Len() > 0 && h[0].end <= until {
			p := heap.Pop(&h).(pending)
			bw.Write(p.line)
		}
	}
	for i := 0; i < c.Rows; i++ {
		ti := 0
		for j, t := range next {
			if t < next[ti] {
				ti = j
			}
		}
		ts := int64(next[ti])
		flush(ts)
		pick := rng.Intn(total)
		var e endpoint
		for _, e = range endpoints {
			if pick < e.weight {
				break
			}
			pick -= e.weight
		}
		elapsed := int64(5 + rng.ExpFloat64()*80)
		if elapsed > 5000 {
			elapsed = 5000
		}
		code, msg, success, failure, retry := "200", "OK", true, "", ""
		bytes := 400 + rng.Intn(3000)
		r := rng.Float64()
		switch {
		case e.method != "POST" && r < 0.15:
			code, msg, success = "429", "Too Many Requests", false
			retry = strconv.Itoa(1 + rng.Intn(15))
			bytes = 210 + rng.Intn(20)
			elapsed = 2 + elapsed/8
		case r < 0.16:
			code, msg, success = "500", "Internal Server Error", false
			failure = failureMessages[rng.Intn(len(failureMessages))]
		case r < 0.165:
			code, msg, success = "Non HTTP response code: java.net.SocketTimeoutException", "Non HTTP response message: Read timed out", false
			elapsed = 10000
			bytes = 2000 + rng.Intn(100)
		case r < 0.18:
			success = false
			failure = failureMessages[rng.Intn(len(failureMessages))]
		}
		path := e.path
		if e.ids > 0 {
			path += strconv.Itoa(1 + rng.Intn(e.ids))
		}
		th := threads[ti]
		next[ti] = float64(ts+elapsed) + 1 + rng.Float64()*2*meanThink
		connect := int64(0)
		if rng.Intn(20) == 0 {
			connect = 20 + int64(rng.Intn(40))
		}
		latency := elapsed - int64(rng.Intn(int(elapsed/4+1)))
		line := make([]byte, 0, 200)
		line = strconv.AppendInt(line, ts, 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, elapsed, 10)
		line = append(line, ',')
		line = append(line, e.label...)
		line = append(line, ',')
		line = append(line, code...)
		line = append(line, ',')
		line = append(line, msg...)
		line = append(line, ',')
		line = append(line, th...)
		line = append(line, ",text,"...)
		line = strconv.AppendBool(line, success)
		line = append(line, ',')
		line = appendQuoted(line, failure)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(bytes), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(180+rng.Intn(120)), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(c.Threads), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(c.Threads), 10)
		line = append(line, ",https://contact-centre.example.com"...)
		line = append(line, path...)
		line = append(line, ',')
		line = strconv.AppendInt(line, latency, 10)
		line = append(line, ",0,"...)
		line = strconv.AppendInt(line, connect, 10)
		line = append(line, ',')
		line = append(line, retry...)
		line = append(line, '\n')
		heap.Push(&h, pending{end: ts + elapsed, line: line})
	}
	flush(1 << 62)
	return bw.Flush()
}

// appendQuoted appends s as JMeter writes a CSV field: quoted, with its
// quotes doubled, when it holds a comma, a quote, CR or LF. It is kept
// apart from jtl.AppendCSVField on purpose: the generator feeds the reader's
// tests and benchmarks, so it must not share code with the package it checks.
func appendQuoted(b []byte, s string) []byte {
	need := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			need = true
			break
		}
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
