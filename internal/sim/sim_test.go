package sim

import (
	"bytes"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"jmtune/internal/limiter"
	"jmtune/jtl"
)

// small returns a quick single-group config: threads log in, then GET with
// think time, against lim.
func small(threads int, ramp, dur time.Duration, think Timer, levels ...limiter.Level) Config {
	return Config{Seed: 7,
		Groups:  []Group{agents(threads, ramp, dur, think, Lognormal(50*ms, 0.3))},
		Server:  Server{Levels: levels, Responder: reset},
		Network: Network{OneWay: 20 * ms, Jitter: 5 * ms},
	}
}

func mustRun(t *testing.T, cfg Config) *Run {
	t.Helper()
	r, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDeterministic(t *testing.T) {
	cfg := small(20, 5*sec, 30*sec, UniformTimer(200*ms, 300*ms),
		limiter.Level{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 50, Window: 5 * sec}})
	var a, b, c bytes.Buffer
	mustRun(t, cfg).WriteCSV(&a)
	mustRun(t, cfg).WriteCSV(&b)
	cfg.Seed++
	mustRun(t, cfg).WriteCSV(&c)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two runs with the same seed differ")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("runs with different seeds are identical")
	}
}

// threadIndex returns i for a thread name "<group> g-i".
func threadIndex(t *testing.T, name string) int {
	i, err := strconv.Atoi(name[strings.LastIndexByte(name, '-')+1:])
	if err != nil {
		t.Fatalf("thread name %q", name)
	}
	return i
}

// TestRampUpAndThreadCounts: thread i (0-based) starts its first sample at
// exactly i*ramp/N; allThreads at a sample's end is the number of threads
// started by then (nobody stops before the scheduler's end); no sample
// starts after the end.
func TestRampUpAndThreadCounts(t *testing.T) {
	const n = 40
	ramp, dur := 20*sec, 45*sec
	cfg := small(n, ramp, dur, UniformTimer(300*ms, 200*ms))
	r := mustRun(t, cfg)
	start := cfg.StartUnixMs
	if start == 0 {
		start = DefaultStartUnixMs
	}
	first := map[int]int64{}
	ss := r.Samples()
	for _, s := range ss {
		i := threadIndex(t, s.ThreadName) - 1
		if _, ok := first[i]; !ok {
			first[i] = s.Start
		}
		end := s.Start + s.Elapsed
		started := 0
		for k := 0; k < n; k++ {
			if start+int64(k)*ramp.Milliseconds()/n <= end {
				started++
			}
		}
		// The sample's end is rounded to ms; a thread starting within that
		// millisecond may or may not count.
		// After the scheduler's end, threads stop one by one.
		if end < start+dur.Milliseconds() && (s.AllThreads < started-1 || s.AllThreads > started) || s.GrpThreads != s.AllThreads {
			t.Fatalf("sample ending at +%d ms: allThreads %d grpThreads %d, want %d started", end-start, s.AllThreads, s.GrpThreads, started)
		}
		if s.Start >= start+dur.Milliseconds() {
			t.Fatalf("sample starts at +%d ms, after the %v scheduler end", s.Start-start, dur)
		}
	}
	for i := 0; i < n; i++ {
		want := start + int64(i)*ramp.Milliseconds()/n
		if got := first[i]; got != want {
			t.Errorf("thread %d first sample at +%d ms, want +%d", i, got-start, want-start)
		}
	}
	if r.MaxThreads != n {
		t.Errorf("max threads %d, want %d", r.MaxThreads, n)
	}
}

// TestLoops: Loops=3 gives each thread one login and three GETs, in order.
func TestLoops(t *testing.T) {
	cfg := small(5, sec, 0, ConstantTimer(100*ms))
	cfg.Groups[0].Loops = 3
	r := mustRun(t, cfg)
	per := map[string][]string{}
	for _, s := range r.Samples() {
		per[s.ThreadName] = append(per[s.ThreadName], s.Label)
	}
	if len(per) != 5 {
		t.Fatalf("%d threads sampled", len(per))
	}
	for th, labels := range per {
		if got := strings.Join(labels, ","); got != "POST /oauth/token,GET script,GET script,GET script" {
			t.Errorf("%s: %s", th, got)
		}
	}
}

