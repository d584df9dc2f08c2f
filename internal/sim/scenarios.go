package sim

import (
	"slices"
	"time"

	"jmtune/internal/limiter"
	"jmtune/jtl"
)

// Scenario is a simulated run with a known limiter: the ground truth for
// accuracy tests of the analysis (ratelimit-inference.md section 7).
//
//	for _, sc := range sim.Scenarios() {
//		run, err := sc.Run()
//		...
//		want := sc.Expect(run)           // the right answer for this run as written in sc.Format
//		run.WriteCSV(&buf)               // or WriteXML, WriteCSV213
//	}
type Scenario struct {
	// Name is a stable identifier, e.g. "seed-replica".
	Name string
	// Description says what the server does and what the load is.
	Description string
	// Config is the simulation.
	Config Config
	// Format is the result format a test should write by default: "csv"
	// (5.x, with header), "csv213" (header-less 2.13 layout) or "xml" (with
	// response headers).
	Format string
}

// Run simulates the scenario.
func (s Scenario) Run() (*Run, error) { return Simulate(s.Config) }

// Expect returns the expected answer for a run of the scenario written in
// its Format: like the package's Expect, except that Retry-After is absent
// when the file cannot show it (a CSV without the retryAfter variable).
func (s Scenario) Expect(r *Run) Expected {
	ex := Expect(r)
	if s.Format == "xml" || slices.Contains(r.Variables(), jtl.VarRetryAfter) || !ex.Limit.Detected {
		return ex
	}
	ex.RetryAfter = ExpectedRetryAfter{Present: false, Semantics: []string{RASemAbsent}}
	return ex
}

