package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"jmtune/analysis"
	"jmtune/internal/limiter"
	"jmtune/internal/testenv"
	"jmtune/internal/testserver"
	"jmtune/jtl"
	"jmtune/report"
)

// The end-to-end test shows jmtune's promise with real JMeter: hand over the
// failing run and the plan, and the next run reaches the API's limit without
// 429s.
//
// The API is internal/testserver on 127.0.0.1: a fixed window of e2eLimit
// requests per e2eWindow shared by all clients (windows from the server's
// start), Retry-After = seconds to the window's end (rounded up), 20 ms ±
// 10 ms per admitted request. The plan, testdata/e2e/agents.jmx, is the seed
// case in small: 100 agents start within 5 s, each logs in once, then reads
// for 300-500 ms and fetches a call script, retrying a 429 after 1, 2, 4 s
// whatever Retry-After says. It asks for about twice what the API allows.
const (
	e2eLimit   = 1000             // requests per window
	e2eWindow  = 10 * time.Second // window length
	e2eThreads = 100
	e2eRampS   = 5
	e2eRunS    = 60 // scheduler duration of the failing run, s
	e2eRerunS  = 70 // and of the rerun: at least 5 whole windows after the ramp-up
	e2eLabel   = "GET script"
)

// Tolerances of the end-to-end test.
const (
	// e2eMax429 is the largest share of throttled requests the tuned rerun
	// may have (of all its samples).
	e2eMax429 = 0.005
	// e2eMinRate is the smallest accepted throughput of the tuned rerun as
	// a share of the limit's rate (e2eLimit/e2eWindow).
	e2eMinRate = 0.85
	// e2eRetryTolMs is the clock tolerance of "no retry before its
	// Retry-After": JMeter's and the server's timestamps are whole or
	// rounded milliseconds.
	e2eRetryTolMs = 5
	// e2eSimShareAbs is how far the simulator's predicted 429 share may be
	// from the rerun's, in share points (0.005 = 0.5 percentage points).
	e2eSimShareAbs = 0.005
	// e2eSimRateRel is how far the predicted accepted throughput may be
	// from the rerun's, relative to the rerun's.
	e2eSimRateRel = 0.12
)

