package sim

import (
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"jmtune/internal/limiter"
)

// Names of the analysis' answers; they equal the analysis package's
// constants (analysis.AlgoFixedWindow, analysis.ScopeShared, ...), kept as
// literals so that sim does not depend on the analysis.
const (
	AlgoFixedWindow   = "fixed-window"
	AlgoSlidingWindow = "sliding-window"
	AlgoTokenBucket   = "token-bucket"
	AlgoConcurrency   = "concurrency"
	AlgoLeakyQueue    = "leaky-queue"

	ScopeShared    = "shared"
	ScopePerThread = "per-thread"
	ScopePerLabel  = "per-label"

	RASemWindowReset = "window-reset"
	RASemTokenRefill = "token-refill"
	RASemConstant    = "constant"
	RASemAbsent      = "absent"
)

// Expected is the answer a correct analysis gives for a run, in the shape of
// the scenarios' expected.json (../shared/scenarios/README.md). A nil
// pointer or an empty string means "not applicable, not judged".
type Expected struct {
	Limit      ExpectedLimit      `json:"limit"`
	RetryAfter ExpectedRetryAfter `json:"retry_after"`
	Onset      ExpectedOnset      `json:"onset"`
	Tolerances Tolerances         `json:"tolerances"`
	Observed   Observed           `json:"observed"`
}

// ExpectedLimit is the limit that binds in the run.
type ExpectedLimit struct {
	Detected    bool     `json:"detected"`
	Algorithm   string   `json:"algorithm"`         // Algo* ("" when nothing was throttled)
	Variant     string   `json:"variant,omitempty"` // "log" or "counter" for sliding windows, "clock-aligned" for fixed windows on wall-clock multiples
	Scope       string   `json:"scope"`             // Scope*
	RatePerS    *float64 `json:"rate_per_s"`        // per thread when per-thread, per label when per-label
	Limit       *float64 `json:"limit"`
	WindowS     *float64 `json:"window_s"`
	Burst       *float64 `json:"burst"`
	Concurrency *float64 `json:"concurrency"`
}

// ExpectedRetryAfter is what throttled responses say in Retry-After.
type ExpectedRetryAfter struct {
	Present bool `json:"present"`
	// Semantics lists every fair answer (RASem*): a token bucket refilling
	// faster than 1/s always says "1", which reads as constant just as well.
	Semantics []string `json:"semantics"`
	HTTPDate  bool     `json:"http_date"`
}

// ExpectedOnset is where sustained throttling started.
type ExpectedOnset struct {
	// Threads is allThreads on the first throttled sample after which no
	// two consecutive throttled samples are more than max(5 s, window+1 s)
	// apart (5 s without a window); nil when nothing was throttled or the
	// scope is per-thread.
	Threads *int `json:"threads"`
	// ThreadsAtLimitRate (not judged) is allThreads when the offered rate of
	// limited requests (5 s trailing mean) first reached RatePerS.
	ThreadsAtLimitRate *int `json:"threads_at_limit_rate"`
}

// Tolerances are the judging tolerances of the scenarios' README.
type Tolerances struct {
	RateRel         float64 `json:"rate_rel"`
	WindowAbsS      float64 `json:"window_abs_s"`
	WindowRel       float64 `json:"window_rel"`
	BurstRel        float64 `json:"burst_rel"`
	ConcurrencyAbs  float64 `json:"concurrency_abs"`
	OnsetThreadsAbs int     `json:"onset_threads_abs"`
}

// DefaultTolerances are the scenarios' tolerances.
var DefaultTolerances = Tolerances{RateRel: 0.05, WindowAbsS: 0.5, WindowRel: 0.02, BurstRel: 0.15, ConcurrencyAbs: 1, OnsetThreadsAbs: 5}

