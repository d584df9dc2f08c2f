package criteria

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"jmtune/jtl"
)

// t0 is the start of the synthetic runs below (2026-11-26T19:00:00Z).
const t0 = int64(1795719600000)

// syntheticRun returns the samples of a 60 s run whose statistics are known
// by construction:
//
//   - "GET script": 600 samples, one every 100 ms from t0; sample i takes
//     10 + i%100 ms, so every value 10..109 ms occurs 6 times. Samples
//     i = 200, 205, ..., 395 (40 samples, all in the second 20 s window) are
//     429s (success=false); the rest are 200.
//   - "POST /oauth/token": 4 samples at t0+50, t0+1050, ... of 200 ms; the
//     third is a 500 (success=false).
//   - one Transaction Controller parent "Login flow" of 5000 ms and one 5.x
//     sub-result "GET script-0", both excluded by default.
func syntheticRun() []jtl.Sample {
	var ss []jtl.Sample
	for i := 0; i < 600; i++ {
		s := jtl.Sample{Start: t0 + int64(i)*100, Elapsed: int64(10 + i%100), Label: "GET script",
			ResponseCode: "200", Success: true, ThreadName: fmt.Sprintf("Agents 1-%d", i%4+1), SampleCount: 1}
		if i >= 200 && i < 400 && i%5 == 0 {
			s.ResponseCode, s.Success = "429", false
		}
		ss = append(ss, s)
	}
	for j := 0; j < 4; j++ {
		s := jtl.Sample{Start: t0 + 50 + int64(j)*1000, Elapsed: 200, Label: "POST /oauth/token",
			ResponseCode: "200", Success: true, ThreadName: "Agents 1-9", SampleCount: 1}
		if j == 2 {
			s.ResponseCode, s.Success = "500", false
		}
		ss = append(ss, s)
	}
	ss = append(ss,
		jtl.Sample{Start: t0 + 10, Elapsed: 5000, Label: "Login flow", ResponseCode: "200", Success: true,
			ResponseMessage: jtl.TransactionPrefix + " : 2, number of failing samples : 0", Transaction: true, SampleCount: 1},
		jtl.Sample{Start: t0 + 20, Elapsed: 4000, Label: "GET script-0", ResponseCode: "500", Success: false,
			SubResult: true, SampleCount: 1},
	)
	return ss
}