// TestEndToEnd runs the whole loop with real JMeter against the test server:
//
//  1. the seed-like plan runs (CSV through -l, XML with response headers
//     through the plan's own Result Collector);
//  2. jmtune analyze on the CSV and on the XML must find the server's
//     configuration: fixed window, shared, limit ±5%, window
//     ±max(0.5 s, 2%), Retry-After counting down to the window reset;
//  3. jmtune tune rewrites the plan from the analysis;
//  4. the tuned plan reruns against the same server (after the first run's
//     last window has ended: a real rerun does not start inside the failing
//     run's spent window) and must have under 0.5% 429s, accepted
//     throughput of at least 85% of the limit's rate, and no retry before
//     its Retry-After;
//  5. jmtune check --against passes on the rerun, jmtune report writes the
//     before/after report, and jmtune simulate's prediction for the tuned
//     plan agrees with the rerun.
//
// About 2.5 minutes: two JMeter runs of 60 s plus start-up, and the wait for
// a fresh window.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs real JMeter twice for about 2.5 minutes (skipped with -short)")
	}
	jmeter := testenv.JMeter(t)
	plan, err := filepath.Abs(filepath.Join("testdata", "e2e", "agents.jmx"))
	if err != nil {
		t.Fatal(err)
	}
	runProps, _ := filepath.Abs(filepath.Join("testdata", "e2e", "run.properties"))
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }

	srv, err := testserver.Start(testserver.Config{
		Levels: []limiter.Level{{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: e2eLimit, Window: e2eWindow},
			Scope: limiter.ScopeShared}},
		Responder: limiter.Responder{RetryAfter: limiter.RetryAfter{Mode: limiter.RetryAfterReset}},
		Latency:   20 * time.Millisecond, Jitter: 10 * time.Millisecond, Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	limitRate := float64(e2eLimit) / e2eWindow.Seconds()
	jprops := func(durationS int) []string {
		return []string{"-Jhost=" + srv.Host, "-Jport=" + strconv.Itoa(srv.Port),
			"-Jthreads=" + strconv.Itoa(e2eThreads), "-Jramp=" + strconv.Itoa(e2eRampS), "-Jduration=" + strconv.Itoa(durationS)}
	}

	// 1. The failing run.
	e2eJMeter(t, jmeter, dir, plan, "before", append([]string{"-q", runProps, "-Jxmlout=" + path("before.xml")}, jprops(e2eRunS)...))
	before := e2eReadJTL(t, path("before.csv"))
	firstLog := srv.Log()
	if n := len(e2eReadJTL(t, path("before.xml"))); n != len(before) {
		t.Errorf("before.xml has %d samples, before.csv %d: the plan's Result Collector and -l should see the same samples", n, len(before))
	}
	if len(firstLog) != len(before) {
		t.Errorf("the server decided %d requests, JMeter wrote %d samples", len(firstLog), len(before))
	}
	bShare := e2eThrottledShare(before)
	t.Logf("before: %d samples, %.1f%% throttled", len(before), 100*bShare)
	if bShare < 0.05 {
		t.Fatalf("the failing run is not throttled enough to be a test (%.1f%% 429s)", 100*bShare)
	}
	bRetries, bEarly := e2eServerRetries(firstLog)
	t.Logf("before: %d retries seen by the server, %d of them before Retry-After", bRetries, bEarly)
	if bEarly == 0 {
		// The plan ignores Retry-After (1 s back-off against up to 10 s): if
		// the detector finds nothing here it would pass anything later.
		t.Errorf("the server log shows no early retry in the failing run; the retry check cannot be trusted")
	}

	// 2. Analysis: must match the server's configuration.
	stdout, stderr, code := runCLI("analyze", "--format", "json", "-o", path("analysis.json"), path("before.csv"))
	if code != 0 {
		t.Fatalf("analyze before.csv: exit %d\n%s%s", code, stdout, stderr)
	}
	ana := e2eReadAnalysis(t, path("analysis.json"))
	e2eMatchServer(t, "before.csv", ana)
	stdout, stderr, code = runCLI("analyze", "--format", "json", "-o", path("analysis-xml.json"), path("before.xml"))
	if code != 0 {
		t.Fatalf("analyze before.xml: exit %d\n%s%s", code, stdout, stderr)
	}
	e2eMatchServer(t, "before.xml", e2eReadAnalysis(t, path("analysis-xml.json")))
	if text, _, _ := runCLI("analyze", path("before.csv")); text != "" {
		t.Logf("jmtune analyze before.csv:\n%s", e2eFirstLines(text, 6))
	}

	// 3. Tune the plan from the analysis.
	tuned := path("tuned.jmx")
	stdout, stderr, code = runCLI("tune", "-t", plan, "--analysis", path("analysis.json"), "-o", tuned, "--jmeter-version", "2.13")
	if code != 0 {
		t.Fatalf("tune: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("jmtune tune:\n%s", e2eFirstLines(stdout, 4))

	// 4. Rerun the tuned plan against the same server, in a fresh window.
	lastNs := firstLog[len(firstLog)-1].RecvUnixNs
	w := e2eWindow.Nanoseconds()
	fresh := srv.StartUnixNano() + ((lastNs-srv.StartUnixNano())/w+1)*w
	if d := time.Until(time.Unix(0, fresh)); d > 0 {
		t.Logf("waiting %.1f s for the failing run's last window to end", d.Seconds())
		time.Sleep(d)
	}
	e2eJMeter(t, jmeter, dir, tuned, "rerun", append([]string{"-q", runProps, "-q", tuned + ".user.properties",
		"-Jxmlout=" + path("rerun.xml")}, jprops(e2eRerunS)...))
	rerun := e2eReadJTL(t, path("rerun.csv"))
	rerunLog := srv.Log()[len(firstLog):]
	if len(rerunLog) != len(rerun) {
		t.Errorf("the server decided %d requests in the rerun, JMeter wrote %d samples", len(rerunLog), len(rerun))
	}

	// 4a. 429 share, of all samples of the rerun (JMeter's view), and the
	// server's count of 429s in the same time.
	share := e2eThrottledShare(rerun)
	var srv429 int
	for _, r := range rerunLog {
		if r.Code == 429 {
			srv429++
		}
	}
	t.Logf("rerun: %d samples, %.2f%% throttled (server: %d 429s of %d requests)", len(rerun), 100*share, srv429, len(rerunLog))
	if share >= e2eMax429 {
		t.Errorf("rerun: %.2f%% of requests throttled, want < %.1f%%", 100*share, 100*e2eMax429)
	}

	// 4b. Accepted throughput over the steady part, measured by the server:
	// the whole server windows between the moment JMeter had all threads
	// active (first sample with the run's largest allThreads) and the last
	// request of the rerun; admitted GETs received in them over their length.
	holdMs := e2eHoldStart(rerun)
	got, nWin := e2eServerSteadyRate(rerunLog, srv.StartUnixNano(), holdMs*1e6, w)
	t.Logf("rerun: accepted %.1f req/s over %d whole windows of the steady part (%.1f%% of the limit's %.0f req/s)",
		got, nWin, 100*got/limitRate, limitRate)
	if nWin < 5 {
		t.Errorf("rerun: only %d whole windows in the steady part, want at least 5 for a stable rate", nWin)
	}
	if got < e2eMinRate*limitRate {
		t.Errorf("rerun: accepted %.1f req/s, want at least %.0f%% of the limit's rate (%.1f req/s)", got, 100*e2eMinRate, e2eMinRate*limitRate)
	}

	// 4c. No retry before its Retry-After, from both sides: JMeter's rows
	// labelled "(retry n)" against the Retry-After of the 429 they retry,
	// and the server's log (the next request of the same token to the same
	// script after a 429).
	jRetries, jEarly, worst := e2eJTLRetries(rerun)
	sRetries, sEarly := e2eServerRetries(rerunLog)
	t.Logf("rerun: %d labelled retries (%d early), server saw %d retries (%d early)", jRetries, jEarly, sRetries, sEarly)
	if jEarly > 0 {
		t.Errorf("rerun: %d of %d retries sent before their Retry-After; first: %s", jEarly, jRetries, worst)
	}
	if sEarly > 0 {
		t.Errorf("rerun: the server saw %d of %d retries before their Retry-After", sEarly, sRetries)
	}

	// 5a. jmtune check --against the analysis passes on the rerun.
	stdout, stderr, code = runCLI("check", "-l", path("rerun.csv"), "--against", path("analysis.json"))
	if code != 0 {
		t.Errorf("check --against: exit %d, want 0\n%s%s", code, stdout, stderr)
	}

	// 5b. The before/after report.
	stdout, stderr, code = runCLI("report", "-l", path("before.csv"), "--after", path("rerun.csv"), "-o", path("report"))
	if code != 0 {
		t.Fatalf("report: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, f := range []string{"index.html", "report.md", "summary.json", "compare-throughput.png"} {
		if fi, err := os.Stat(path(filepath.Join("report", f))); err != nil || fi.Size() == 0 {
			t.Errorf("report: %s missing or empty (%v)", f, err)
		}
	}
	var sum report.Summary
	if b, err := os.ReadFile(path("report/summary.json")); err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("report/summary.json: %v", err)
	}
	if sum.After == nil || sum.After.Predicted || sum.After.Requests != len(rerun) || sum.Before.Requests != len(before) {
		t.Errorf("report: summary sides do not match the runs: before %d requests (want %d), after %+v (want %d, measured)",
			sum.Before.Requests, len(before), sum.After, len(rerun))
	} else if math.Abs(sum.After.ThrottledShare-share) > 1e-4 || math.Abs(sum.Before.ThrottledShare-bShare) > 1e-4 {
		t.Errorf("report: throttled shares %.4f -> %.4f, the runs have %.4f -> %.4f", sum.Before.ThrottledShare, sum.After.ThrottledShare, bShare, share)
	}

	// 5c. The simulator's prediction for the tuned plan, with the rerun's
	// properties, against the analysis' limit; both measured the same way:
	// throttled share of all samples, and accepted GETs over the whole
	// windows (at the analysis' window grid) of the steady part.
	stdout, stderr, code = runCLI(append([]string{"simulate", "-t", tuned, "--analysis", path("analysis.json"),
		"-q", runProps, "-q", tuned + ".user.properties", "-o", path("predicted.csv")}, e2eSimProps(jprops(e2eRerunS))...)...)
	if code != 0 {
		t.Fatalf("simulate: exit %d\n%s%s", code, stdout, stderr)
	}
	predicted := e2eReadJTL(t, path("predicted.csv"))
	pShare := e2eThrottledShare(predicted)
	ws, phase := *ana.Limit.WindowS, *ana.Limit.PhaseS
	pRate, pWin := e2eJTLSteadyRate(predicted, e2eLabel, ws, phase)
	rRate, rWin := e2eJTLSteadyRate(rerun, e2eLabel, ws, phase)
	t.Logf("simulate: predicted %.2f%% throttled, %.1f req/s accepted (%d windows); rerun %.2f%%, %.1f req/s (%d windows)",
		100*pShare, pRate, pWin, 100*share, rRate, rWin)
	if math.Abs(pShare-share) > e2eSimShareAbs {
		t.Errorf("simulate: predicted 429 share %.2f%%, the rerun had %.2f%% (tolerance ±%.1f points)", 100*pShare, 100*share, 100*e2eSimShareAbs)
	}
	if rRate == 0 || math.Abs(pRate-rRate)/rRate > e2eSimRateRel {
		t.Errorf("simulate: predicted %.1f req/s accepted, the rerun had %.1f req/s (tolerance ±%.0f%%)", pRate, rRate, 100*e2eSimRateRel)
	}
}

// e2eJMeter runs a plan in JMeter (non-GUI) writing DIR/NAME.csv and
// DIR/NAME.jmeter.log, and fails the test when JMeter reports an error
// (it exits 0 even when the plan did not load) or wrote no rows.
func e2eJMeter(t *testing.T, jmeter, dir, plan, name string, args []string) {
	t.Helper()
	out, jlog := filepath.Join(dir, name+".csv"), filepath.Join(dir, name+".jmeter.log")
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(e2eRerunS+120)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, jmeter, append([]string{"-n", "-t", plan, "-l", out, "-j", jlog}, args...)...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("jmeter %s: %v\n%s", name, err, b)
	}
	t.Logf("jmeter %s: %.1f s", name, time.Since(start).Seconds())
	logText, _ := os.ReadFile(jlog)
	for _, line := range strings.Split(string(logText), "\n") {
		if strings.Contains(line, " ERROR ") || strings.Contains(line, "Error in NonGUIDriver") {
			t.Errorf("%s: %s", filepath.Base(jlog), line)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() < 1000 {
		t.Fatalf("jmeter %s wrote no results (%v); jmeter.log:\n%s\noutput:\n%s", name, err, logText, b)
	}
}

// e2eReadJTL reads a result file strictly (a malformed row fails the test).
func e2eReadJTL(t *testing.T, name string) []jtl.Sample {
	t.Helper()
	src, err := jtl.Open([]string{name}, jtl.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ss []jtl.Sample
	for src.Scan() {
		ss = append(ss, *src.Sample().Clone())
	}
	if err := src.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatalf("%s: no samples", name)
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Start < ss[j].Start })
	return ss
}

// e2eThrottledShare is the share of samples answered 429.
func e2eThrottledShare(ss []jtl.Sample) float64 {
	n := 0
	for i := range ss {
		if ss[i].ResponseCode == "429" {
			n++
		}
	}
	return float64(n) / float64(len(ss))
}

func e2eReadAnalysis(t *testing.T, name string) *analysis.Result {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var r analysis.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r
}

// e2eMatchServer checks an analysis against the server's configuration with
// the tolerances of ../shared/scenarios (limit ±5%, window ±max(0.5 s, 2%)).
func e2eMatchServer(t *testing.T, what string, r *analysis.Result) {
	t.Helper()
	l := r.Limit
	if !l.Detected || l.Algorithm != analysis.AlgoFixedWindow || l.Scope != analysis.ScopeShared {
		t.Fatalf("%s: analysis found %q %q (detected %v), want a shared fixed window", what, l.Algorithm, l.Scope, l.Detected)
	}
	if l.Limit == nil || l.WindowS == nil || l.PhaseS == nil {
		t.Fatalf("%s: analysis gave no limit, window or phase", what)
	}
	if d := math.Abs(*l.Limit - e2eLimit); d > 0.05*e2eLimit {
		t.Errorf("%s: limit %g, want %d ±5%%", what, *l.Limit, e2eLimit)
	}
	if d, tol := math.Abs(*l.WindowS-e2eWindow.Seconds()), math.Max(0.5, 0.02*e2eWindow.Seconds()); d > tol {
		t.Errorf("%s: window %g s, want %g s ±%g s", what, *l.WindowS, e2eWindow.Seconds(), tol)
	}
	if r.RetryAfter.Semantics != analysis.RASemWindowReset {
		t.Errorf("%s: Retry-After semantics %q, want %q", what, r.RetryAfter.Semantics, analysis.RASemWindowReset)
	}
	t.Logf("%s: %s %g per %.3f s, %s, Retry-After %s, confidence %s; target %.1f req/s",
		what, l.Algorithm, *l.Limit, *l.WindowS, l.Scope, r.RetryAfter.Semantics, l.Confidence, r.Recommendation.TargetRatePerS)
}

// e2eServerRetries counts, in the server's decision log, the requests that
// retry a 429: the next limited request of the same token to the same path.
// early counts those received before the 429's Retry-After had passed
// (minus e2eRetryTolMs).
func e2eServerRetries(log []testserver.Record) (retries, early int) {
	last := map[string]testserver.Record{}
	for _, r := range log {
		if !r.Limited {
			continue
		}
		if p, ok := last[r.Token]; ok && p.Code == 429 && p.Path == r.Path {
			retries++
			if float64(r.RecvUnixNs-p.RecvUnixNs)/1e6 < p.RetryAfterS*1000-e2eRetryTolMs {
				early++
			}
		}
		last[r.Token] = r
	}
	return retries, early
}

// e2eJTLRetries checks every sample labelled "<label> (retry n)": the
// previous sample of its thread must be the 429 it retries, and the retry
// must start at least that response's Retry-After (the retryAfter sample
// variable, seconds) after the response ended.
func e2eJTLRetries(ss []jtl.Sample) (retries, early int, first string) {
	prev := map[string]*jtl.Sample{}
	for i := range ss {
		s := &ss[i]
		_, n := jtl.SplitRetryLabel(s.Label)
		if p := prev[s.ThreadName]; n > 0 {
			retries++
			bad := ""
			switch ra, _ := e2eRetryAfterS(p); {
			case p == nil || p.ResponseCode != "429":
				bad = "it does not follow a 429 of its thread"
			case ra < 0:
				bad = "the 429 it retries carries no Retry-After"
			case float64(s.Start) < float64(p.End())+ra*1000-e2eRetryTolMs:
				bad = fmt.Sprintf("%d ms after a 429 with Retry-After %g s", s.Start-p.End(), ra)
			}
			if bad != "" {
				early++
				if first == "" {
					first = fmt.Sprintf("%s line %d (%s, %q): %s", s.File, s.Line, s.ThreadName, s.Label, bad)
				}
			}
		}
		prev[s.ThreadName] = s
	}
	return retries, early, first
}

// e2eRetryAfterS returns the Retry-After seconds of a sample, -1 when it has none.
func e2eRetryAfterS(s *jtl.Sample) (float64, bool) {
	if s == nil {
		return -1, false
	}
	v, ok := s.Var(jtl.VarRetryAfter)
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if !ok || err != nil {
		return -1, false
	}
	return f, true
}

// e2eHoldStart is the start (epoch ms) of the first sample at the run's
// largest thread count: from then on every thread was running.
func e2eHoldStart(ss []jtl.Sample) int64 {
	most := 0
	for i := range ss {
		most = max(most, ss[i].AllThreads)
	}
	for i := range ss {
		if ss[i].AllThreads == most {
			return ss[i].Start
		}
	}
	return ss[0].Start
}

// e2eServerSteadyRate is the admitted rate (per second) of limited requests
// in the whole server windows (origin + k·w) between fromNs and the last
// limited request of log, and the number of those windows.
func e2eServerSteadyRate(log []testserver.Record, origin, fromNs, w int64) (float64, int) {
	var endNs int64
	for _, r := range log {
		if r.Limited {
			endNs = r.RecvUnixNs
		}
	}
	first := origin + e2eCeilDiv(fromNs-origin, w)*w
	n := int((endNs - first) / w)
	if n <= 0 {
		return 0, 0
	}
	last := first + int64(n)*w
	admitted := 0
	for _, r := range log {
		if r.Limited && r.Admitted() && r.RecvUnixNs >= first && r.RecvUnixNs < last {
			admitted++
		}
	}
	return float64(admitted) / (float64(n) * float64(w) / 1e9), n
}

// e2eJTLSteadyRate is the same measure on a result file alone: accepted
// samples of label (retries "<label> (retry n)" included) starting in the
// whole windows of length ws at phase (epoch seconds mod ws) between the
// hold start and the last sample's start, over their length.
func e2eJTLSteadyRate(ss []jtl.Sample, label string, ws, phase float64) (float64, int) {
	w := int64(math.Round(ws * 1000))
	origin := int64(math.Round(phase * 1000))
	from, end := e2eHoldStart(ss), ss[len(ss)-1].Start
	first := origin + e2eCeilDiv(from-origin, w)*w
	n := int((end - first) / w)
	if n <= 0 {
		return 0, 0
	}
	last := first + int64(n)*w
	accepted := 0
	for i := range ss {
		s := &ss[i]
		if base, _ := jtl.SplitRetryLabel(s.Label); base == label && s.Start >= first && s.Start < last &&
			strings.HasPrefix(s.ResponseCode, "2") {
			accepted++
		}
	}
	return float64(accepted) / (float64(n) * float64(w) / 1000), n
}

func e2eCeilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}

// e2eSimProps keeps the -J properties that shape the load (not host/port).
func e2eSimProps(jprops []string) []string {
	var out []string
	for _, p := range jprops {
		if strings.HasPrefix(p, "-Jhost=") || strings.HasPrefix(p, "-Jport=") {
			continue
		}
		out = append(out, "-J", strings.TrimPrefix(p, "-J"))
	}
	return out
}

// e2eFirstLines returns the first n lines of s.
func e2eFirstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "")
}

