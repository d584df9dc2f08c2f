// Package sim is a JMeter-like closed-loop load simulator in virtual time,
// playing thread groups against an internal/limiter server model. It is
// deterministic for a seed and fast (discrete events, no sleeping), and
// writes real JMeter result files through jtl's writers.
//
// What it models, as JMeter does it:
//
//   - thread groups: N threads, linear ramp-up (thread i starts at
//     delay + i*ramp/N), loops or a scheduler duration counted from the
//     group's start (ramp-up included), timers cut short at the end;
//   - samplers with labels, a server service-time distribution, Once Only
//     samplers (login, one token per thread or shared tokens);
//   - timers: constant, uniform random, gaussian random, Constant
//     Throughput Timer (calcMode 0-4), Precise Throughput Timer (Poisson
//     arrivals with an exact count per period, shared by the group),
//     Throughput Shaping Timer (an RPS schedule);
//   - think time (a Flow Control Action pause before a sampler, not
//     repeated on retries) apart from timers (every execution);
//   - retry policies: none, immediate, un-jittered exponential ignoring
//     Retry-After, Retry-After with jitter and a budget (the policy jmtune
//     tune writes; its retries are labelled jtl.RetryLabel(label, n));
//   - one-way network delay with jitter, keep-alive connect times, fast
//     rejections, grpThreads/allThreads at sample end, start or end
//     timestamps, optional 5xx noise and timestamp jitter.
//
// Simulate returns every sample in completion order (as JMeter writes them) and
// the server's decisions.
package sim

import (
	"errors"
	"fmt"
	"time"

	"jmtune/internal/limiter"
)

// Config is one simulated test run.
type Config struct {
	// Seed makes the run reproducible.
	Seed uint64
	// StartUnixMs is the virtual wall-clock time of the test start (epoch
	// ms); 0 means DefaultStartUnixMs.
	StartUnixMs int64

	Groups  []Group
	Server  Server
	Network Network
	Output  Output
}

// DefaultStartUnixMs is the test start when Config.StartUnixMs is 0
// (2026-11-26T19:00:23.457Z, not aligned to any usual window).
const DefaultStartUnixMs = 1795719623457

// Group is a JMeter thread group.
type Group struct {
	Name    string        // thread names are "<Name> <g>-<i>"
	Threads int           // number of threads
	RampUp  time.Duration // thread i starts at Delay + i*RampUp/Threads
	Delay   time.Duration // startup delay
	// Loops is the number of iterations per thread; -1 loops until
	// Duration ends (Duration is then required).
	Loops int
	// Duration is the scheduler duration from the group's start (Delay
	// included, as JMeter counts it); 0 means no scheduler.
	Duration time.Duration

	// Once are samplers run in the first iteration only (Once Only
	// Controller), before Samplers: the login.
	Once []Sampler
	// Samplers run in order in every iteration.
	Samplers []Sampler
	// Timers apply before every sampler execution in the group, retries
	// included (timers at thread-group level).
	Timers []Timer
	// Retry is how throttled responses are retried.
	Retry Retry
	// Tokens is how many access tokens the group's threads share: 0 gives
	// each thread its own token (each logs in), n > 0 gives thread i token
	// i mod n.
	Tokens int
}

// Sampler is an HTTP request.
type Sampler struct {
	Label string
	// Method and Path make the URL (http://<host><path>); "{id}" in Path is
	// replaced by a random script id 1..50 as the seed plan does.
	Method string
	Path   string
	// Limited sends the request through the server's limiter; login is not
	// limited unless Server.LimitLogin.
	Limited bool
	// Service is the server's service time of an admitted request.
	Service Dist
	// Bytes is the response size of an admitted request (headers + body).
	Bytes int
	// Think is a pause before the sampler's first attempt (a Flow Control
	// Action with a timer before a retry loop): not repeated on retries.
	Think []Timer
	// Timers apply before every execution of this sampler, retries included.
	Timers []Timer
	// Retry, when set, replaces the group's retry policy for this sampler
	// (a retry loop around one sampler).
	Retry *Retry
}

// Server is the simulated API.
type Server struct {
	// Levels are the limiter levels for Limited samplers; none means no limit.
	Levels []limiter.Level
	// Responder builds Retry-After, Date and rate-limit headers.
	Responder limiter.Responder
	// RejectTime is the service time of a rejected request (default 1 ms).
	RejectTime Dist
	// LimitLogin sends Once samplers through the limiter too.
	LimitLogin bool
	// ErrorShare is the share of admitted requests answered 500 instead
	// (noise); they still count against the quota.
	ErrorShare float64
	// Host names the server in URLs (default api.example.test).
	Host string
}

// Network is the client-server path.
type Network struct {
	// OneWay is the one-way delay, plus a uniform random ±Jitter per trip.
	OneWay time.Duration
	Jitter time.Duration
	// NoKeepAlive makes every request open a connection (one round trip,
	// reported in Connect); by default only a thread's first request does.
	NoKeepAlive bool
}

// Output configures the written samples.
type Output struct {
	// EndTimestamps writes timeStamp as the sample end
	// (sampleresult.timestamp.start=false); default is the start.
	EndTimestamps bool
	// TimestampJitter adds a uniform random ±jitter to every written
	// timeStamp (noise; the sample's real times are kept in Record).
	TimestampJitter time.Duration
	// Variables are the sample_variables to fill from response headers
	// (jtl.Var* names); nil means DefaultVariables.
	Variables []string
	// NoHeaders leaves Sample.Headers empty (saves memory when no XML is
	// written).
	NoHeaders bool
}

