package analysis

// This file is the contract between the analysis and its consumers (jmtune
// analyze --format json, tune --analysis, simulate, report, check --against).
// The JSON keys are stable: add keys, never rename or remove them; bump
// SchemaVersion on an incompatible change. README documents every key.

// SchemaVersion is the version of the Result JSON layout.
const SchemaVersion = 1

// Algorithm names (Limit.Algorithm).
const (
	AlgoFixedWindow   = "fixed-window"
	AlgoSlidingWindow = "sliding-window"
	AlgoTokenBucket   = "token-bucket"
	AlgoConcurrency   = "concurrency"
	AlgoLeakyQueue    = "leaky-queue"
	AlgoUnknown       = "unknown"
)

// Scope names (Limit.Scope): whose requests share one quota.
const (
	ScopeShared    = "shared"     // all threads share one quota (org, client, IP)
	ScopePerThread = "per-thread" // each JMeter thread (user, token) has its own
	ScopePerLabel  = "per-label"  // each endpoint (sampler label) has its own
)

// Retry-After semantics (RetryAfter.Semantics).
const (
	RASemWindowReset = "window-reset" // seconds until the window resets: t + RA constant within a window
	RASemTokenRefill = "token-refill" // time until a token is available (about 1/rate)
	RASemConstant    = "constant"     // always the same value
	RASemRandom      = "random"       // no structure found
	RASemAbsent      = "absent"       // throttled responses carry no Retry-After
)

// Confidence levels, read from the BIC difference between the chosen model
// and the runner-up (Kass-Raftery): > 10 very-strong, 6-10 strong, 2-6
// positive, < 2 ambiguous; "none" when nothing was fitted.
const (
	ConfVeryStrong = "very-strong"
	ConfStrong     = "strong"
	ConfPositive   = "positive"
	ConfAmbiguous  = "ambiguous"
	ConfNone       = "none"
)

// Timer types (Timer.Type) that jmtune tune can write.
const (
	TimerConstant = "constant" // Constant Throughput Timer (all JMeter versions)
	TimerPrecise  = "precise"  // Precise Throughput Timer (JMeter >= 4.0)
	TimerShaping  = "shaping"  // jmeter-plugins Throughput Shaping Timer
)

// Result is everything jmtune analyze found in one run.
type Result struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          string `json:"tool"` // "jmtune <version>"

	Inputs []Input  `json:"inputs"`
	Run    RunStats `json:"run"`

	// Verdict is the plain 3-6 line summary an engineer pastes into a ticket.
	Verdict []string `json:"verdict"`

	Limit          Limit          `json:"limit"`
	Onset          Onset          `json:"onset"`
	RetryAfter     RetryAfter     `json:"retry_after"`
	Headers        HeaderEvidence `json:"headers"`
	Retries        Retries        `json:"retries"`
	Recommendation Recommendation `json:"recommendation"`

	// Candidates are the fitted models, best first (the evidence for Limit).
	Candidates []Candidate `json:"candidates"`
	// Labels summarises each sampler label.
	Labels []LabelStats `json:"labels"`

	// Warnings are caveats that did not stop the analysis (weak evidence,
	// skipped rows, guessed layouts, ...).
	Warnings []string `json:"warnings"`

	// Series are the per-second series; only in JSON when asked for
	// (analyze --series), always filled for report/plot callers.
	Series *Series `json:"series,omitempty"`
}

// Input describes one input file.
type Input struct {
	File     string `json:"file"`
	Format   string `json:"format"` // "csv" | "xml"
	Layout   string `json:"layout"` // how CSV columns were decided
	Rows     int    `json:"rows"`
	Skipped  int    `json:"skipped"`
	TimeMode string `json:"timestamp"` // "start" | "end": what timeStamp meant
}