// TestE2ERetryChecks checks the end-to-end test's two retry detectors on
// constructed data, since a good rerun gives them nothing to find.
func TestE2ERetryChecks(t *testing.T) {
	ra := func(v string) []jtl.Variable { return []jtl.Variable{{Name: jtl.VarRetryAfter, Value: v, Set: true}} }
	ss := []jtl.Sample{
		{ThreadName: "A 1-1", Label: "GET script", ResponseCode: "429", Start: 1000, Elapsed: 50, Variables: ra("3")},
		{ThreadName: "A 1-2", Label: "GET script", ResponseCode: "429", Start: 1000, Elapsed: 50, Variables: ra("3")},
		{ThreadName: "A 1-1", Label: "GET script (retry 1)", ResponseCode: "200", Start: 4050, Elapsed: 20, Variables: ra("")},  // on time
		{ThreadName: "A 1-2", Label: "GET script (retry 1)", ResponseCode: "429", Start: 3990, Elapsed: 20, Variables: ra("1")}, // 60 ms early
		{ThreadName: "A 1-2", Label: "GET script (retry 2)", ResponseCode: "200", Start: 5010, Elapsed: 20, Variables: ra("")},  // on time
		{ThreadName: "A 1-3", Label: "GET script (retry 1)", ResponseCode: "200", Start: 6000, Elapsed: 20, Variables: ra("")},  // retries nothing
	}
	if n, early, first := e2eJTLRetries(ss); n != 4 || early != 2 || !strings.Contains(first, "A 1-2") {
		t.Errorf("JTL retries: %d, %d early (first: %s); want 4, 2 early, the first in thread A 1-2", n, early, first)
	}
	rec := func(ms int64, tok, path string, code int, ra float64) testserver.Record {
		return testserver.Record{RecvUnixNs: ms * 1e6, Token: tok, Path: path, Code: code, Limited: true, RetryAfterS: ra}
	}
	log := []testserver.Record{
		rec(1000, "a", "/api/v2/scripts/7", 429, 3),
		rec(1000, "b", "/api/v2/scripts/8", 429, 3),
		rec(2000, "b", "/api/v2/scripts/8", 429, 2), // 1 s after a Retry-After of 3 s: early
		rec(3990, "a", "/api/v2/scripts/7", 200, 0), // 2.99 s after 3 s: early
		rec(4000, "b", "/api/v2/scripts/8", 200, 0), // 2 s after 2 s: on time
		rec(4001, "b", "/api/v2/scripts/9", 200, 0), // a new request, not a retry
	}
	if n, early := e2eServerRetries(log); n != 3 || early != 2 {
		t.Errorf("server retries: %d, %d early; want 3, 2 early", n, early)
	}
}
