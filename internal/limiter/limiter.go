// Package limiter models server-side rate limiters: fixed window, sliding
// window log, sliding window counter, token bucket, concurrency cap and leaky
// queue (nginx limit_req without nodelay), keyed by scope and optionally
// stacked in levels, with the Retry-After and rate-limit response headers a
// server sends.
//
// Time is passed in, never read from a clock: every method takes now as Unix
// nanoseconds. The same models therefore drive the virtual-time simulator
// (internal/sim) and the real HTTP test server (internal/testserver).
//
//	lim, err := limiter.New(limiter.Level{Config: limiter.Config{
//		Algorithm: limiter.FixedWindow, Limit: 1500, Window: 15 * time.Second,
//	}})
//	out := lim.Decide(now, limiter.Request{Token: tok})
//	if !out.Allowed { ... out.Wait ... }
//	defer lim.Release(now2, out) // concurrency caps only need it
package limiter

import (
	"fmt"
	"strings"
	"time"
)

// Algorithm is a limiter algorithm.
type Algorithm int

// Algorithms.
const (
	FixedWindow    Algorithm = iota + 1 // Limit per Window, windows at fixed boundaries
	SlidingLog                          // Limit in any rolling Window (exact log)
	SlidingCounter                      // Cloudflare-style weighted previous + current window counts
	TokenBucket                         // Rate tokens/s, capacity Burst, starts full
	Concurrency                         // at most Concurrency requests in flight
	LeakyQueue                          // nginx limit_req without nodelay: delay to Rate, queue up to Burst
)

var algoNames = map[Algorithm]string{
	FixedWindow:    "fixed",
	SlidingLog:     "sliding",
	SlidingCounter: "sliding-counter",
	TokenBucket:    "token",
	Concurrency:    "concurrency",
	LeakyQueue:     "leaky",
}

// String returns the short name used by the test server's --algo flag.
func (a Algorithm) String() string {
	if s, ok := algoNames[a]; ok {
		return s
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// ParseAlgorithm parses an algorithm name: fixed, sliding (or sliding-log),
// sliding-counter, token (or token-bucket), concurrency, leaky (or
// leaky-queue). The analysis names (fixed-window, sliding-window, ...) are
// accepted too.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fixed", "fixed-window":
		return FixedWindow, nil
	case "sliding", "sliding-log", "sliding-window":
		return SlidingLog, nil
	case "sliding-counter":
		return SlidingCounter, nil
	case "token", "token-bucket", "gcra":
		return TokenBucket, nil
	case "concurrency":
		return Concurrency, nil
	case "leaky", "leaky-queue":
		return LeakyQueue, nil
	}
	return 0, fmt.Errorf("unknown limiter algorithm %q (want fixed, sliding, sliding-counter, token, concurrency or leaky)", s)
}

// Align says where window boundaries lie (fixed window and sliding counter).
type Align int

// Window alignments.
const (
	// AlignStart puts boundaries at Origin + Phase + k*Window (server start).
	AlignStart Align = iota
	// AlignClock puts boundaries at wall-clock multiples of Window (Unix
	// epoch + Phase + k*Window), as a global limiter keyed by "the current
	// minute" does.
	AlignClock
	// AlignFirst starts a window at the first request of a key, and a new
	// one at the first request after it expired (Redis INCR + EXPIRE style).
	AlignFirst
)

// String returns start, clock or first.
func (a Align) String() string {
	switch a {
	case AlignStart:
		return "start"
	case AlignClock:
		return "clock"
	case AlignFirst:
		return "first"
	}
	return fmt.Sprintf("Align(%d)", int(a))
}

// ParseAlign parses start, clock (or epoch) or first.
func ParseAlign(s string) (Align, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "start", "":
		return AlignStart, nil
	case "clock", "epoch", "wall":
		return AlignClock, nil
	case "first", "first-request":
		return AlignFirst, nil
	}
	return 0, fmt.Errorf("unknown window alignment %q (want start, clock or first)", s)
}

