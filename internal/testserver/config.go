package testserver

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"jmtune/internal/limiter"
)

// Config configures a test server. The zero value serves without a limit
// (Levels empty), 20 ms ± 10 ms latency is not implied: set Latency.
type Config struct {
	// Addr is the listen address; "" means 127.0.0.1:0 (a free port).
	Addr string
	// Levels limit GET /api/v2/* (and POST /oauth/token with LimitOAuth);
	// none means unlimited.
	Levels []limiter.Level
	// Responder builds Retry-After, Date and rate-limit headers.
	Responder limiter.Responder

	// Latency is the service time of an admitted request, plus a uniform
	// random ±Jitter; RejectLatency is the service time of a rejected one.
	Latency       time.Duration
	Jitter        time.Duration
	RejectLatency time.Duration

	// LimitOAuth sends POST /oauth/token through the limiter too (keyed by
	// client_id under a per-token scope).
	LimitOAuth bool
	// BodyBytes is the size of the JSON body of GET responses; 0 means 3000.
	BodyBytes int
	// Seed seeds the latency jitter and token generation.
	Seed int64
}

// DefaultConfig returns the configuration of `jmtune serve` without flags:
// fixed window 100 per 10 s shared, Retry-After reset, no rate-limit
// headers, 20 ms ± 10 ms.
func DefaultConfig() Config {
	return Config{
		Levels: []limiter.Level{{Config: limiter.Config{
			Algorithm: limiter.FixedWindow, Limit: 100, Window: 10 * time.Second,
		}}},
		Latency:   20 * time.Millisecond,
		Jitter:    10 * time.Millisecond,
		BodyBytes: 3000,
		Seed:      1,
	}
}

// ParseArgs parses server flags in the form of the scenarios' server.flags
// (for example "--algo fixed --limit 400 --window 20s --scope org
// --retry-after reset --headers none") into a Config, starting from
// DefaultConfig. Usage goes to out on -h; errors name the flag.
//
// Flags:
//
//	--algo fixed|sliding|sliding-counter|token|concurrency|leaky|none
//	--limit N --window D            window limiters
//	--rate R[/s|/min] --burst B     token bucket, leaky queue
//	--concurrency C                 concurrency cap
//	--scope org|token|label|token+label
//	--align start|clock|first --phase D
//	--count-rejected --reject-code N --retry-hint D
//	--retry-after reset|fixed:N|absent|date --skew D
//	--headers none|x-ratelimit|ietf|inin
//	--also "algo=fixed,limit=3000,window=60s,scope=org"  (a second level; repeatable)
//	--latency 20ms±10ms --reject-latency D
//	--limit-oauth --body-bytes N --seed N --addr HOST:PORT
func ParseArgs(args []string, out io.Writer) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	finish := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return finish()
}

// RegisterFlags defines the server flags (see ParseArgs) on fs; after
// fs.Parse, the returned function builds the Config.
func RegisterFlags(fs *flag.FlagSet) func() (Config, error) {
	cfg := DefaultConfig()
	var lf levelFlags
	lf.register(fs, "")
	var also multiFlag
	fs.Var(&also, "also", "another limiter `level`, e.g. \"algo=fixed,limit=3000,window=60s,scope=org\" (repeatable)")
	ra := fs.String("retry-after", "reset", "Retry-After of rejected responses: `reset|fixed:N|absent|date`")
	skew := fs.Duration("skew", 0, "server clock skew for Date and HTTP-date Retry-After, e.g. 3s")
	hdr := fs.String("headers", "none", "rate-limit header `family`: none|x-ratelimit|ietf|inin")
	lat := fs.String("latency", "20ms±10ms", "service `time` of admitted requests: base±jitter, uniform")
	fs.DurationVar(&cfg.RejectLatency, "reject-latency", 0, "service time of rejected requests")
	fs.BoolVar(&cfg.LimitOAuth, "limit-oauth", false, "limit POST /oauth/token too")
	fs.IntVar(&cfg.BodyBytes, "body-bytes", 3000, "size of GET response bodies")
	fs.Int64Var(&cfg.Seed, "seed", 1, "random seed")
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:0", "listen `address`")
	return func() (Config, error) {
		cfg.Levels = nil
		lv, ok, err := lf.level()
		if err != nil {
			return cfg, err
		}
		if ok {
			cfg.Levels = append(cfg.Levels, lv)
		}
		for _, spec := range also {
			lv, err := ParseLevel(spec)
			if err != nil {
				return cfg, fmt.Errorf("--also %q: %w", spec, err)
			}
			cfg.Levels = append(cfg.Levels, lv)
		}
		if cfg.Responder.RetryAfter, err = limiter.ParseRetryAfter(*ra); err != nil {
			return cfg, fmt.Errorf("--retry-after: %w", err)
		}
		if cfg.Responder.Family, err = limiter.ParseFamily(*hdr); err != nil {
			return cfg, fmt.Errorf("--headers: %w", err)
		}
		cfg.Responder.Skew = *skew
		if cfg.Latency, cfg.Jitter, err = ParseLatency(*lat); err != nil {
			return cfg, fmt.Errorf("--latency: %w", err)
		}
		return cfg, nil
	}
}