// RunStats describes the run as a whole.
type RunStats struct {
	Start      string  `json:"start"` // RFC 3339, UTC
	StartMs    int64   `json:"start_ms"`
	DurationS  float64 `json:"duration_s"`
	Samples    int     `json:"samples"`  // samples analysed: transaction parents replaced by their children, sub-results of a sample not counted
	Requests   int     `json:"requests"` // samples that reached the server (HTTP responses)
	Accepted   int     `json:"accepted"`
	Throttled  int     `json:"throttled"`
	Errors     int     `json:"errors"` // failures other than throttling
	Share429   float64 `json:"throttled_share"`
	MaxThreads int     `json:"max_threads"`
	Engines    int     `json:"engines"`

	// Measured times for Little's law (seconds): mean and p90 elapsed of
	// accepted samples; think/pacing time per thread between samples.
	ResponseMeanS float64 `json:"response_mean_s"`
	ResponseP90S  float64 `json:"response_p90_s"`
	ThinkS        float64 `json:"think_s"`
	// ResponseP95S is the p95 elapsed (s) of accepted samples (the before/after
	// table of jmtune report).
	ResponseP95S float64 `json:"response_p95_s"`
	// Rates (per second, over the whole run).
	OfferedRatePerS  float64 `json:"offered_rate_per_s"`
	AcceptedRatePerS float64 `json:"accepted_rate_per_s"`
	// PeakAcceptedPerS is the highest accepted rate sustained over 10 s.
	PeakAcceptedPerS float64 `json:"peak_accepted_rate_per_s"`
}

// Limit is the inferred rate limit. Numbers that do not apply to the
// algorithm are null.
type Limit struct {
	Detected  bool   `json:"detected"`
	Algorithm string `json:"algorithm"`
	// Variant refines Algorithm: "log" or "counter" for sliding windows;
	// "clock-aligned" for fixed windows aligned to wall-clock multiples.
	Variant string `json:"variant,omitempty"`
	Scope   string `json:"scope"`
	// Labels are the sampler labels that were throttled (the limited endpoints).
	Labels []string `json:"labels,omitempty"`

	// RatePerS is the sustained allowed rate (limit/window, or the token
	// rate); per thread when Scope is per-thread, per label when per-label.
	RatePerS    *float64 `json:"rate_per_s"`
	Limit       *float64 `json:"limit"`       // requests per window
	WindowS     *float64 `json:"window_s"`    // window length, seconds
	PhaseS      *float64 `json:"phase_s"`     // window start offset: boundaries at phase + k*window (epoch seconds)
	Burst       *float64 `json:"burst"`       // token-bucket capacity, or leaky-queue length
	Concurrency *float64 `json:"concurrency"` // max requests in flight

	Confidence string  `json:"confidence"`
	DeltaBIC   float64 `json:"delta_bic"`     // BIC of the runner-up minus the chosen model's
	Mismatch   float64 `json:"mismatch_rate"` // share of teacher-forced decisions the model got wrong
	CVMismatch float64 `json:"cv_mismatch_rate"`

	// CI are 95% intervals per parameter ("rate_per_s", "limit", "window_s",
	// "burst", "concurrency").
	CI map[string][2]float64 `json:"ci,omitempty"`

	// LowerBoundPerS: when nothing was throttled, the highest accepted rate
	// seen; the real limit is at least this.
	LowerBoundPerS *float64 `json:"lower_bound_rate_per_s,omitempty"`

	// Changing is true when the limit differs between parts of the run
	// (adaptive or shared with other clients).
	Changing bool `json:"changing"`

	Caveats []string `json:"caveats,omitempty"`
}

// Onset is when throttling started (and stopped).
type Onset struct {
	Threads         *int     `json:"threads"` // allThreads at the onset of sustained throttling
	Time            string   `json:"time"`    // RFC 3339, UTC; "" when none
	OffsetS         *float64 `json:"offset_s"`
	OfferedRatePerS *float64 `json:"offered_rate_per_s"` // offered rate (trailing 5 s) at the onset
	// ThreadsAtLimitRate: threads when the offered rate first reached the limit's rate.
	ThreadsAtLimitRate *int     `json:"threads_at_limit_rate,omitempty"`
	StopTime           string   `json:"stop_time,omitempty"`
	StopOffsetS        *float64 `json:"stop_offset_s,omitempty"`
	// ChangePoints are the offsets (s) where the throttled share changed.
	ChangePoints []float64 `json:"change_points,omitempty"`
}