// ScenarioByName returns the scenario called name.
func ScenarioByName(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

const (
	ms  = time.Millisecond
	sec = time.Second
)

// login is the Once Only login of every scenario (never limited).
var login = Sampler{Label: "POST /oauth/token", Method: "POST", Path: "/oauth/token",
	Service: Lognormal(30*ms, 0.3), Bytes: 193}

// getScript is the limited GET of the seed case with a think time before it.
func getScript(service Dist, think Timer) Sampler {
	return Sampler{Label: "GET script", Method: "GET", Path: "/api/v2/scripts/{id}", Limited: true,
		Service: service, Bytes: 3356, Think: []Timer{think}}
}

// agents is the seed plan's thread group: log in once, then think and GET.
func agents(threads int, ramp, dur time.Duration, think Timer, service Dist) Group {
	return Group{Name: "Agents", Threads: threads, RampUp: ramp, Loops: -1, Duration: dur,
		Once: []Sampler{login}, Samplers: []Sampler{getScript(service, think)}}
}

func shared(c limiter.Config) []limiter.Level {
	return []limiter.Level{{Config: c, Scope: limiter.ScopeShared}}
}

var (
	lan     = Network{OneWay: 25 * ms, Jitter: 15 * ms}
	service = Lognormal(120*ms, 0.4)
	reset   = limiter.Responder{RetryAfter: limiter.RetryAfter{Mode: limiter.RetryAfterReset}}
	absent  = limiter.Responder{RetryAfter: limiter.RetryAfter{Mode: limiter.RetryAfterAbsent}}
	raVar   = []string{jtl.VarRetryAfter}
)

// Scenarios returns the ground-truth scenarios. Every call returns fresh
// values; each scenario's load saturates its limiter (see the throttled
// share in the package tests) without drowning it.
func Scenarios() []Scenario {
	fixed300 := limiter.Config{Algorithm: limiter.FixedWindow, Limit: 300, Window: 60 * sec, Phase: 17300 * ms}
	window30 := agents(30, 10*sec, 300*sec, UniformTimer(2500*ms, 1000*ms), service)
	return []Scenario{
		{
			Name: "seed-replica",
			Description: "seed case: fixed window 1500 per 15 s shared (windows 6.4 s after the test start), Retry-After to the window end; " +
				"200 agents, ramp-up 200 s, 240 s, login once, think 280-380 ms, GET ~120 ms (R+Z about 0.5 s), no retry",
			Config: Config{Seed: 101,
				Groups: []Group{agents(200, 200*sec, 240*sec, UniformTimer(280*ms, 100*ms), service)},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.FixedWindow, Limit: 1500, Window: 15 * sec, Phase: 6400 * ms}),
					Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name:        "fixed-clock-aligned",
			Description: "fixed window 300 per 60 s shared on wall-clock minutes, Retry-After to the window end; 30 threads, ramp-up 10 s, 300 s, think 2.5-3.5 s",
			Config: Config{Seed: 102, Groups: []Group{window30},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.FixedWindow, Limit: 300, Window: 60 * sec, Align: limiter.AlignClock}),
					Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name:        "token-bucket-50ps-b100",
			Description: "token bucket 50/s, burst 100 (starts full), shared, Retry-After to the next token; 100 threads, ramp-up 60 s, 150 s, think 1.0-1.4 s, GET ~100 ms",
			Config: Config{Seed: 103,
				Groups: []Group{agents(100, 60*sec, 150*sec, UniformTimer(1000*ms, 400*ms), Lognormal(100*ms, 0.3))},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.TokenBucket, Rate: 50, Burst: 100}),
					Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name:        "sliding-log-100-per-10s",
			Description: "sliding window log 100 per 10 s shared, Retry-After until the oldest request leaves the window; 50 threads, ramp-up 5 s, 180 s, think 2.5-4 s",
			Config: Config{Seed: 104,
				Groups: []Group{agents(50, 5*sec, 180*sec, UniformTimer(2500*ms, 1500*ms), service)},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.SlidingLog, Limit: 100, Window: 10 * sec}),
					Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name:        "sliding-counter-600-per-60s",
			Description: "sliding window counter (Cloudflare style) 600 per 60 s shared, windows from the test start; 100 threads, ramp-up 30 s, 360 s, think 5-9 s",
			Config: Config{Seed: 105,
				Groups: []Group{agents(100, 30*sec, 360*sec, UniformTimer(5*sec, 4*sec), service)},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.SlidingCounter, Limit: 600, Window: 60 * sec}),
					Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name:        "concurrency-20",
			Description: "concurrency cap 20 in flight, shared, no Retry-After; service lognormal median 400 ms; 100 threads, ramp-up 20 s, 120 s, think 0.8-1.6 s",
			Config: Config{Seed: 106,
				Groups: []Group{agents(100, 20*sec, 120*sec, UniformTimer(800*ms, 800*ms), Lognormal(400*ms, 0.3))},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.Concurrency, Concurrency: 20}),
					Responder: absent},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name:        "leaky-queue-10ps-b20",
			Description: "leaky queue (nginx limit_req, no nodelay) 10 r/s, burst 20, 503 without Retry-After; 60 threads, ramp-up 30 s, 150 s, think 2-3 s",
			Config: Config{Seed: 107,
				Groups: []Group{agents(60, 30*sec, 150*sec, UniformTimer(2*sec, 1*sec), service)},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.LeakyQueue, Rate: 10, Burst: 20}),
					Responder: absent},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name: "per-token-fixed-300-per-60s",
			Description: "Genesys-like: fixed window 300 per 60 s per access token (window from the token's first request), inin-ratelimit headers, " +
				"Retry-After to the window end; 20 threads each with its own token, ramp-up 10 s, 150 s, about 8 req/s per thread",
			Config: Config{Seed: 108,
				Groups: []Group{agents(20, 10*sec, 150*sec, UniformTimer(50*ms, 20*ms), Lognormal(25*ms, 0.3))},
				Server: Server{Levels: []limiter.Level{{Scope: limiter.ScopeToken,
					Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 300, Window: 60 * sec, Align: limiter.AlignFirst}}},
					Responder: limiter.Responder{Family: limiter.FamilyInin}},
				Network: Network{OneWay: 15 * ms, Jitter: 5 * ms},
				Output:  Output{Variables: []string{jtl.VarRetryAfter, jtl.VarRLLimit, jtl.VarRLReset}}},
			Format: "xml",
		},
		{
			Name: "two-level-token-300-org-3000",
			Description: "two levels: per token 300 per 60 s and shared 3000 per 60 s (fixed windows); 5 clients x 10 threads, each thread its own token, " +
				"2 req/s per thread: the shared level binds (per-token load 2/s < 5/s)",
			Config: Config{Seed: 109,
				Groups: clients(5, 10),
				Server: Server{Levels: []limiter.Level{
					{Scope: limiter.ScopeToken, Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 300, Window: 60 * sec}},
					{Scope: limiter.ScopeShared, Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 3000, Window: 60 * sec, Phase: 9 * sec}},
				}, Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name: "retry-storm",
			Description: "fixed window 100 per 10 s shared; 80 threads, ramp-up 20 s, 150 s, think 2-3 s; clients retry 429s after 1, 2, 4 s " +
				"(un-jittered exponential, Retry-After ignored, same label)",
			Config: Config{Seed: 110,
				Groups: []Group{withRetry(agents(80, 20*sec, 150*sec, UniformTimer(2*sec, 1*sec), service),
					Retry{Policy: RetryExponential, MaxAttempts: 4, Base: sec, Cap: 8 * sec})},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.FixedWindow, Limit: 100, Window: 10 * sec, Phase: 3 * sec}),
					Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name: "robustness-end-timestamps",
			Description: "fixed window 300 per 60 s shared (phase 17.3 s); 1% random 500s, timeStamp written as the sample end, ±20 ms timestamp jitter; " +
				"30 threads, ramp-up 10 s, 300 s",
			Config: Config{Seed: 111, Groups: []Group{window30},
				Server:  Server{Levels: shared(fixed300), Responder: reset, ErrorShare: 0.01},
				Network: lan,
				Output:  Output{Variables: raVar, EndTimestamps: true, TimestampJitter: 20 * ms}},
			Format: "csv",
		},
		{
			Name: "http-date-retry-after",
			Description: "fixed window 300 per 60 s shared (phase 17.3 s); Retry-After as an HTTP-date on a server clock 3 s ahead, Date header saved; " +
				"30 threads, ramp-up 10 s, 300 s",
			Config: Config{Seed: 112, Groups: []Group{window30},
				Server: Server{Levels: shared(fixed300),
					Responder: limiter.Responder{RetryAfter: limiter.RetryAfter{Mode: limiter.RetryAfterDate}, Skew: 3 * sec}},
				Network: lan,
				Output:  Output{Variables: []string{jtl.VarRetryAfter, jtl.VarDate}}},
			Format: "xml",
		},
		{
			Name: "headers-only-ietf",
			Description: "fixed window 100 per 60 s shared with RateLimit-Policy: \"default\";q=100;w=60 and RateLimit headers, no Retry-After; " +
				"30 threads, ramp-up 10 s, 300 s, think 5-8 s",
			Config: Config{Seed: 113,
				Groups: []Group{agents(30, 10*sec, 300*sec, UniformTimer(5*sec, 3*sec), service)},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.FixedWindow, Limit: 100, Window: 60 * sec, Phase: 41 * sec}),
					Responder: limiter.Responder{RetryAfter: limiter.RetryAfter{Mode: limiter.RetryAfterAbsent}, Family: limiter.FamilyIETF}},
				Network: lan,
				Output:  Output{Variables: []string{jtl.VarRetryAfter, jtl.VarRLPolicy, jtl.VarRateLimit}}},
			Format: "xml",
		},
		{
			Name:        "under-the-limit",
			Description: "fixed window 300 per 60 s shared; 10 threads, think 4-6 s: about 2 req/s against 5 req/s allowed, nothing throttled",
			Config: Config{Seed: 114,
				Groups:  []Group{agents(10, 10*sec, 180*sec, UniformTimer(4*sec, 2*sec), service)},
				Server:  Server{Levels: shared(fixed300), Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name: "per-label-fixed-200-per-20s",
			Description: "fixed window 200 per 20 s per endpoint: GET script (40 threads, ~13 req/s) is throttled, GET user (10 threads, ~3 req/s) is not; " +
				"ramp-up 10 s, 180 s",
			Config: Config{Seed: 115,
				Groups: []Group{
					agents(40, 10*sec, 180*sec, UniformTimer(2500*ms, 1000*ms), service),
					{Name: "Supervisors", Threads: 10, RampUp: 10 * sec, Loops: -1, Duration: 180 * sec, Once: []Sampler{login},
						Samplers: []Sampler{{Label: "GET user", Method: "GET", Path: "/api/v2/users/{id}", Limited: true,
							Service: Lognormal(80*ms, 0.3), Bytes: 1200, Think: []Timer{UniformTimer(2500*ms, 1000*ms)}}}},
				},
				Server: Server{Levels: []limiter.Level{{Scope: limiter.ScopeLabel,
					Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 200, Window: 20 * sec}}}, Responder: reset},
				Network: lan, Output: Output{Variables: raVar}},
			Format: "csv",
		},
		{
			Name: "seed-csv213",
			Description: "the seed limiter (fixed 1500 per 15 s shared) written as JMeter 2.13 writes by default: 12 columns, no header; " +
				"120 agents, ramp-up 60 s, 150 s",
			Config: Config{Seed: 116,
				Groups: []Group{agents(120, 60*sec, 150*sec, UniformTimer(280*ms, 100*ms), service)},
				Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.FixedWindow, Limit: 1500, Window: 15 * sec, Phase: 2 * sec}),
					Responder: reset},
				Network: lan, Output: Output{Variables: []string{}}},
			Format: "csv213",
		},
	}
}

// clients returns n thread groups "Client k" of m threads, each thread
// with its own token, 2 req/s each.
func clients(n, m int) []Group {
	var gs []Group
	for k := 0; k < n; k++ {
		g := agents(m, 10*sec, 180*sec, UniformTimer(330*ms, 100*ms), Lognormal(50*ms, 0.3))
		g.Name = "Client " + string(rune('A'+k))
		gs = append(gs, g)
	}
	return gs
}

func withRetry(g Group, r Retry) Group {
	g.Retry = r
	return g
}