// Config configures one limiter model. Only the fields of its Algorithm
// matter.
type Config struct {
	Algorithm Algorithm

	Limit  int           // fixed, sliding, sliding-counter: requests per Window
	Window time.Duration // fixed, sliding, sliding-counter

	Rate  float64 // token, leaky: requests (tokens) per second
	Burst int     // token: bucket capacity; leaky: how many requests may wait

	Concurrency int // concurrency: requests in flight

	// Align, Origin and Phase place window boundaries (fixed window and
	// sliding counter). Origin is the server start in Unix ns (AlignStart);
	// Phase shifts every boundary.
	Align  Align
	Origin int64
	Phase  time.Duration

	// CountRejected makes rejected requests count against the quota (a
	// fixed or sliding window counts them; a token bucket takes a token when
	// one is there). Default: only admitted requests count.
	CountRejected bool

	// RejectCode is the status of a rejected request: 0 means 429, or 503
	// for LeakyQueue (nginx's default).
	RejectCode int

	// RetryHint is the wait a concurrency cap reports (it cannot know when a
	// slot frees); 0 means 1 s.
	RetryHint time.Duration
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch c.Algorithm {
	case FixedWindow, SlidingLog, SlidingCounter:
		if c.Limit < 1 {
			return fmt.Errorf("%v limiter: limit must be at least 1, got %d", c.Algorithm, c.Limit)
		}
		if c.Window <= 0 {
			return fmt.Errorf("%v limiter: window must be positive, got %v", c.Algorithm, c.Window)
		}
	case TokenBucket:
		if c.Rate <= 0 {
			return fmt.Errorf("token limiter: rate must be positive, got %g", c.Rate)
		}
		if c.Burst < 1 {
			return fmt.Errorf("token limiter: burst must be at least 1, got %d", c.Burst)
		}
	case LeakyQueue:
		if c.Rate <= 0 {
			return fmt.Errorf("leaky limiter: rate must be positive, got %g", c.Rate)
		}
		if c.Burst < 0 {
			return fmt.Errorf("leaky limiter: burst must not be negative, got %d", c.Burst)
		}
	case Concurrency:
		if c.Concurrency < 1 {
			return fmt.Errorf("concurrency limiter: concurrency must be at least 1, got %d", c.Concurrency)
		}
	default:
		return fmt.Errorf("limiter: no algorithm set")
	}
	return nil
}

// RejectStatus returns the status of a rejected request: RejectCode, else
// 503 for a leaky queue and 429 for every other model.
func (c Config) RejectStatus() int {
	if c.RejectCode != 0 {
		return c.RejectCode
	}
	if c.Algorithm == LeakyQueue {
		return 503
	}
	return 429
}

// RatePerS returns the sustained allowed rate: Limit/Window or Rate; 0 for a
// concurrency cap.
func (c Config) RatePerS() float64 {
	switch c.Algorithm {
	case FixedWindow, SlidingLog, SlidingCounter:
		return float64(c.Limit) / c.Window.Seconds()
	case TokenBucket, LeakyQueue:
		return c.Rate
	}
	return 0
}

// Decision is what a model decided for one request, with the quota state
// after it, as a server would report it in headers and its log.
type Decision struct {
	Allowed bool
	// Code is the status of a rejected request (429, or 503 for a leaky
	// queue); 0 when allowed.
	Code int
	// Delay is how long an admitted request waits in a leaky queue before
	// it is served (ns); 0 for every other model.
	Delay int64
	// Counted says whether the request counted against the quota.
	Counted bool

	Limit     int // quota: requests per window, bucket capacity, queue length or concurrency
	Remaining int // quota left after this request (never negative)
	Used      int // quota used including this request when counted

	// Wait is the time (ns) until a request would be admitted; 0 when
	// allowed. Retry-After "reset" is ceil(Wait) seconds, at least 1.
	Wait int64
	// Reset is the time (ns) until the quota next grows: the end of a fixed
	// window, the expiry of the oldest request in a sliding log, the next
	// whole token, the next queue slot; 0 when unknown (concurrency).
	Reset int64
	// Window is the policy window (ns) for RateLimit-Policy w: the window,
	// or Burst/Rate for a bucket or queue; 0 for a concurrency cap.
	Window int64
}

// Model is one limiter instance (one partition key). Check then Record is
// one decision; a multi-level Limiter checks every level before it records,
// so that a request rejected by one level is not charged to another.
type Model interface {
	// Check says what would happen to a request arriving at now, without
	// changing the state.
	Check(now int64) Decision
	// Record commits a request that arrived at now (after Check at the same
	// now) and was admitted or rejected by the limiter as a whole.
	Record(now int64, admitted bool)
	// Release ends an admitted request (concurrency caps count it until then).
	Release(now int64)
}

// NewModel returns a fresh model for c (one partition key).
func NewModel(c Config) (Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Algorithm {
	case FixedWindow:
		return &fixedWindow{c: c}, nil
	case SlidingLog:
		return &slidingLog{c: c}, nil
	case SlidingCounter:
		return &slidingCounter{c: c}, nil
	case TokenBucket:
		return &tokenBucket{c: c}, nil
	case Concurrency:
		return &concurrency{c: c}, nil
	case LeakyQueue:
		return &leakyQueue{c: c}, nil
	}
	return nil, fmt.Errorf("limiter: unknown algorithm %v", c.Algorithm)
}

// floorDiv returns floor(a/b) for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) {
		q--
	}
	return q
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}