// rateOf returns the start rate of samples with label in [from, to) (ms
// offsets from the test start).
func rateOf(ss []jtl.Sample, label string, start, from, to int64) float64 {
	n := 0
	for _, s := range ss {
		if s.Label == label && s.Start >= start+from && s.Start < start+to {
			n++
		}
	}
	return float64(n) / (float64(to-from) / 1000)
}

// TestConstantThroughputTimer checks the calcModes: 0 paces each thread,
// 1 and 2 divide the target among active threads, 3 and 4 share one
// schedule.
func TestConstantThroughputTimer(t *testing.T) {
	for _, c := range []struct {
		mode int
		want float64 // GETs per second over the whole group
	}{
		{0, 10 * 60.0 / 60}, // 10 threads x 60/min each
		{1, 60.0 / 60},
		{2, 60.0 / 60},
		{3, 60.0 / 60},
		{4, 60.0 / 60},
	} {
		cfg := small(10, 0, 120*sec, ConstantTimer(0))
		cfg.Groups[0].Timers = []Timer{ConstantThroughputTimer(60, c.mode)}
		r := mustRun(t, cfg)
		got := rateOf(r.Samples(), "GET script", DefaultStartUnixMs, 20_000, 110_000)
		if math.Abs(got-c.want)/c.want > 0.03 {
			t.Errorf("calcMode %d: %.3f GETs/s, want %.3f", c.mode, got, c.want)
		}
	}
}

// TestPreciseThroughputTimer: the group makes exactly Throughput samples
// per period when it has threads to spare, at random (not evenly spaced)
// times.
func TestPreciseThroughputTimer(t *testing.T) {
	cfg := small(30, 0, 100*sec, ConstantTimer(0))
	cfg.Groups[0].Samplers[0].Think = nil
	cfg.Groups[0].Samplers[0].Timers = []Timer{PreciseThroughputTimer(50, 10*sec)}
	r := mustRun(t, cfg)
	counts := make([]int, 10)
	var gaps []int64
	var last int64
	for _, s := range r.Samples() {
		if s.Label != "GET script" {
			continue
		}
		k := (s.Start - DefaultStartUnixMs) / 10_000
		if k < 10 {
			counts[k]++
		}
		if last > 0 {
			gaps = append(gaps, s.Start-last)
		}
		last = s.Start
	}
	for k, n := range counts {
		// Samples start at their arrival + up to a millisecond of rounding;
		// an arrival in the last ms of a period may start in the next.
		if n < 49 || n > 51 {
			t.Errorf("period %d: %d samples, want 50", k, n)
		}
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	if gaps[len(gaps)/10] > 60 || gaps[9*len(gaps)/10] < 300 {
		t.Errorf("gaps p10 %d ms, p90 %d ms: want exponential-looking spacing around 200 ms", gaps[len(gaps)/10], gaps[9*len(gaps)/10])
	}
}

// TestShapingTimer: the rate follows the schedule (10/s for 30 s, ramp to
// 30/s over 30 s, 30/s for 30 s).
func TestShapingTimer(t *testing.T) {
	cfg := small(40, 0, 90*sec, ConstantTimer(0))
	cfg.Groups[0].Samplers[0].Think = nil
	cfg.Groups[0].Timers = []Timer{{Kind: TimerShaping, Schedule: []ShapingStep{
		{From: 10, To: 10, Duration: 30 * sec}, {From: 10, To: 30, Duration: 30 * sec}, {From: 30, To: 30, Duration: 30 * sec}}}}
	ss := mustRun(t, cfg).Samples()
	for _, c := range []struct {
		from, to int64
		want     float64
	}{{5_000, 30_000, 10}, {40_000, 50_000, 20}, {62_000, 89_000, 30}} {
		if got := rateOf(ss, "GET script", DefaultStartUnixMs, c.from, c.to); math.Abs(got-c.want)/c.want > 0.05 {
			t.Errorf("[%d, %d) ms: %.2f/s, want %.0f/s", c.from, c.to, got, c.want)
		}
	}
}

// retryRun is a small overloaded run with the given retry policy.
func retryRun(t *testing.T, rp Retry) *Run {
	cfg := small(20, 2*sec, 60*sec, UniformTimer(500*ms, 500*ms),
		limiter.Level{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 40, Window: 10 * sec}})
	cfg.Groups[0].Retry = rp
	return mustRun(t, cfg)
}

