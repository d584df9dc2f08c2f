package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"jmtune/analysis"
	"jmtune/internal/limiter"
	"jmtune/internal/sim"
	"jmtune/internal/testenv"
	"jmtune/jmx"
	"jmtune/jtl"
)

func fp(v float64) *float64 { return &v }

// fixedAnalysis is an analysis result for a shared fixed window limit with
// Retry-After to the window end, as jmtune analyze writes it.
func fixedAnalysis(limit, windowS, phaseS float64, startMs int64) *analysis.Result {
	return &analysis.Result{SchemaVersion: analysis.SchemaVersion,
		Run: analysis.RunStats{StartMs: startMs, ResponseMeanS: 0.03, ResponseP90S: 0.045},
		Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoFixedWindow, Scope: analysis.ScopeShared,
			Labels: []string{"GET script"}, Limit: fp(limit), WindowS: fp(windowS), RatePerS: fp(limit / windowS), PhaseS: fp(phaseS)},
		RetryAfter: analysis.RetryAfter{Present: true, Semantics: analysis.RASemWindowReset},
	}
}

func writeAnalysis(t *testing.T, res *analysis.Result) string {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "analysis.json")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// readJTL reads a result file with the jtl reader.
func readJTL(t *testing.T, name string) []jtl.Sample {
	t.Helper()
	r, err := jtl.OpenFile(name, jtl.Options{Timestamps: jtl.TimestampStart})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []jtl.Sample
	for r.Scan() {
		out = append(out, *r.Sample().Clone())
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	return out
}

func throttledShare(ss []jtl.Sample) float64 {
	n := 0
	for _, s := range ss {
		if s.ResponseCode == "429" {
			n++
		}
	}
	return float64(n) / float64(len(ss))
}

// TestSimulateRealScenario plays the real scenario's plan (P1, with its
// run.properties) against an analysis made from the server's true
// configuration (truth.json) and compares the prediction with what real
// JMeter measured: rows and throttled share.
func TestSimulateRealScenario(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "scenarios", "P1-fixed-400-per-20s")
	var truth struct {
		StartUnixMs int64 `json:"start_unix_ms"`
		Limit       float64
		WindowS     float64 `json:"window_s"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Observed struct {
			Rows           int     `json:"rows"`
			ThrottledShare float64 `json:"throttled_share"`
		} `json:"observed"`
	}
	b, _ = os.ReadFile(filepath.Join(dir, "expected.json"))
	if err := json.Unmarshal(b, &expected); err != nil {
		t.Fatal(err)
	}
	// Windows aligned to the server start: boundaries at start + k*W.
	phase := math.Mod(float64(truth.StartUnixMs)/1000, truth.WindowS)
	res := fixedAnalysis(truth.Limit, truth.WindowS, phase, truth.StartUnixMs+1900)
	out := filepath.Join(t.TempDir(), "predicted.csv")
	var stdout bytes.Buffer
	err = run([]string{"jmtune", "simulate", "-t", filepath.Join(dir, "plan.jmx"), "--analysis", writeAnalysis(t, res),
		"-q", filepath.Join(dir, "run.properties"), "-o", out}, &stdout, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ss := readJTL(t, out)
	real := expected.Observed
	t.Logf("predicted %d rows, %.3f throttled; real %d rows, %.3f throttled\n%s", len(ss), throttledShare(ss), real.Rows, real.ThrottledShare, stdout.String())
	if math.Abs(float64(len(ss)-real.Rows))/float64(real.Rows) > 0.05 {
		t.Errorf("predicted %d rows, real JMeter wrote %d", len(ss), real.Rows)
	}
	if d := math.Abs(throttledShare(ss) - real.ThrottledShare); d > 0.03 {
		t.Errorf("predicted throttled share %.3f, real %.3f", throttledShare(ss), real.ThrottledShare)
	}
	if !strings.Contains(stdout.String(), "server: fixed window 400 per 20 s, shared") {
		t.Errorf("output does not describe the server:\n%s", stdout.String())
	}
}

// TestSimulateTunedPlan tunes the seed plan (jmtune tune --rate 80/s) and
// predicts it against a 100 req/s fixed window: nothing throttled, the
// accepted rate near the target. Against a tighter 60 req/s limit the
// tuned retry loop shows: retries labelled "(retry n)", none before its
// Retry-After.
func TestSimulateTunedPlan(t *testing.T) {
	tmp := t.TempDir()
	tuned := filepath.Join(tmp, "tuned.jmx")
	if err := run([]string{"jmtune", "tune", "-t", filepath.Join("testdata", "jmx", "seed.jmx"), "--rate", "80/s",
		"--labels", "GET script", "-o", tuned}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	predict := func(limit float64, name string) []jtl.Sample {
		out := filepath.Join(tmp, name)
		res := fixedAnalysis(limit, 15, 3, sim.DefaultStartUnixMs)
		var stdout bytes.Buffer
		if err := run([]string{"jmtune", "simulate", "-t", tuned, "--analysis", writeAnalysis(t, res), "-o", out,
			"-J", "threads=100", "-J", "duration=180", "-J", "think=200"}, &stdout, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout.String(), `"GET script" retries: retry-after+jitter`) {
			t.Errorf("the tuned retry loop was not recognised:\n%s", stdout.String())
		}
		return readJTL(t, out)
	}
	ss := predict(1500, "ok.csv")
	if share := throttledShare(ss); share > 0.005 {
		t.Errorf("tuned plan under a 100/s limit: %.3f throttled, want < 0.5%%", share)
	}
	var gets int
	var first, last int64 = math.MaxInt64, 0
	for _, s := range ss {
		if s.Label == "GET script" && s.Success {
			gets++
			first, last = min(first, s.Start), max(last, s.Start)
		}
	}
	if rate := float64(gets) / (float64(last-first) / 1000); math.Abs(rate-80)/80 > 0.05 {
		t.Errorf("accepted %.1f GET/s, want the tuned 80/s ±5%%", rate)
	}

	ss = predict(900, "tight.csv")
	retries := 0
	lastBy := map[string]jtl.Sample{}
	for _, s := range sortSamples(ss) {
		base, n := jtl.SplitRetryLabel(s.Label)
		if n > 0 {
			retries++
			prev := lastBy[s.ThreadName]
			ra, _ := prev.Var(jtl.VarRetryAfter)
			secs, err := strconv.Atoi(ra)
			if base != "GET script" || prev.ResponseCode != "429" || err != nil {
				t.Fatalf("retry %q after %q %s (retryAfter %q)", s.Label, prev.Label, prev.ResponseCode, ra)
			}
			if s.Start < prev.End()+int64(secs)*1000-1 {
				t.Fatalf("retry %d ms after a 429 with Retry-After %d s", s.Start-prev.End(), secs)
			}
		}
		lastBy[s.ThreadName] = s
	}
	if retries == 0 {
		t.Error("no retries against a limit below the pacer's rate")
	}
}

func sortSamples(ss []jtl.Sample) []jtl.Sample {
	out := append([]jtl.Sample(nil), ss...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Start < out[j-1].Start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestPlanToSim checks the translation of a fixture plan: the setUp group
// and a disabled sampler are left out, -J overrides ${__P}, the Once Only
// login, the Flow Control Action's pause and its timer become think time,
// timers in scope (the group's Constant Throughput Timer, a sampler's own
// Gaussian and Precise Throughput timers) apply to each sampler, a loop of
// two repeats its sampler, the startup delay and scheduler are kept.
func TestPlanToSim(t *testing.T) {
	p, err := jmx.Load(filepath.Join("testdata", "simulate", "timers.jmx"))
	if err != nil {
		t.Fatal(err)
	}
	res := fixedAnalysis(100, 10, 0, 0)
	res.Limit.Labels = nil
	cfg, notes, err := planToSim(p, res, simOptions{Props: map[string]string{"users": "12", "think": "300"}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Groups) != 1 {
		t.Fatalf("%d groups, want 1 (setUp left out)", len(cfg.Groups))
	}
	g := cfg.Groups[0]
	if g.Name != "Users" || g.Threads != 12 || g.RampUp != 4*time.Second || g.Delay != 2*time.Second || g.Duration != 60*time.Second || g.Loops != -1 {
		t.Errorf("group %+v", g)
	}
	if len(g.Once) != 1 || g.Once[0].Label != "POST login" || g.Once[0].Limited {
		t.Errorf("once %+v", g.Once)
	}
	var labels []string
	for _, s := range g.Samplers {
		labels = append(labels, s.Label)
	}
	if got := strings.Join(labels, ","); got != "GET item,GET detail,GET detail" {
		t.Fatalf("samplers %s", got)
	}
	item := g.Samplers[0]
	wantThink := []sim.Timer{sim.ConstantTimer(250 * time.Millisecond), sim.ConstantThroughputTimer(1200, 4), sim.UniformTimer(300*time.Millisecond, 200*time.Millisecond)}
	if !timersEqual(item.Think, wantThink) {
		t.Errorf("think %+v\nwant %+v", item.Think, wantThink)
	}
	if want := []sim.Timer{sim.ConstantThroughputTimer(1200, 4), sim.GaussianTimer(100*time.Millisecond, 30*time.Millisecond)}; !timersEqual(item.Timers, want) {
		t.Errorf("GET item timers %+v", item.Timers)
	}
	if want := []sim.Timer{sim.ConstantThroughputTimer(1200, 4), sim.PreciseThroughputTimer(30, 10*time.Second)}; !timersEqual(g.Samplers[1].Timers, want) {
		t.Errorf("GET detail timers %+v", g.Samplers[1].Timers)
	}
	if !item.Limited || item.Path != "/api/items/{id}" || item.Method != "GET" {
		t.Errorf("GET item %+v", item)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"setUp Thread Group left out", `JSR223Sampler "compute" is not an HTTP request`} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	srv := cfg.Server.Levels[0].Config
	if srv.Algorithm != limiter.FixedWindow || srv.Limit != 100 || srv.Window != 10*time.Second {
		t.Errorf("server %+v", srv)
	}
	if _, err := sim.Simulate(cfg); err != nil {
		t.Errorf("the translated config does not run: %v", err)
	}
}

func timersEqual(a, b []sim.Timer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Kind != y.Kind || x.Delay != y.Delay || x.Range != y.Range || x.PerMinute != y.PerMinute ||
			x.CalcMode != y.CalcMode || x.Throughput != y.Throughput || x.Period != y.Period {
			return false
		}
	}
	return true
}

// TestServerFromAnalysis maps each algorithm and Retry-After answer of an
// analysis to the server model.
func TestServerFromAnalysis(t *testing.T) {
	res := fixedAnalysis(300, 60, 17.3, 1795719600000)
	srv, err := serverFromAnalysis(res)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Levels[0].Config
	// Boundaries at 17.3 + k*60 epoch seconds: the first after the start
	// (…600.000 = 0 mod 60) is 17.3 s later.
	if c.Align != limiter.AlignStart || c.Origin != 1795719600000*1e6 || c.Phase != 17300*time.Millisecond {
		t.Errorf("phase: align %v origin %d phase %v", c.Align, c.Origin, c.Phase)
	}
	if srv.Responder.RetryAfter.Mode != limiter.RetryAfterReset {
		t.Errorf("Retry-After %v", srv.Responder.RetryAfter)
	}
	tok := &analysis.Result{SchemaVersion: 1, Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoTokenBucket,
		Scope: analysis.ScopePerThread, RatePerS: fp(5), Burst: fp(10)},
		RetryAfter: analysis.RetryAfter{Present: true, Semantics: analysis.RASemConstant, MedianS: fp(2)},
		Headers:    analysis.HeaderEvidence{Families: []string{"retry-after", "inin"}}}
	srv, err = serverFromAnalysis(tok)
	if err != nil {
		t.Fatal(err)
	}
	if lv := srv.Levels[0]; lv.Scope != limiter.ScopeToken || lv.Config.Algorithm != limiter.TokenBucket || lv.Config.Rate != 5 || lv.Config.Burst != 10 {
		t.Errorf("token level %+v", lv)
	}
	if srv.Responder.RetryAfter != (limiter.RetryAfter{Mode: limiter.RetryAfterFixed, Fixed: 2}) || srv.Responder.Family != limiter.FamilyInin {
		t.Errorf("responder %+v", srv.Responder)
	}
	conc := &analysis.Result{SchemaVersion: 1, Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoConcurrency, Scope: analysis.ScopeShared},
		RetryAfter: analysis.RetryAfter{Semantics: analysis.RASemAbsent}}
	if _, err := serverFromAnalysis(conc); err == nil || !strings.Contains(err.Error(), "no concurrency") {
		t.Errorf("concurrency without C: %v", err)
	}
	conc.Limit.Concurrency = fp(20)
	srv, err = serverFromAnalysis(conc)
	if err != nil || srv.Levels[0].Config.Concurrency != 20 || srv.Responder.RetryAfter.Mode != limiter.RetryAfterAbsent {
		t.Errorf("concurrency: %+v %v", srv, err)
	}
	none, err := serverFromAnalysis(&analysis.Result{SchemaVersion: 1})
	if err != nil || len(none.Levels) != 0 {
		t.Errorf("no limit: %+v %v", none, err)
	}
}

// TestServiceDist: the lognormal fitted to a mean and p90 gives them back
// (after the assumed 10 ms round trip).
func TestServiceDist(t *testing.T) {
	d := serviceDist(analysis.RunStats{ResponseMeanS: 0.210, ResponseP90S: 0.330})
	mean := d.Mean().Seconds() + 0.010
	p90 := d.A.Seconds()*math.Exp(1.2815516*d.Sigma) + 0.010
	if math.Abs(mean-0.210) > 0.001 || math.Abs(p90-0.330) > 0.001 {
		t.Errorf("fitted %v: mean %.4f p90 %.4f, want 0.210 and 0.330", d, mean, p90)
	}
}

func TestSimulateUsage(t *testing.T) {
	ana := writeAnalysis(t, fixedAnalysis(100, 10, 0, 0))
	plan := filepath.Join("testdata", "jmx", "seed.jmx")
	out := filepath.Join(t.TempDir(), "p.csv")
	var ue *usageError
	for _, args := range [][]string{
		{"-t", plan, "-o", out},
		{"--analysis", ana, "-o", out},
		{"-t", plan, "--analysis", ana},
		{"-t", plan, "--analysis", ana, "-o", out, "--format", "json"},
		{"-t", plan, "--analysis", ana, "-o", out, "-J", "novalue"},
		{"-t", plan, "--analysis", ana, "-o", out, "stray"},
	} {
		err := run(append([]string{"jmtune", "simulate"}, args...), io.Discard, io.Discard)
		if !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	// A plan that loops forever without a scheduler needs --duration.
	forever := filepath.Join(t.TempDir(), "forever.jmx")
	b, _ := os.ReadFile(plan)
	os.WriteFile(forever, bytes.Replace(b, []byte(`<boolProp name="ThreadGroup.scheduler">true</boolProp>`), []byte(`<boolProp name="ThreadGroup.scheduler">false</boolProp>`), 1), 0o644)
	err := run([]string{"jmtune", "simulate", "-t", forever, "--analysis", ana, "-o", out}, io.Discard, io.Discard)
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--duration") {
		t.Errorf("forever plan: %v", err)
	}
	if err := run([]string{"jmtune", "simulate", "-t", forever, "--analysis", ana, "-o", out, "--duration", "5"}, io.Discard, io.Discard); err != nil {
		t.Errorf("forever plan with --duration: %v", err)
	}
	// The output exists now: not overwritten without --force.
	before, _ := os.ReadFile(out)
	err = run([]string{"jmtune", "simulate", "-t", plan, "--analysis", ana, "-o", out, "-J", "duration=10"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("existing output: %v", err)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(before, after) {
		t.Error("the existing output was changed")
	}
	// A file that is not an analysis.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{\n  \"limit\": [\n"), 0o644)
	err = run([]string{"jmtune", "simulate", "-t", plan, "--analysis", bad, "-o", out + "2"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), bad+":") || !strings.Contains(err.Error(), "jmtune analyze --format json") {
		t.Errorf("bad analysis: %v", err)
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Error("output written despite the error")
	}
}

// TestSimulateFormats: the same seed gives the same bytes; XML carries the
// response headers with Retry-After; csv213 has no header line.
func TestSimulateFormats(t *testing.T) {
	ana := writeAnalysis(t, fixedAnalysis(300, 15, 0, sim.DefaultStartUnixMs))
	plan := filepath.Join("testdata", "jmx", "seed.jmx")
	dir := t.TempDir()
	files := map[string]string{}
	for _, f := range []string{"csv", "csv-again", "xml", "csv213"} {
		format := strings.TrimSuffix(f, "-again")
		out := filepath.Join(dir, f)
		if err := run([]string{"jmtune", "simulate", "-t", plan, "--analysis", ana, "-o", out, "--format", format,
			"-J", "threads=40", "-J", "duration=60", "--seed", "9"}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		files[f] = string(b)
	}
	if files["csv"] != files["csv-again"] {
		t.Error("two runs with --seed 9 differ")
	}
	if !strings.HasPrefix(files["csv"], "timeStamp,elapsed,label") || strings.HasPrefix(files["csv213"], "timeStamp") {
		t.Errorf("headers: csv %q, csv213 %q", files["csv"][:40], files["csv213"][:40])
	}
	if !strings.Contains(files["xml"], "<responseHeader class=\"java.lang.String\">HTTP/1.1 429 Too Many Requests\n") ||
		!strings.Contains(files["xml"], "\nRetry-After: ") {
		t.Error("XML lacks 429 response headers with Retry-After")
	}
}