// RetryAfter describes the Retry-After values of throttled responses.
type RetryAfter struct {
	Present   bool     `json:"present"`
	Semantics string   `json:"semantics"`
	Count     int      `json:"count"` // throttled responses with a Retry-After
	MinS      *float64 `json:"min_s"`
	MedianS   *float64 `json:"median_s"`
	MaxS      *float64 `json:"max_s"`
	// Histogram counts Retry-After values by whole second.
	Histogram []Bucket `json:"histogram,omitempty"`
	// HTTPDate is true when some values were HTTP-dates.
	HTTPDate bool `json:"http_date"`
	// Explanation says in plain words what the values mean.
	Explanation string `json:"explanation"`
	// ResetPeriodS is the spacing of the reset instants (t + RA), when the
	// semantics is window-reset.
	ResetPeriodS *float64 `json:"reset_period_s,omitempty"`
	// ConsistentWithFit is false when Retry-After contradicts the fitted model.
	ConsistentWithFit bool `json:"consistent_with_fit"`
}

// Bucket is one histogram bucket.
type Bucket struct {
	Value float64 `json:"value"`
	Count int     `json:"count"`
}

// HeaderEvidence is what rate-limit response headers said.
type HeaderEvidence struct {
	Families      []string `json:"families"` // e.g. ["retry-after", "x-ratelimit", "inin"]
	Limit         *float64 `json:"limit,omitempty"`
	WindowS       *float64 `json:"window_s,omitempty"`
	PartitionKey  string   `json:"partition_key,omitempty"`
	Scope         string   `json:"scope,omitempty"` // from how remaining counts down
	AgreesWithFit *bool    `json:"agrees_with_fit,omitempty"`
	Note          string   `json:"note,omitempty"`
}

// Retries describes how the client retried throttled requests.
type Retries struct {
	Count int `json:"count"` // retries: the same thread re-issued the same label after a throttled response
	// BeforeRetryAfter counts retries sent before the Retry-After of the
	// throttled response had passed.
	BeforeRetryAfter int `json:"before_retry_after"`
	// Honoured is the share of retries that waited at least Retry-After.
	Honoured float64 `json:"honoured_share"`
	// SynchronisedBursts counts seconds in which many threads retried together.
	SynchronisedBursts int     `json:"synchronised_bursts"`
	AttemptsPerSuccess float64 `json:"attempts_per_success"`
	// TimeLostS is thread time spent on throttled attempts and waiting.
	TimeLostS float64 `json:"time_lost_s"`
	// RepeatedFetches lists labels that one thread fetched again and again
	// (candidates for caching, "fetch once per session").
	RepeatedFetches []string `json:"repeated_fetches,omitempty"`
	Explanation     string   `json:"explanation"`
}

// Recommendation is how to change the plan.
type Recommendation struct {
	// TargetRatePerS is the rate to pace the throttled requests at: for a
	// shared scope the total, for per-thread the rate of one thread, for
	// per-label the rate of each label in PerLabel.
	TargetRatePerS float64            `json:"target_rate_per_s"`
	SafetyFactor   float64            `json:"safety_factor"`
	Scope          string             `json:"scope"`
	PerLabel       map[string]float64 `json:"per_label,omitempty"`
	Threads        int                `json:"threads"`
	RampUpS        float64            `json:"ramp_up_s"`
	Timer          Timer              `json:"timer"`
	Backoff        Backoff            `json:"backoff"`
	// CacheLabels are labels to fetch once per thread.
	CacheLabels []string `json:"cache_labels,omitempty"`
	// Expected is what a run with these settings should see.
	ExpectedSharePct float64  `json:"expected_throttled_pct"`
	Notes            []string `json:"notes,omitempty"`

	// SafetyFactor and TargetRatePerS are for Timer.Type (the Constant
	// Throughput Timer, which spaces requests evenly). PreciseSafetyFactor
	// and PreciseTargetRatePerS are for a Precise Throughput Timer (tune
	// --timer precise), whose arrivals fall at random within each period:
	// window and bucket limits need more room for them (0 when the same).
	PreciseSafetyFactor   float64 `json:"precise_safety_factor,omitempty"`
	PreciseTargetRatePerS float64 `json:"precise_target_rate_per_s,omitempty"`
}