// pairs returns (throttled sample, next sample) of each thread.
func pairs(ss []jtl.Sample, codes ...string) [][2]jtl.Sample {
	last := map[string]jtl.Sample{}
	var out [][2]jtl.Sample
	for _, s := range sortByStart(ss) {
		if p, ok := last[s.ThreadName]; ok && (p.ResponseCode == "429" || p.ResponseCode == "503") {
			out = append(out, [2]jtl.Sample{p, s})
		}
		last[s.ThreadName] = s
	}
	return out
}

func sortByStart(ss []jtl.Sample) []jtl.Sample {
	out := append([]jtl.Sample(nil), ss...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// TestRetryExponential: retries come 1, 2, 4 s after the throttled
// response, keep the label, and stop after MaxAttempts.
func TestRetryExponential(t *testing.T) {
	r := retryRun(t, Retry{Policy: RetryExponential, MaxAttempts: 4, Base: sec, Cap: 8 * sec})
	n := 0
	for _, p := range pairs(r.Samples()) {
		if p[1].Label != "GET script" {
			t.Fatalf("retry labelled %q", p[1].Label)
		}
		gap := p[1].Start - p[0].End()
		// A retry follows within the backoff (1, 2 or 4 s, ±1 ms rounding),
		// or the request was given up and the next one waits think time.
		if gap >= 999 && gap <= 1001 || gap >= 1999 && gap <= 2001 || gap >= 3999 && gap <= 4001 {
			n++
		} else if gap < 500 {
			t.Fatalf("next request %d ms after a 429: neither a backoff nor think time", gap)
		}
	}
	if n < 50 {
		t.Fatalf("only %d backoff retries", n)
	}
	if ob := Expect(r).Observed; ob.Retries == 0 {
		t.Error("Expect counted no retries")
	}
}

// TestRetryHonour: no retry before Retry-After, labels "GET script (retry n)",
// at most MaxAttempts-1 retries per request.
func TestRetryHonour(t *testing.T) {
	r := retryRun(t, Retry{Policy: RetryHonour, MaxAttempts: 3, Jitter: sec, LabelRetries: true})
	retries := 0
	for _, p := range pairs(r.Samples()) {
		base, n := jtl.SplitRetryLabel(p[1].Label)
		if n == 0 {
			continue
		}
		retries++
		if base != "GET script" || n > 2 {
			t.Fatalf("retry label %q", p[1].Label)
		}
		if _, prev := jtl.SplitRetryLabel(p[0].Label); prev != n-1 {
			t.Fatalf("%q follows %q", p[1].Label, p[0].Label)
		}
		ra, _ := p[0].Var(jtl.VarRetryAfter)
		secs, err := strconv.Atoi(ra)
		if err != nil {
			t.Fatalf("429 without a numeric retryAfter variable: %q", ra)
		}
		if gap := p[1].Start - p[0].End(); gap < int64(secs)*1000-1 || gap > int64(secs)*1000+1001 {
			t.Fatalf("retry %d ms after a 429 with Retry-After %d s (jitter up to 1 s)", gap, secs)
		}
	}
	if retries < 20 {
		t.Fatalf("only %d retries", retries)
	}
}

// TestRetryBudget: with a 10% budget all threads together retry at most
// 10 + 10% of their first attempts (jmtune's shared budget).
func TestRetryBudget(t *testing.T) {
	r := retryRun(t, Retry{Policy: RetryImmediate, MaxAttempts: 10, BudgetShare: 0.1, LabelRetries: true})
	first, retries := 0, 0
	for _, s := range r.Samples() {
		if _, n := jtl.SplitRetryLabel(s.Label); n > 0 {
			retries++
		} else {
			first++
		}
	}
	if float64(retries) > 10+0.1*float64(first) {
		t.Errorf("%d retries for %d first attempts, budget 10 + 10%%", retries, first)
	}
	if float64(retries) < 0.1*float64(first) {
		t.Errorf("%d retries for %d first attempts: the budget was not used in an overloaded run", retries, first)
	}
}

// TestRetryMaxWait: a Retry-After above MaxWait is not waited for.
func TestRetryMaxWait(t *testing.T) {
	r := retryRun(t, Retry{Policy: RetryHonour, MaxAttempts: 5, MaxWait: 3 * sec, LabelRetries: true})
	retried := 0
	for _, p := range pairs(r.Samples()) {
		ra, _ := p[0].Var(jtl.VarRetryAfter)
		secs, _ := strconv.Atoi(ra)
		_, n := jtl.SplitRetryLabel(p[1].Label)
		if n > 0 && secs > 3 {
			t.Fatalf("retried after a Retry-After of %d s with MaxWait 3 s", secs)
		}
		if n > 0 {
			retried++
		}
	}
	if retried == 0 {
		t.Fatal("no retries")
	}
}

// TestFixedWindowInRun: in a simulated run the server admits exactly the
// limit in every throttled window (decision log), as the real scenarios'
// server check says.
func TestFixedWindowInRun(t *testing.T) {
	cfg := small(30, 5*sec, 60*sec, UniformTimer(200*ms, 200*ms),
		limiter.Level{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 100, Window: 10 * sec, Phase: 3 * sec}})
	r := mustRun(t, cfg)
	base := DefaultStartUnixMs*1e6 + int64(3*sec)
	adm, thr := map[int64]int{}, map[int64]int{}
	for _, d := range r.Decisions {
		if !d.Limited {
			continue
		}
		k := int64(math.Floor(float64(d.ArriveNs-base) / float64(10*sec)))
		if d.Throttled() {
			thr[k]++
		} else {
			adm[k]++
		}
	}
	if len(thr) < 3 {
		t.Fatalf("only %d throttled windows", len(thr))
	}
	for k := range thr {
		if adm[k] != 100 {
			t.Errorf("window %d: %d admitted with %d throttled, want exactly 100", k, adm[k], thr[k])
		}
	}
}

// TestNetworkAndTimes: a rejection's elapsed is two one-way delays plus the
// fast reject (20±5 ms each way, 1 ms); latency never exceeds elapsed;
// connect time only on a thread's first request.
func TestNetworkAndTimes(t *testing.T) {
	cfg := small(10, 0, 30*sec, ConstantTimer(50*ms),
		limiter.Level{Config: limiter.Config{Algorithm: limiter.TokenBucket, Rate: 20, Burst: 5}})
	seen := map[string]bool{}
	n429 := 0
	for _, s := range mustRun(t, cfg).Samples() {
		if s.Latency > s.Elapsed {
			t.Fatalf("latency %d > elapsed %d", s.Latency, s.Elapsed)
		}
		if s.ResponseCode == "429" {
			n429++
			if s.Connect == 0 && (s.Elapsed < 30 || s.Elapsed > 52) {
				t.Fatalf("429 elapsed %d ms, want 31..51 (2 x 20±5 ms + 1 ms)", s.Elapsed)
			}
		}
		if !seen[s.ThreadName] {
			seen[s.ThreadName] = true
			if s.Connect < 30 {
				t.Errorf("%s first request connect %d ms, want a round trip", s.ThreadName, s.Connect)
			}
		} else if s.Connect != 0 {
			t.Errorf("%s: connect %d ms on a kept-alive connection", s.ThreadName, s.Connect)
		}
	}
	if n429 == 0 {
		t.Fatal("no 429s")
	}
}

// TestNoise: end timestamps, ±20 ms jitter and 1% 500s.
func TestNoise(t *testing.T) {
	cfg := small(30, 5*sec, 120*sec, UniformTimer(100*ms, 100*ms))
	cfg.Output = Output{EndTimestamps: true, TimestampJitter: 20 * ms}
	cfg.Server.ErrorShare = 0.01
	r := mustRun(t, cfg)
	clean := cfg
	clean.Output = Output{}
	clean.Server.ErrorShare = 0
	ref := mustRun(t, clean).Samples()
	ss := r.Samples()
	if len(ss) != len(ref) {
		t.Fatalf("noise changed the load: %d vs %d samples", len(ss), len(ref))
	}
	errs, moved := 0, 0
	for i, s := range ss {
		if s.ResponseCode == "500" {
			errs++
		}
		d := s.Timestamp - (ref[i].Start + ref[i].Elapsed)
		if d < -20 || d > 20 {
			t.Fatalf("end timestamp off by %d ms, want within ±20", d)
		}
		if d != 0 {
			moved++
		}
		if s.Start != s.Timestamp-s.Elapsed {
			t.Fatalf("Start %d is not Timestamp-Elapsed", s.Start)
		}
	}
	if share := float64(errs) / float64(len(ss)); share < 0.005 || share > 0.015 {
		t.Errorf("500 share %.4f, want about 0.01", share)
	}
	if moved < len(ss)/2 {
		t.Errorf("only %d of %d timestamps jittered", moved, len(ss))
	}
}

// TestConcurrencyInRun: never more than C admitted requests in service.
func TestConcurrencyInRun(t *testing.T) {
	sc, _ := ScenarioByName("concurrency-20")
	r := mustRun(t, sc.Config)
	type ev struct {
		at int64
		d  int
	}
	var evs []ev
	for _, d := range r.Decisions {
		if d.Limited && !d.Throttled() {
			evs = append(evs, ev{d.ArriveNs, 1}, ev{d.DoneNs, -1})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].at < evs[j].at || evs[i].at == evs[j].at && evs[i].d < evs[j].d })
	n, peak := 0, 0
	for _, e := range evs {
		n += e.d
		peak = max(peak, n)
	}
	if peak != 20 {
		t.Errorf("peak in flight %d, want 20 (reached, never exceeded)", peak)
	}
}