// levelFlags are the flags of one limiter level.
type levelFlags struct {
	algo, rate, scope, align *string
	limit, burst, conc, code *int
	window, phase, hint      *time.Duration
	countRejected            *bool
}

func (l *levelFlags) register(fs *flag.FlagSet, prefix string) {
	l.algo = fs.String(prefix+"algo", "fixed", "limiter `algorithm`: fixed|sliding|sliding-counter|token|concurrency|leaky|none")
	l.limit = fs.Int(prefix+"limit", 100, "requests per window (window limiters)")
	l.window = fs.Duration(prefix+"window", 10*time.Second, "window length (window limiters)")
	l.rate = fs.String(prefix+"rate", "10/s", "token or leak `rate`: N, N/s or N/min")
	l.burst = fs.Int(prefix+"burst", 10, "token-bucket capacity, or leaky-queue length")
	l.conc = fs.Int(prefix+"concurrency", 10, "requests in flight (concurrency cap)")
	l.scope = fs.String(prefix+"scope", "org", "who shares a quota: `org|token|label|token+label`")
	l.align = fs.String(prefix+"align", "start", "window boundaries: `start|clock|first`")
	l.phase = fs.Duration(prefix+"phase", 0, "shift of window boundaries")
	l.hint = fs.Duration(prefix+"retry-hint", time.Second, "wait a concurrency cap reports")
	l.code = fs.Int(prefix+"reject-code", 0, "status of rejected requests (0: 429, leaky 503)")
	l.countRejected = fs.Bool(prefix+"count-rejected", false, "rejected requests count against the quota")
}

// level builds the level; ok is false for --algo none.
func (l *levelFlags) level() (limiter.Level, bool, error) {
	if strings.EqualFold(*l.algo, "none") {
		return limiter.Level{}, false, nil
	}
	var lv limiter.Level
	var err error
	c := &lv.Config
	if c.Algorithm, err = limiter.ParseAlgorithm(*l.algo); err != nil {
		return lv, false, fmt.Errorf("--algo: %w", err)
	}
	if c.Rate, err = ParseRate(*l.rate); err != nil {
		return lv, false, fmt.Errorf("--rate: %w", err)
	}
	if lv.Scope, err = limiter.ParseScope(*l.scope); err != nil {
		return lv, false, fmt.Errorf("--scope: %w", err)
	}
	if c.Align, err = limiter.ParseAlign(*l.align); err != nil {
		return lv, false, fmt.Errorf("--align: %w", err)
	}
	c.Limit, c.Window, c.Burst, c.Concurrency = *l.limit, *l.window, *l.burst, *l.conc
	c.Phase, c.RetryHint, c.RejectCode, c.CountRejected = *l.phase, *l.hint, *l.code, *l.countRejected
	if err := c.Validate(); err != nil {
		return lv, false, err
	}
	return lv, true, nil
}