// evaluate parses crits and evaluates them over samples.
func evaluate(t *testing.T, samples []jtl.Sample, opts Options, crits ...string) []Outcome {
	t.Helper()
	var cs []*Criterion
	for i, s := range crits {
		c, err := Parse(s, fmt.Sprintf("criterion %d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	e := NewEvaluator(cs, opts)
	for i := range samples {
		e.Add(&samples[i])
	}
	return e.Outcomes()
}

func TestEvaluateSubjects(t *testing.T) {
	// GET script: elapsed values 10..109 ms, 6 samples each (600 in all).
	// Nearest rank round(q*600): p50 -> rank 300 -> the 50th value (59 ms);
	// p90 -> 540 -> 90th (99); p95 -> 570 -> 95th (104); p99 -> 594 -> 99th
	// (108). avg = (10+109)/2 = 59.5. Its span is t0 .. t0+59900+109.
	getSpanS := (59900.0 + 109) / 1000
	// All 604 counted samples: first start t0, last end t0+60009 (GET 599).
	tests := []struct {
		crit     string
		measured float64
		status   Status
	}{
		{"samples > 600", 604, Pass},
		{"samples of \"GET script\" >= 601", 600, Fail},
		{"samples of POST* <= 4", 4, Pass},
		{"rc429 < 10", 40, Fail},
		{"rc429 <= 40", 40, Pass},
		{"rc429 < 6.7%", 100 * 40.0 / 604, Pass},
		{"rc429 of \"GET script\" < 6.6%", 100 * 40.0 / 600, Fail},
		{"rc4xx <= 40", 40, Pass},
		{"rc5?? < 1", 1, Fail},
		{"rc50x of POST* <= 25%", 25, Pass},
		{"rc2xx >= 563", 563, Pass},
		{"errors <= 41", 41, Pass},
		{"errors < 6.5%", 100 * 41.0 / 604, Fail},
		{"p50 of \"GET script\" <= 59ms", 59, Pass},
		{"p90 of \"GET script\" < 99ms", 99, Fail},
		{"p95 of \"GET script\" <= 104ms", 104, Pass},
		{"p99 of \"GET script\" < 0.108s", 108, Fail},
		{"avg of \"GET script\" < 60ms", 59.5, Pass},
		{"avg of POST* < 0.2s", 200, Fail},
		{"throughput of \"GET script\" >= 10/s", 600 / getSpanS, Fail},
		{"throughput of \"GET script\" > 599/min", 600 / getSpanS, Pass},
	}
	var crits []string
	for _, tt := range tests {
		crits = append(crits, tt.crit)
	}
	out := evaluate(t, syntheticRun(), Options{}, crits...)
	for i, tt := range tests {
		o := out[i]
		if !o.HasValue || math.Abs(o.Measured-tt.measured) > 1e-9 || o.Status != tt.status {
			t.Errorf("%s: measured %v (has %v) status %s; want %v %s (%s)", tt.crit, o.Measured, o.HasValue, o.Status, tt.measured, tt.status, o.Detail)
		}
	}
}

func TestEvaluateExcludes(t *testing.T) {
	// The transaction parent (5000 ms) and the sub-result (a 500) are left
	// out by default and counted when asked for.
	out := evaluate(t, syntheticRun(), Options{}, "samples > 0", "rc500 < 1", "avg < 1s")
	if out[0].Measured != 604 || out[1].Measured != 1 {
		t.Errorf("default: samples %v, rc500 %v; want 604 and 1", out[0].Measured, out[1].Measured)
	}
	out = evaluate(t, syntheticRun(), Options{Transactions: true, SubResults: true}, "samples > 0", "rc500 < 1")
	if out[0].Measured != 606 || out[1].Measured != 2 {
		t.Errorf("with transactions and sub-results: samples %v, rc500 %v; want 606 and 2", out[0].Measured, out[1].Measured)
	}
}

func TestEvaluateWindows(t *testing.T) {
	// Windows of 20 s from t0: the run ends at t0+60009, so windows 0, 1 and
	// 2 are full. The 40 429s all fall in window 1 (samples 200..399), which
	// has 200 GET samples: 20% there, 0% elsewhere.
	out := evaluate(t, syntheticRun(), Options{},
		`rc429 of "GET script" < 10% for 20s`,
		`rc429 < 41 for 20s`,
		`throughput of "GET script" >= 10/s for 20s`,
		`samples of POST* >= 1 for 20s`,
		`p95 of "GET script" < 200ms for 20s`,
		`rc429 < 1 for 61s`,
	)
	o := out[0]
	if o.Status != Fail || o.Measured != 20 || o.Windows != 3 || o.Failed != 1 ||
		o.WorstStartMs != t0+20000 || o.WorstSamples != 200 {
		t.Errorf("rc429 share for 20s: %+v", o)
	}
	if !strings.Contains(o.Detail, "2026-11-26T19:00:20Z") {
		t.Errorf("detail does not name the worst window: %s", o.Detail)
	}
	if o := out[1]; o.Status != Pass || o.Measured != 40 || o.Failed != 0 {
		t.Errorf("rc429 count for 20s: %+v", o)
	}
	// 200 GET samples per 20 s window = 10/s in every window.
	if o := out[2]; o.Status != Pass || o.Measured != 10 || o.Windows != 3 {
		t.Errorf("throughput for 20s: %+v", o)
	}
	// The 4 POSTs are all in window 0; windows 1 and 2 have 0 (a count is
	// defined on an empty window), so the lowest is 0 at t0+20 s.
	if o := out[3]; o.Status != Fail || o.Measured != 0 || o.Failed != 2 || o.WorstStartMs != t0+20000 {
		t.Errorf("samples for 20s: %+v", o)
	}
	// Every window holds each elapsed value 10..109 twice: p95 = rank 190 = 104.
	if o := out[4]; o.Status != Pass || o.Measured != 104 || o.Windows != 3 {
		t.Errorf("p95 for 20s: %+v", o)
	}
	// A window longer than the run: no full window, no data.
	if o := out[5]; o.Status != NoData || o.HasValue || !strings.Contains(o.Detail, "shorter than one 61s window") {
		t.Errorf("61s window: %+v", o)
	}
}

func TestEvaluatePartialWindows(t *testing.T) {
	// A sample that starts before the first one read (files are not strictly
	// in start order) falls in window -1, which is partial and not judged;
	// so is the window after the last full one.
	ss := []jtl.Sample{
		{Start: t0, Elapsed: 10, Label: "a", ResponseCode: "200", Success: true},
		{Start: t0 - 500, Elapsed: 10, Label: "a", ResponseCode: "429"},
		{Start: t0 + 9000, Elapsed: 1500, Label: "a", ResponseCode: "200", Success: true},
		{Start: t0 + 10200, Elapsed: 10, Label: "a", ResponseCode: "429"},
	}
	out := evaluate(t, ss, Options{}, "rc429 < 1 for 10s", "rc429 < 1", "throughput >= 0/s for 10s")
	if o := out[0]; o.Status != Pass || o.Windows != 1 || o.Measured != 0 {
		t.Errorf("only window 0 [t0, t0+10s) is full; got %+v", o)
	}
	if o := out[1]; o.Status != Fail || o.Measured != 2 {
		t.Errorf("whole run counts both 429s; got %+v", o)
	}
	// window 0 holds 2 samples: 0.2/s.
	if o := out[2]; o.Measured != 0.2 {
		t.Errorf("throughput in window 0 = %v, want 0.2/s", o.Measured)
	}
}

func TestEvaluateNoData(t *testing.T) {
	out := evaluate(t, syntheticRun(), Options{},
		`p95 of "GET scirpt" < 300ms`, // a typo must not pass
		`rc429 of "GET scirpt" < 1`,
		`p95 of POST* < 1s for 20s`, // POSTs only in window 0: windows 1, 2 have no data
	)
	for _, o := range out[:2] {
		if o.Status != NoData || !strings.Contains(o.Detail, `labels seen: "GET script", "POST /oauth/token"`) {
			t.Errorf("%s: %+v", o.Criterion.Text, o)
		}
	}
	if o := out[2]; o.Status != Pass || o.Windows != 1 || o.Measured != 200 {
		t.Errorf("percentile windows without samples are skipped: %+v", o)
	}
	out = evaluate(t, []jtl.Sample{{Start: t0, Elapsed: 0, Label: "x", SampleCount: 1}}, Options{}, "throughput > 1/s")
	if out[0].Status != NoData {
		t.Errorf("a rate over a zero span: %+v", out[0])
	}
	out = evaluate(t, nil, Options{}, "samples > 0")
	if out[0].Status != NoData || out[0].Detail != "no samples" {
		t.Errorf("empty run: %+v", out[0])
	}
}

func TestEvaluateStatisticalMode(t *testing.T) {
	// A Statistical-mode row stands for SampleCount samples with ErrorCount
	// errors; its elapsed is their sum (10 samples of 10 ms here).
	ss := []jtl.Sample{
		{Start: t0, Elapsed: 100, Label: "a", ResponseCode: "200", SampleCount: 10, ErrorCount: 3, Has: jtl.FieldErrorCount},
		{Start: t0 + 1000, Elapsed: 300, Label: "a", ResponseCode: "200", Success: true, SampleCount: 1},
	}
	out := evaluate(t, ss, Options{}, "samples > 0", "errors < 1", "avg < 1s", "p50 < 1s")
	// p50 = rank round(5.5) = 6 of [10 x10, 300] = 10 ms.
	want := []float64{11, 3, (100 + 300) / 11.0, 10}
	for i, w := range want {
		if math.Abs(out[i].Measured-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", out[i].Criterion.Text, out[i].Measured, w)
		}
	}
}

func TestOutcomeMeasuredText(t *testing.T) {
	out := evaluate(t, syntheticRun(), Options{}, "p90 of \"GET script\" < 1s", "throughput of \"GET script\" < 1/min", "rc429 < 1%")
	for i, want := range []string{"0.099s", "599.9/min", "6.62%"} {
		if got := out[i].MeasuredText(); got != want {
			t.Errorf("%s: MeasuredText %q, want %q", out[i].Criterion.Text, got, want)
		}
	}
}

// BenchmarkEvaluate measures the evaluation cost per sample of a typical CI
// gate (six criteria, two of them windowed), without reading a file.
func BenchmarkEvaluate(b *testing.B) {
	crits := []string{
		"rc429 < 0.5%", "errors < 1%", `p95 of "GET script" < 300ms`,
		"p99 < 1s for 30s", `throughput of "GET script" <= 20/s for 20s`, "samples > 1000",
	}
	var cs []*Criterion
	for _, s := range crits {
		c, err := Parse(s, "bench")
		if err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c)
	}
	samples := syntheticRun()[:604]
	b.ReportAllocs()
	b.ResetTimer()
	e := NewEvaluator(cs, Options{})
	for i := 0; i < b.N; i++ {
		s := samples[i%len(samples)]
		s.Start += int64(i/len(samples)) * 60000 // later runs: new windows
		e.Add(&s)
	}
}

// TestEvaluateTransactionChildren: an XML transaction parent written with
// "Generate parent sample" holds its samples as children; they count (a
// nested transaction's too), the parents do not (unless asked for), and an
// HTTP sample's own redirect hop does not count again. The real JMeter 2.13
// file holds 4 such parents, each with a "GET login" (followed through a
// redirect) and a "GET script" answered 429.
func TestEvaluateTransactionChildren(t *testing.T) {
	leaf := func(label, code string, ok bool) jtl.Sample {
		return jtl.Sample{Start: t0, Elapsed: 10, Label: label, ResponseCode: code, Success: ok, SampleCount: 1}
	}
	login := leaf("GET login", "200", true)
	login.Children = []jtl.Sample{leaf("http://x/login?r=/home", "302", true)}
	inner := leaf("TX inner", "200", true)
	inner.ResponseMessage = jtl.TransactionPrefix + " : 1, number of failing samples : 0"
	inner.Children = []jtl.Sample{leaf("GET status", "200", true)}
	tx := leaf("TX fetch", "429", false)
	tx.Transaction = true
	tx.Children = []jtl.Sample{login, leaf("GET script", "429", false), inner}
	run := []jtl.Sample{tx}

	out := evaluate(t, run, Options{}, "samples > 0", "rc429 < 1", "rc302 < 1", "samples of \"GET status\" > 0")
	if out[0].Measured != 3 || out[1].Measured != 1 || out[2].Measured != 0 || out[3].Measured != 1 {
		t.Errorf("samples %v, rc429 %v, rc302 %v, GET status %v; want 3 leaves, 1, 0 (the hop is not a request), 1",
			out[0].Measured, out[1].Measured, out[2].Measured, out[3].Measured)
	}
	out = evaluate(t, run, Options{Transactions: true}, "samples > 0")
	if out[0].Measured != 5 {
		t.Errorf("with --transactions: samples %v; want 5 (3 leaves and 2 parents)", out[0].Measured)
	}

	src, err := jtl.Open([]string{"../../jtl/testdata/xml/jmeter213.jtl"}, jtl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var real []jtl.Sample
	for src.Scan() {
		real = append(real, *src.Sample().Clone())
	}
	out = evaluate(t, real, Options{}, "samples > 0", "rc429 < 1", "samples of \"GET login\" > 0")
	if out[0].Measured != 8 || out[1].Measured != 4 || out[2].Measured != 4 {
		t.Errorf("jmeter213.jtl: samples %v, rc429 %v, GET login %v; want 8, 4, 4", out[0].Measured, out[1].Measured, out[2].Measured)
	}
}

// TestEvaluateTransactionSubResults: JMeter 5.x writes the samples of a
// transaction parent as sub-result rows "<TX>-n" after it in CSV; they
// count, where an HTTP sample's sub-result rows (its redirect hops) do not.
func TestEvaluateTransactionSubResults(t *testing.T) {
	row := func(label string, sub, tx bool) jtl.Sample {
		return jtl.Sample{Start: t0, Elapsed: 10, Label: label, ResponseCode: "200", Success: true, SampleCount: 1, SubResult: sub, Transaction: tx}
	}
	run := []jtl.Sample{row("TX", false, true), row("TX-0", true, false), row("TX-1", true, false),
		row("GET home", false, false), row("GET home-0", true, false)}
	out := evaluate(t, run, Options{}, "samples > 0")
	if out[0].Measured != 3 {
		t.Errorf("samples %v; want 3 (TX-0, TX-1, GET home)", out[0].Measured)
	}
}
