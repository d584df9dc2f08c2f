// Package demodata holds the seed case that jmtune demo runs on: a failing
// JMeter run and the plan that produced it, embedded so that the demo works
// offline with no input.
//
// The seed case is a contact-centre cloud API: 200 agents log in (OAuth
// token) and then fetch their agent script again and again, about 100
// requests per second at the peak. The API allows 1500 requests per 15 s
// window shared by the whole organisation and answers 429 with a Retry-After
// that counts down to the window's end (1..15 s, which looks random to the
// agents). Their client retries a 429 after 1, 2 and 4 s whatever
// Retry-After says.
//
// The run is not a recording: it is played by the simulator (internal/sim)
// against that limiter, with the load of the plan, and written as JMeter 5.6
// writes CSV results (17 columns with a header, plus the retryAfter sample
// variable). gen/main.go writes both files; regenerate them with
//
//	go generate ./internal/demodata
package demodata

//go:generate go run ./gen

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
)

// RunFile and PlanFile are the names the demo gives the seed run and plan
// when it writes them out.
const (
	RunFile  = "seed-run.csv"
	PlanFile = "seed-plan.jmx"
)

//go:embed seed-run.csv.gz
var runGz []byte

//go:embed seed-plan.jmx
var plan []byte

// Run returns the seed run: JMeter 5.6 CSV results, decompressed as they are
// read.
func Run() (io.ReadCloser, error) {
	return gzip.NewReader(bytes.NewReader(runGz))
}

// RunGzip returns the seed run as stored: the gzip-compressed CSV file.
func RunGzip() []byte { return bytes.Clone(runGz) }

// Plan returns the seed plan (JMeter 5.6 JMX) that made the run.
func Plan() []byte { return bytes.Clone(plan) }