// DefaultVariables are the sample variables a run fills by default: what
// jmtune tune's header capture writes.
var DefaultVariables = []string{"retryAfter", "rlLimit", "rlRemaining", "rlReset", "rlPolicy", "rateLimit", "respDate"}

// Validate reports a configuration that cannot run.
func (c *Config) Validate() error {
	if len(c.Groups) == 0 {
		return errors.New("sim: no thread group")
	}
	for gi, g := range c.Groups {
		name := fmt.Sprintf("thread group %d (%s)", gi+1, g.Name)
		switch {
		case g.Threads < 1:
			return fmt.Errorf("sim: %s: threads must be at least 1, got %d", name, g.Threads)
		case g.RampUp < 0 || g.Delay < 0 || g.Duration < 0:
			return fmt.Errorf("sim: %s: negative ramp-up, delay or duration", name)
		case g.Loops == 0 || g.Loops < -1:
			return fmt.Errorf("sim: %s: loops must be -1 (forever) or at least 1, got %d", name, g.Loops)
		case g.Loops == -1 && g.Duration == 0:
			return fmt.Errorf("sim: %s: loops forever without a scheduler duration would never end", name)
		case len(g.Samplers) == 0 && len(g.Once) == 0:
			return fmt.Errorf("sim: %s: no samplers", name)
		}
		for _, s := range append(append([]Sampler(nil), g.Once...), g.Samplers...) {
			if s.Label == "" {
				return fmt.Errorf("sim: %s: a sampler has no label", name)
			}
			if s.Retry != nil {
				if err := s.Retry.validate(); err != nil {
					return fmt.Errorf("sim: %s: sampler %q: %w", name, s.Label, err)
				}
			}
			for _, t := range append(append([]Timer(nil), s.Think...), s.Timers...) {
				if err := t.validate(); err != nil {
					return fmt.Errorf("sim: %s: sampler %q: %w", name, s.Label, err)
				}
			}
		}
		for _, t := range g.Timers {
			if err := t.validate(); err != nil {
				return fmt.Errorf("sim: %s: %w", name, err)
			}
		}
		if err := g.Retry.validate(); err != nil {
			return fmt.Errorf("sim: %s: %w", name, err)
		}
	}
	if len(c.Server.Levels) > 0 {
		if _, err := limiter.New(c.Server.Levels...); err != nil {
			return fmt.Errorf("sim: server: %w", err)
		}
	}
	if c.Server.ErrorShare < 0 || c.Server.ErrorShare >= 1 {
		return fmt.Errorf("sim: server error share must be in [0, 1), got %g", c.Server.ErrorShare)
	}
	if c.Network.Jitter > c.Network.OneWay {
		return fmt.Errorf("sim: network jitter %v exceeds the one-way delay %v", c.Network.Jitter, c.Network.OneWay)
	}
	return nil
}

// RetryPolicy is how a client retries a throttled response.
type RetryPolicy int

// Retry policies.
const (
	// RetryNone: a throttled response is a failed sample; go on.
	RetryNone RetryPolicy = iota
	// RetryImmediate: retry at once (the scenarios' plan with retries > 0).
	RetryImmediate
	// RetryExponential: wait Base*2^(n-1) (1, 2, 4 s ...) up to Cap,
	// without jitter, ignoring Retry-After: the seed case's "plain
	// exponential backoff".
	RetryExponential
	// RetryHonour: wait Retry-After + U(0, Jitter); without Retry-After,
	// full jitter U(0, min(Cap, Base*2^(n-1))); within a retry budget
	// shared by all threads; a Retry-After above MaxWait is not waited for.
	// Retries 429s, and 503s that carry Retry-After. The policy jmtune tune
	// writes (jmx/tune's decide script).
	RetryHonour
)

// String names the policy.
func (p RetryPolicy) String() string {
	switch p {
	case RetryNone:
		return "none"
	case RetryImmediate:
		return "immediate"
	case RetryExponential:
		return "exponential"
	case RetryHonour:
		return "retry-after+jitter"
	}
	return fmt.Sprintf("RetryPolicy(%d)", int(p))
}

// Retry configures retries of throttled responses.
type Retry struct {
	Policy RetryPolicy
	// MaxAttempts bounds the attempts of one request, the first included;
	// 0 means 4.
	MaxAttempts int
	// Base and Cap shape exponential waits (defaults 1 s and 60 s).
	Base, Cap time.Duration
	// Jitter is the largest random time added to Retry-After (RetryHonour).
	Jitter time.Duration
	// BudgetShare caps the retries of all threads together at 10 +
	// BudgetShare × first attempts (jmtune's budget); 0 means no budget.
	BudgetShare float64
	// MaxWait gives up instead of waiting a longer Retry-After
	// (RetryHonour); 0 means no limit.
	MaxWait time.Duration
	// Codes are the statuses retried; nil means 429 and 503 (RetryHonour:
	// 503 only with Retry-After).
	Codes []int
	// LabelRetries labels the n-th retry jtl.RetryLabel(label, n), as
	// jmtune tune's plans do; otherwise retries keep the label.
	LabelRetries bool
}

func (r Retry) validate() error {
	if r.MaxAttempts < 0 || r.Base < 0 || r.Cap < 0 || r.Jitter < 0 || r.BudgetShare < 0 || r.MaxWait < 0 {
		return fmt.Errorf("retry: negative setting in %+v", r)
	}
	return nil
}

func (r Retry) maxAttempts() int {
	if r.MaxAttempts == 0 {
		return 4
	}
	return r.MaxAttempts
}

func (r Retry) retries(code int) bool {
	if r.Policy == RetryNone {
		return false
	}
	if r.Codes == nil {
		return code == 429 || code == 503
	}
	for _, c := range r.Codes {
		if c == code {
			return true
		}
	}
	return false
}