// Timer is the throughput timer to write.
type Timer struct {
	Type string `json:"type"` // constant | precise | shaping
	// Mode is "shared" (one schedule for all threads of the group) or
	// "per-thread" (each thread paces itself: per-user limits).
	Mode string `json:"mode"`
	// CalcMode is the Constant Throughput Timer calcMode (0 per thread, 4
	// shared in the thread group).
	CalcMode int `json:"calc_mode"`
	// PerMinute is the Constant Throughput Timer target (samples per minute).
	PerMinute float64 `json:"per_minute"`
	// PeriodS is the Precise Throughput Timer period (the window, for window limiters).
	PeriodS float64 `json:"period_s,omitempty"`
}

// Backoff is the retry policy to write.
type Backoff struct {
	HonourRetryAfter bool    `json:"honour_retry_after"`
	JitterS          float64 `json:"jitter_s"` // max jitter added to Retry-After: sleep = RA + U(0, jitter)
	BaseS            float64 `json:"base_s"`   // without Retry-After: full jitter U(0, min(cap, base*2^n))
	CapS             float64 `json:"cap_s"`
	MaxAttempts      int     `json:"max_attempts"` // including the first
	BudgetShare      float64 `json:"budget_share"` // retries allowed as a share of requests
	Policy           string  `json:"policy"`       // e.g. "retry-after+jitter, else full-jitter exponential"
}

// Candidate is one fitted model (algorithm x scope x variant).
type Candidate struct {
	Algorithm string             `json:"algorithm"`
	Variant   string             `json:"variant,omitempty"`
	Scope     string             `json:"scope"`
	Params    map[string]float64 `json:"params"`
	K         int                `json:"k"` // parameters counted by BIC
	N         int                `json:"n"` // decisions predicted
	Mismatch  int                `json:"mismatches"`
	BIC       float64            `json:"bic"`
	Note      string             `json:"note,omitempty"`
}

// LabelStats summarises one sampler label.
type LabelStats struct {
	Label     string  `json:"label"`
	Samples   int     `json:"samples"`
	Throttled int     `json:"throttled"`
	Errors    int     `json:"errors"`
	Retries   int     `json:"retries"`
	RatePerS  float64 `json:"rate_per_s"`
	P95Ms     float64 `json:"p95_ms"`
}

// Series are per-second counts over the run, for charts and checks. Index i
// covers [StartMs + i*StepMs, StartMs + (i+1)*StepMs).
type Series struct {
	StartMs   int64     `json:"start_ms"`
	StepMs    int64     `json:"step_ms"`
	Offered   []float64 `json:"offered"`   // requests started
	Accepted  []float64 `json:"accepted"`  // not throttled, not errors
	Throttled []float64 `json:"throttled"` // throttled responses (429, ...)
	Errors    []float64 `json:"errors"`    // other failures
	Threads   []float64 `json:"threads"`   // max active threads (allThreads, summed over engines)
	InFlight  []float64 `json:"in_flight"` // mean requests in flight
	// Response time percentiles (ms) of accepted samples; NaN-free: 0 when
	// the bucket had none (see Accepted).
	P50 []float64 `json:"p50_ms"`
	P90 []float64 `json:"p90_ms"`
	P99 []float64 `json:"p99_ms"`
	// Codes counts responses per code per bucket.
	Codes map[string][]float64 `json:"codes"`
	// RetryAfter are (offset seconds from StartMs, Retry-After seconds) of
	// throttled responses.
	RetryAfter []Point `json:"retry_after"`
	// PerLabel are the same counts for each label (Offered, Accepted,
	// Throttled, Errors only).
	PerLabel map[string]*Series `json:"per_label,omitempty"`
}

// Point is one (x, y) pair.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}