// Observed are counts measured from the run.
type Observed struct {
	Rows           int     `json:"rows"`
	Limited        int     `json:"limited_rows"` // samples of limited requests
	Throttled      int     `json:"throttled"`
	ThrottledShare float64 `json:"throttled_share"` // of all rows
	Errors         int     `json:"errors"`          // 5xx noise
	Retries        int     `json:"retries"`
	// RetryAfterS is the [min, max] Retry-After of throttled responses in
	// seconds (HTTP-dates minus Date); nil without any.
	RetryAfterS   []float64 `json:"retry_after_s"`
	MaxThreads    int       `json:"max_threads"`
	DurationS     float64   `json:"duration_s"`
	BindingLevel  int       `json:"binding_level"` // index of the limiter level that threw most rejections
	ThrottlesByLv []int     `json:"throttles_by_level"`
}

func ptr(v float64) *float64 { return &v }

// Expect computes the expected answer for run r from the server's limiter
// configuration and what happened in the run (which level bound, the
// onset). It never looks at an analysis.
func Expect(r *Run) Expected {
	cfg := r.Config
	ex := Expected{Tolerances: DefaultTolerances}
	ob := &ex.Observed
	ob.Rows = len(r.recs)
	ob.MaxThreads = r.MaxThreads
	ob.DurationS = float64(r.EndMs-r.StartMs) / 1000
	ob.ThrottlesByLv = make([]int, len(cfg.Server.Levels))
	var ras []float64
	for _, d := range r.Decisions {
		if d.Limited {
			ob.Limited++
		}
		if d.Code == 500 {
			ob.Errors++
		}
		if !d.Throttled() {
			continue
		}
		ob.Throttled++
		ob.ThrottlesByLv[d.Level]++
		if d.RetryAfter != "" {
			ras = append(ras, retryAfterSeconds(d.RetryAfter, cfg.Server.Responder, d.ArriveNs))
		}
	}
	for i := range r.recs {
		if r.recs[i].attempt > 0 {
			ob.Retries++
		}
	}
	if ob.Rows > 0 {
		ob.ThrottledShare = math.Round(float64(ob.Throttled)/float64(ob.Rows)*1e4) / 1e4
	}
	if len(ras) > 0 {
		ob.RetryAfterS = []float64{slices.Min(ras), slices.Max(ras)}
	}
	for i, n := range ob.ThrottlesByLv {
		if n > ob.ThrottlesByLv[ob.BindingLevel] {
			ob.BindingLevel = i
		}
	}
	if ob.Throttled == 0 || len(cfg.Server.Levels) == 0 {
		ex.RetryAfter.Semantics = nil
		return ex
	}
	lv := cfg.Server.Levels[ob.BindingLevel]
	c := lv.Config
	el := &ex.Limit
	el.Detected = true
	switch {
	case lv.Scope == limiter.ScopeShared:
		el.Scope = ScopeShared
	case lv.Scope == limiter.ScopeLabel:
		el.Scope = ScopePerLabel
	default:
		el.Scope = ScopePerThread
	}
	switch c.Algorithm {
	case limiter.FixedWindow:
		el.Algorithm = AlgoFixedWindow
		if c.Align == limiter.AlignClock {
			el.Variant = "clock-aligned"
		}
	case limiter.SlidingLog:
		el.Algorithm, el.Variant = AlgoSlidingWindow, "log"
	case limiter.SlidingCounter:
		el.Algorithm, el.Variant = AlgoSlidingWindow, "counter"
	case limiter.TokenBucket:
		el.Algorithm = AlgoTokenBucket
	case limiter.Concurrency:
		el.Algorithm = AlgoConcurrency
	case limiter.LeakyQueue:
		el.Algorithm = AlgoLeakyQueue
	}
	switch c.Algorithm {
	case limiter.FixedWindow, limiter.SlidingLog, limiter.SlidingCounter:
		el.RatePerS = ptr(c.RatePerS())
		el.Limit = ptr(float64(c.Limit))
		el.WindowS = ptr(c.Window.Seconds())
	case limiter.TokenBucket, limiter.LeakyQueue:
		el.RatePerS = ptr(c.Rate)
		el.Burst = ptr(float64(c.Burst))
	case limiter.Concurrency:
		el.Concurrency = ptr(float64(c.Concurrency))
	}

	era := &ex.RetryAfter
	era.Present = len(ras) > 0
	era.HTTPDate = cfg.Server.Responder.RetryAfter.Mode == limiter.RetryAfterDate && era.Present
	switch {
	case !era.Present:
		era.Semantics = []string{RASemAbsent}
	case cfg.Server.Responder.RetryAfter.Mode == limiter.RetryAfterFixed:
		era.Semantics = []string{RASemConstant}
	default:
		switch c.Algorithm {
		case limiter.FixedWindow, limiter.SlidingLog, limiter.SlidingCounter:
			era.Semantics = []string{RASemWindowReset}
		case limiter.TokenBucket, limiter.LeakyQueue:
			era.Semantics = []string{RASemTokenRefill}
		case limiter.Concurrency:
			era.Semantics = []string{RASemConstant}
		}
		if ob.RetryAfterS[0] == ob.RetryAfterS[1] && !slices.Contains(era.Semantics, RASemConstant) {
			era.Semantics = append(era.Semantics, RASemConstant)
		}
	}

	if el.Scope != ScopePerThread {
		g := 5.0
		if el.WindowS != nil {
			g = math.Max(5, *el.WindowS+1)
		}
		ex.Onset.Threads = OnsetThreads(r, g)
		if el.RatePerS != nil && el.Scope == ScopeShared {
			ex.Onset.ThreadsAtLimitRate = threadsAtRate(r, *el.RatePerS)
		}
	}
	return ex
}