// ParseLevel parses a level spec "key=value,key=value" with the keys of the
// level flags: algo, limit, window, rate, burst, concurrency, scope, align,
// phase, retry-hint, reject-code, count-rejected.
func ParseLevel(spec string) (limiter.Level, error) {
	fs := flag.NewFlagSet("level", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var lf levelFlags
	lf.register(fs, "")
	var args []string
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		if !strings.Contains(kv, "=") {
			return limiter.Level{}, fmt.Errorf("want key=value, got %q", kv)
		}
		args = append(args, "--"+kv)
	}
	if err := fs.Parse(args); err != nil {
		return limiter.Level{}, err
	}
	lv, ok, err := lf.level()
	if err == nil && !ok {
		err = errors.New("algo=none is not a level")
	}
	return lv, err
}

// ParseRate parses a rate: "30", "30/s", "300/min" or "3600/h", in requests
// per second.
func ParseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad rate %q (want N, N/s, N/min or N/h)", s)
	}
	switch strings.TrimSpace(unit) {
	case "", "s", "sec":
		return v, nil
	case "m", "min":
		return v / 60, nil
	case "h", "hour":
		return v / 3600, nil
	}
	return 0, fmt.Errorf("bad rate unit in %q (want /s, /min or /h)", s)
}

// ParseLatency parses "20ms", "20ms±10ms" or "20ms+-10ms" into a base and a
// jitter.
func ParseLatency(s string) (base, jitter time.Duration, err error) {
	s = strings.TrimSpace(s)
	b, j, found := strings.Cut(s, "±")
	if !found {
		b, j, found = strings.Cut(s, "+-")
	}
	if base, err = time.ParseDuration(strings.TrimSpace(b)); err != nil || base < 0 {
		return 0, 0, fmt.Errorf("bad latency %q (want e.g. 20ms or 20ms±10ms)", s)
	}
	if found {
		if jitter, err = time.ParseDuration(strings.TrimSpace(j)); err != nil || jitter < 0 || jitter > base {
			return 0, 0, fmt.Errorf("bad latency jitter in %q (want a duration no larger than the base)", s)
		}
	}
	return base, jitter, nil
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// String describes the configuration in one line, e.g. "fixed 400 per 20s
// (org, windows from start); Retry-After reset; headers none; latency 20ms±10ms".
func (c Config) String() string {
	var parts []string
	if len(c.Levels) == 0 {
		parts = append(parts, "no limit")
	}
	for _, lv := range c.Levels {
		parts = append(parts, DescribeLevel(lv))
	}
	s := strings.Join(parts, " + ")
	s += "; Retry-After " + c.Responder.RetryAfter.String()
	if c.Responder.Skew != 0 {
		s += fmt.Sprintf(" (clock %v ahead)", c.Responder.Skew)
	}
	s += "; headers " + c.Responder.Family.String()
	s += fmt.Sprintf("; latency %v±%v", c.Latency, c.Jitter)
	return s
}

// DescribeLevel describes one limiter level, e.g. "token 30/s burst 30 (org)".
func DescribeLevel(lv limiter.Level) string {
	c := lv.Config
	var s string
	switch c.Algorithm {
	case limiter.FixedWindow, limiter.SlidingCounter:
		s = fmt.Sprintf("%v %d per %v (%v, windows from %v)", c.Algorithm, c.Limit, c.Window, lv.Scope, c.Align)
	case limiter.SlidingLog:
		s = fmt.Sprintf("%v %d per %v (%v)", c.Algorithm, c.Limit, c.Window, lv.Scope)
	case limiter.TokenBucket, limiter.LeakyQueue:
		s = fmt.Sprintf("%v %g/s burst %d (%v)", c.Algorithm, c.Rate, c.Burst, lv.Scope)
	case limiter.Concurrency:
		s = fmt.Sprintf("%v %d in flight (%v)", c.Algorithm, c.Concurrency, lv.Scope)
	default:
		s = c.Algorithm.String()
	}
	if c.CountRejected {
		s += ", rejected requests count"
	}
	return s
}