// TestLeakyInRun: admitted requests leave the queue 1/r apart at least,
// and elapsed grows by the queue delay (up to B/r = 2 s).
func TestLeakyInRun(t *testing.T) {
	sc, _ := ScenarioByName("leaky-queue-10ps-b20")
	r := mustRun(t, sc.Config)
	var out []int64
	var maxQ int64
	for _, d := range r.Decisions {
		if d.Limited && !d.Throttled() {
			out = append(out, d.ArriveNs+d.QueueNs)
			maxQ = max(maxQ, d.QueueNs)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	for i := 1; i < len(out); i++ {
		if out[i]-out[i-1] < int64(100*ms)-1e6 {
			t.Fatalf("queue departures %v apart, want >= 100 ms", time.Duration(out[i]-out[i-1]))
		}
	}
	if maxQ < int64(1500*ms) || maxQ > int64(2*sec) {
		t.Errorf("max queue delay %v, want close to B/r = 2 s", time.Duration(maxQ))
	}
	n503 := 0
	for _, s := range r.Samples() {
		if s.ResponseCode == "503" {
			n503++
			if ra, _ := s.Var(jtl.VarRetryAfter); ra != "" {
				t.Fatalf("503 with Retry-After %q", ra)
			}
		}
	}
	if n503 == 0 {
		t.Error("no 503s")
	}
}

// TestRoundTrip: written files read back through the jtl reader give the
// same samples (CSV 5.x with header, 2.13 without, XML with headers).
func TestRoundTrip(t *testing.T) {
	sc, _ := ScenarioByName("http-date-retry-after")
	sc.Config.Groups[0].Duration = 130 * sec
	r := mustRun(t, sc.Config)
	want := r.Samples()
	props := &jtl.Properties{}
	props.Set("sample_variables", strings.Join(r.Variables(), ","))
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
		opts  jtl.Options
	}{
		{"csv", func(b *bytes.Buffer) error { return r.WriteCSV(b) }, jtl.Options{Timestamps: jtl.TimestampStart}},
		{"csv213", func(b *bytes.Buffer) error { return r.WriteCSV213(b) }, jtl.Options{Timestamps: jtl.TimestampStart, Props: props}},
		{"xml", func(b *bytes.Buffer) error { return r.WriteXML(b) }, jtl.Options{Timestamps: jtl.TimestampStart}},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			t.Fatal(err)
		}
		rd, err := jtl.NewReader(&buf, "rt."+f.name, f.opts)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		i := 0
		dates := 0
		for rd.Scan() {
			s, w := rd.Sample(), want[i]
			if s.Start != w.Start || s.Elapsed != w.Elapsed || s.Label != w.Label || s.ResponseCode != w.ResponseCode ||
				s.ThreadName != w.ThreadName || s.AllThreads != w.AllThreads || s.Latency != w.Latency {
				t.Fatalf("%s row %d: read %+v\nwant %+v", f.name, i, s, w)
			}
			ra, _ := s.Var(jtl.VarRetryAfter)
			wra, _ := w.Var(jtl.VarRetryAfter)
			if ra != wra {
				t.Fatalf("%s row %d: retryAfter %q, want %q", f.name, i, ra, wra)
			}
			if f.name == "xml" && s.ResponseCode == "429" {
				h, ok := s.Headers.Get("Retry-After")
				d, _ := s.Headers.Get("Date")
				rat, err1 := http.ParseTime(h)
				dt, err2 := http.ParseTime(d)
				if !ok || err1 != nil || err2 != nil || rat.Sub(dt) < time.Second || rat.Sub(dt) > 62*time.Second {
					t.Fatalf("xml row %d: Retry-After %q Date %q", i, h, d)
				}
				dates++
			}
			i++
		}
		if rd.Err() != nil || i != len(want) {
			t.Fatalf("%s: read %d of %d samples, err %v, warnings %v", f.name, i, len(want), rd.Err(), rd.Warnings())
		}
		if f.name == "xml" && dates == 0 {
			t.Error("xml: no 429 carried an HTTP-date Retry-After")
		}
	}
	// Source gives the same samples without a file.
	src := r.Source("mem")
	n := 0
	for src.Scan() {
		if src.Sample().Label != want[n].Label || src.Sample().Start != want[n].Start {
			t.Fatalf("Source sample %d differs", n)
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("Source gave %d samples, want %d", n, len(want))
	}
}

func TestValidate(t *testing.T) {
	good := small(2, 0, 10*sec, ConstantTimer(0))
	for name, mutate := range map[string]func(*Config){
		"no groups":       func(c *Config) { c.Groups = nil },
		"zero threads":    func(c *Config) { c.Groups[0].Threads = 0 },
		"forever":         func(c *Config) { c.Groups[0].Duration = 0 },
		"bad ctt mode":    func(c *Config) { c.Groups[0].Timers = []Timer{ConstantThroughputTimer(60, 5)} },
		"bad limiter":     func(c *Config) { c.Server.Levels = shared(limiter.Config{Algorithm: limiter.FixedWindow}) },
		"jitter > delay":  func(c *Config) { c.Network.Jitter = sec },
		"error share 1.0": func(c *Config) { c.Server.ErrorShare = 1 },
	} {
		c := good
		c.Groups = append([]Group(nil), good.Groups...)
		mutate(&c)
		if _, err := Simulate(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Simulate(good); err != nil {
		t.Errorf("good config: %v", err)
	}
}

func limiterFixed(limit int, windowS int) limiter.Config {
	return limiter.Config{Algorithm: limiter.FixedWindow, Limit: limit, Window: time.Duration(windowS) * sec}
}

// TestHeaderLen: the byte count of a response equals the header block the
// XML carries (headerLen agrees with headerBlock).
func TestHeaderLen(t *testing.T) {
	hs := []limiter.Header{{Name: "Retry-After", Value: "12"}, {Name: "inin-ratelimit-count", Value: "300"}}
	for _, code := range []int{200, 429, 503, 500} {
		if got, want := headerLen(code, hs), len(headerBlock(code, hs, reset.Date(DefaultStartUnixMs*1e6))); got != want {
			t.Errorf("code %d: headerLen %d, block %d bytes", code, got, want)
		}
	}
}