// throttleCodes returns the response codes of limiter rejections in the
// run's configuration (429, or 503 for a leaky queue, or RejectCode).
func throttleCodes(cfg Config) map[int]bool {
	m := map[int]bool{}
	for _, lv := range cfg.Server.Levels {
		m[lv.Config.RejectStatus()] = true
	}
	return m
}

// startMs is the sample start a reader of the written file derives (the
// true start plus any timestamp noise).
func (rec *record) startMs() int64 { return rec.start/1e6 + int64(rec.jitter) }

// OnsetThreads applies the scenarios' onset rule to r: allThreads of the
// first throttled sample (by start time) after which no two consecutive
// throttled samples are more than gapS seconds apart; nil when nothing was
// throttled.
func OnsetThreads(r *Run, gapS float64) *int {
	codes := throttleCodes(r.Config)
	type th struct {
		start int64
		n     int
	}
	var ts []th
	for i := range r.recs {
		rec := &r.recs[i]
		if codes[int(rec.code)] {
			ts = append(ts, th{rec.startMs(), int(rec.all)})
		}
	}
	if len(ts) == 0 {
		return nil
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].start < ts[j].start })
	first := 0
	gap := int64(gapS * 1000)
	for i := 1; i < len(ts); i++ {
		if ts[i].start-ts[i-1].start > gap {
			first = i
		}
	}
	n := ts[first].n
	return &n
}

// threadsAtRate returns allThreads when the offered rate of limited
// requests (trailing 5 s mean, by start time) first reached rate.
func threadsAtRate(r *Run, rate float64) *int {
	type st struct {
		start int64
		n     int
	}
	var ss []st
	for i := range r.recs {
		rec := &r.recs[i]
		if rec.s.Limited {
			ss = append(ss, st{rec.startMs(), int(rec.all)})
		}
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].start < ss[j].start })
	j := 0
	for i := range ss {
		for ss[i].start-ss[j].start >= 5000 {
			j++
		}
		if ss[i].start-ss[0].start >= 5000 && float64(i-j+1)/5 >= rate {
			n := ss[i].n
			return &n
		}
	}
	return nil
}

// retryAfterSeconds converts a Retry-After value to seconds: an HTTP-date
// minus the server's Date at the response.
func retryAfterSeconds(v string, p limiter.Responder, now int64) float64 {
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return n
	}
	t, err1 := http.ParseTime(v)
	d, err2 := http.ParseTime(p.Date(now))
	if err1 != nil || err2 != nil {
		return 0
	}
	return t.Sub(d).Seconds()
}
