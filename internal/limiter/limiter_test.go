package limiter

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

const sec = int64(time.Second)

// t0 is an arbitrary Unix time (ns) that is not a multiple of any window.
const t0 = int64(1_795_719_885_680_408_651)

// poisson returns n arrival times (ns) from start at mean rate perS.
func poisson(rng *rand.Rand, start int64, perS float64, n int) []int64 {
	ts := make([]int64, n)
	t := float64(start)
	for i := range ts {
		t += rng.ExpFloat64() / perS * 1e9
		ts[i] = int64(t)
	}
	return ts
}

// run decides every arrival against a fresh single-level model.
func run(t *testing.T, c Config, ts []int64) (m Model, ds []Decision) {
	t.Helper()
	m, err := NewModel(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range ts {
		d := m.Check(now)
		m.Record(now, d.Allowed)
		ds = append(ds, d)
	}
	return m, ds
}

// TestFixedWindowExact: overloaded, a fixed window admits exactly L per
// window (every window that saw a rejection), never more, with each
// alignment; rejections end at the boundary.
func TestFixedWindowExact(t *testing.T) {
	const L, W = 50, 10 * time.Second
	for _, align := range []Align{AlignStart, AlignClock} {
		rng := rand.New(rand.NewPCG(1, uint64(align)))
		c := Config{Algorithm: FixedWindow, Limit: L, Window: W, Align: align, Origin: t0}
		ts := poisson(rng, t0, 20, 4000) // 20/s offered vs 5/s allowed
		_, ds := run(t, c, ts)
		base := t0
		if align == AlignClock {
			base = 0
		}
		admitted := map[int64]int{}
		rejected := map[int64]int{}
		for i, d := range ds {
			k := floorDiv(ts[i]-base, int64(W))
			if d.Allowed {
				admitted[k]++
				if rejected[k] > 0 {
					t.Fatalf("%v: admission after a rejection in the same window", align)
				}
			} else {
				rejected[k]++
				if d.Code != 429 || d.Remaining != 0 {
					t.Fatalf("%v: rejection %+v", align, d)
				}
				end := base + (k+1)*int64(W)
				if d.Wait != end-ts[i] {
					t.Fatalf("%v: wait %d, want %d (to the window end)", align, d.Wait, end-ts[i])
				}
			}
		}
		if len(rejected) < 5 {
			t.Fatalf("%v: only %d windows saturated; the test load is too light", align, len(rejected))
		}
		for k, n := range rejected {
			if n > 0 && admitted[k] != L {
				t.Errorf("%v: window %d admitted %d with %d rejections, want exactly %d", align, k, admitted[k], n, L)
			}
		}
		for k, n := range admitted {
			if n > L {
				t.Errorf("%v: window %d admitted %d > %d", align, k, n, L)
			}
		}
	}
}

// TestFixedWindowFirst: with AlignFirst a window opens at the first request
// of the key and the next at the first request after it expired.
func TestFixedWindowFirst(t *testing.T) {
	c := Config{Algorithm: FixedWindow, Limit: 2, Window: 10 * time.Second, Align: AlignFirst}
	at := []int64{t0, t0 + 1*sec, t0 + 2*sec, t0 + 10*sec - 1, t0 + 15*sec, t0 + 16*sec, t0 + 24*sec, t0 + 25*sec}
	want := []bool{true, true, false, false, true, true, false, true}
	_, ds := run(t, c, at)
	for i, d := range ds {
		if d.Allowed != want[i] {
			t.Errorf("request %d at +%.1fs: allowed %v, want %v", i, float64(at[i]-t0)/1e9, d.Allowed, want[i])
		}
	}
	if ds[2].Wait != 8*sec {
		t.Errorf("wait at +2s = %v, want 8s (window opened at +0s)", time.Duration(ds[2].Wait))
	}
	if ds[6].Wait != 1*sec {
		t.Errorf("wait at +24s = %v, want 1s (window opened at +15s)", time.Duration(ds[6].Wait))
	}
}

// TestCountRejected: when rejected requests count, a fixed window's used
// count grows past the limit and a sliding log under constant overload
// stays shut.
func TestCountRejected(t *testing.T) {
	c := Config{Algorithm: FixedWindow, Limit: 3, Window: 10 * time.Second, Origin: t0, CountRejected: true}
	_, ds := run(t, c, []int64{t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4})
	if !ds[3].Counted || ds[4].Used != 5 {
		t.Errorf("counted rejections: %+v %+v", ds[3], ds[4])
	}
	s := Config{Algorithm: SlidingLog, Limit: 3, Window: time.Second, CountRejected: true}
	var ts []int64
	for i := int64(0); i < 100; i++ {
		ts = append(ts, t0+i*sec/4) // 4/s against 3/s: the log never drains
	}
	_, ds = run(t, s, ts)
	for i, d := range ds[4:] {
		if d.Allowed {
			t.Fatalf("request %d admitted: counted rejections keep a sliding log full at 4/s > 3/s", i+4)
		}
	}
}

// TestSlidingLogBound: no interval of length W holds more than L admitted
// requests, and every rejection happened with exactly L admitted in the
// trailing window; Wait is exact.
func TestSlidingLogBound(t *testing.T) {
	const L, W = 100, 10 * time.Second
	rng := rand.New(rand.NewPCG(2, 2))
	c := Config{Algorithm: SlidingLog, Limit: L, Window: W}
	ts := poisson(rng, t0, 25, 5000)
	m, ds := run(t, c, ts)
	var acc []int64
	rejections := 0
	for i, d := range ds {
		// admitted in (t-W, t]
		lo := sort.Search(len(acc), func(j int) bool { return acc[j] > ts[i]-int64(W) })
		n := len(acc) - lo
		if d.Allowed {
			if n >= L {
				t.Fatalf("admitted with %d already in the window", n)
			}
			acc = append(acc, ts[i])
		} else {
			rejections++
			if n != L {
				t.Fatalf("rejected with %d in the window, want %d", n, L)
			}
			if want := acc[lo] + int64(W) - ts[i]; d.Wait != want {
				t.Fatalf("wait %d, want %d (oldest + W - t)", d.Wait, want)
			}
		}
	}
	if rejections < len(ts)/2 {
		t.Fatalf("only %d rejections; the load does not saturate", rejections)
	}
	// Any interval of length W: two-pointer sweep.
	j := 0
	for i := range acc {
		for acc[i]-acc[j] >= int64(W) {
			j++
		}
		if i-j+1 > L {
			t.Fatalf("%d admitted within %v", i-j+1, W)
		}
	}
	// Probing: a request right at now+Wait would be admitted, 1 ms earlier not.
	last := ts[len(ts)-1]
	if d := m.Check(last); !d.Allowed {
		if !m.Check(last + d.Wait).Allowed {
			t.Error("not admitted at now + Wait")
		}
		if d.Wait > int64(time.Millisecond) && m.Check(last+d.Wait-int64(time.Millisecond)).Allowed {
			t.Error("admitted 1 ms before now + Wait")
		}
	}
}

// TestSlidingCounter: the estimate at every admission is below L, the
// accepted long-run rate is about L/W, and the boundary overshoot is well
// below the 2L of a fixed window.
func TestSlidingCounter(t *testing.T) {
	const L, W = 600, 60 * time.Second
	rng := rand.New(rand.NewPCG(3, 3))
	c := Config{Algorithm: SlidingCounter, Limit: L, Window: W, Origin: t0}
	ts := poisson(rng, t0, 30, 30*600) // 10 minutes at 30/s vs 10/s allowed
	m, err := NewModel(c)
	if err != nil {
		t.Fatal(err)
	}
	sc := m.(*slidingCounter)
	var acc []int64
	for _, now := range ts {
		_, cur, prev, start, _ := sc.state(now)
		est := sc.estimate(now, cur, prev, start)
		d := m.Check(now)
		if d.Allowed != (est < L) {
			t.Fatalf("allowed %v with estimate %.2f", d.Allowed, est)
		}
		if !d.Allowed {
			// Wait: a probe at now+Wait is admitted, 10 ms before is not.
			if !m.Check(now + d.Wait).Allowed {
				t.Fatalf("not admitted at now+Wait (%v)", time.Duration(d.Wait))
			}
			if d.Wait > 10e6 && m.Check(now+d.Wait-10e6).Allowed {
				t.Fatalf("admitted 10 ms before now+Wait")
			}
		}
		m.Record(now, d.Allowed)
		if d.Allowed {
			acc = append(acc, now)
		}
	}
	// Steady state: minutes 2..10.
	n := 0
	for _, a := range acc {
		if a >= t0+2*int64(W) && a < t0+10*int64(W) {
			n++
		}
	}
	rate := float64(n) / (8 * W.Seconds())
	if math.Abs(rate-10) > 0.5 {
		t.Errorf("accepted %.2f/s in steady state, want about 10/s", rate)
	}
	j, worst := 0, 0
	for i := range acc {
		for acc[i]-acc[j] >= int64(W) {
			j++
		}
		worst = max(worst, i-j+1)
	}
	if worst >= 2*L || worst < L {
		t.Errorf("max admitted in any %v = %d, want in [%d, %d)", W, worst, L, 2*L)
	}
}

// TestTokenBucketConformance: admitted requests satisfy j-i+1 <= b + r(t_j-t_i)
// for all i <= j; overloaded, the accepted rate is r; Retry-After is
// the time to the next token.
func TestTokenBucketConformance(t *testing.T) {
	const r, b = 50.0, 100
	rng := rand.New(rand.NewPCG(4, 4))
	c := Config{Algorithm: TokenBucket, Rate: r, Burst: b}
	ts := poisson(rng, t0, 120, 24000) // 200 s at 120/s
	m, ds := run(t, c, ts)
	var acc []int64
	for i, d := range ds {
		if d.Allowed {
			acc = append(acc, ts[i])
		} else if d.Wait > int64(1e9/r)+1 {
			t.Fatalf("wait %v > 1/r", time.Duration(d.Wait))
		}
	}
	// b*(r) = 1 + max_j (x_j - min_{i<=j} x_i), x_k = k - r t_k.
	minx, worst := math.Inf(1), 0.0
	for k, a := range acc {
		x := float64(k) - r*float64(a-t0)/1e9
		minx = math.Min(minx, x)
		worst = math.Max(worst, x-minx)
	}
	if bstar := 1 + worst; bstar > b+1e-6 {
		t.Errorf("minimal burst of the admitted stream %.3f > b = %d", bstar, b)
	} else if bstar < b-1 {
		t.Errorf("minimal burst %.3f: the initial full bucket was not used (want about %d)", bstar, b)
	}
	span := float64(acc[len(acc)-1]-acc[0]) / 1e9
	if got := float64(len(acc)-b) / span; math.Abs(got-r)/r > 0.01 {
		t.Errorf("accepted rate %.2f/s, want %.0f/s", got, r)
	}
	last := ts[len(ts)-1]
	if d := m.Check(last); !d.Allowed && !m.Check(last+d.Wait).Allowed {
		t.Error("not admitted at now + Wait")
	}
}

// TestConcurrencyCap: never more than C admitted requests in flight, and a
// rejection only happens when C are in flight.
func TestConcurrencyCap(t *testing.T) {
	const C = 20
	rng := rand.New(rand.NewPCG(5, 5))
	lim, err := New(Level{Config: Config{Algorithm: Concurrency, Concurrency: C}})
	if err != nil {
		t.Fatal(err)
	}
	type end struct {
		at  int64
		out *Outcome
	}
	var ends []end
	inFlight, rejected := 0, 0
	for _, now := range poisson(rng, t0, 80, 20000) {
		sort.Slice(ends, func(i, j int) bool { return ends[i].at < ends[j].at })
		for len(ends) > 0 && ends[0].at <= now {
			lim.Release(ends[0].at, ends[0].out)
			ends = ends[1:]
			inFlight--
		}
		o := lim.Decide(now, Request{})
		if o.Allowed {
			inFlight++
			if inFlight > C {
				t.Fatalf("%d in flight", inFlight)
			}
			service := int64(math.Exp(math.Log(0.4)+0.3*rng.NormFloat64()) * 1e9)
			ends = append(ends, end{now + service, o})
		} else {
			rejected++
			if inFlight != C {
				t.Fatalf("rejected with %d in flight", inFlight)
			}
		}
	}
	if rejected == 0 {
		t.Fatal("no rejections: 80/s x 0.4 s = 32 in flight should exceed 20")
	}
}

// TestLeakyQueue: admitted requests leave the queue at least 1/r apart,
// never wait more than B/r, and rejections come only with a full queue.
func TestLeakyQueue(t *testing.T) {
	const r, B = 10.0, 20
	rng := rand.New(rand.NewPCG(6, 6))
	c := Config{Algorithm: LeakyQueue, Rate: r, Burst: B}
	ts := poisson(rng, t0, 30, 3000)
	_, ds := run(t, c, ts)
	var prev int64 = -1
	rejected := 0
	for i, d := range ds {
		if !d.Allowed {
			rejected++
			if d.Code != 503 {
				t.Fatalf("leaky rejection code %d, want 503", d.Code)
			}
			continue
		}
		if d.Delay > int64(float64(B)/r*1e9)+1 {
			t.Fatalf("delay %v > B/r", time.Duration(d.Delay))
		}
		out := ts[i] + d.Delay
		if prev >= 0 && out-prev < int64(1e9/r)-1e6 {
			t.Fatalf("departures %v apart, want >= %v", time.Duration(out-prev), time.Duration(1e9/r))
		}
		prev = out
	}
	if rejected == 0 {
		t.Fatal("no rejections at 30/s against 10/s")
	}
}

// TestWaitProbes: for every model, a rejected request's Wait is the time
// until a request is admitted.
func TestWaitProbes(t *testing.T) {
	cfgs := []Config{
		{Algorithm: FixedWindow, Limit: 10, Window: 5 * time.Second, Origin: t0},
		{Algorithm: SlidingLog, Limit: 10, Window: 5 * time.Second},
		{Algorithm: SlidingCounter, Limit: 10, Window: 5 * time.Second, Origin: t0},
		{Algorithm: TokenBucket, Rate: 2, Burst: 5},
		{Algorithm: LeakyQueue, Rate: 2, Burst: 3},
	}
	for _, c := range cfgs {
		rng := rand.New(rand.NewPCG(7, 7))
		m, err := NewModel(c)
		if err != nil {
			t.Fatal(err)
		}
		probes := 0
		for _, now := range poisson(rng, t0, 8, 400) {
			d := m.Check(now)
			if !d.Allowed {
				probes++
				if !m.Check(now + d.Wait).Allowed {
					t.Fatalf("%v: not admitted at now + Wait (%v)", c.Algorithm, time.Duration(d.Wait))
				}
				if d.Wait > 2e6 && m.Check(now+d.Wait-2e6).Allowed {
					t.Fatalf("%v: admitted 2 ms before now + Wait (%v)", c.Algorithm, time.Duration(d.Wait))
				}
			}
			m.Record(now, d.Allowed)
		}
		if probes < 50 {
			t.Errorf("%v: only %d rejections probed", c.Algorithm, probes)
		}
	}
}

// TestTwoLevels: a request rejected by one level is not charged to another.
func TestTwoLevels(t *testing.T) {
	lim, err := New(
		Level{Config: Config{Algorithm: FixedWindow, Limit: 2, Window: time.Minute, Origin: t0}, Scope: ScopeToken},
		Level{Config: Config{Algorithm: FixedWindow, Limit: 3, Window: time.Minute, Origin: t0}, Scope: ScopeShared},
	)
	if err != nil {
		t.Fatal(err)
	}
	seq := []struct {
		tok   string
		allow bool
		key   string
	}{
		{"a", true, ""}, {"a", true, ""}, {"a", false, "tok:a"}, // a's quota
		{"b", true, ""}, {"b", false, "org"}, // org full (a's rejection was not charged)
		{"c", false, "org"},
	}
	for i, s := range seq {
		o := lim.Decide(t0+int64(i), Request{Token: s.tok})
		if o.Allowed != s.allow || (!s.allow && o.Key != s.key) {
			t.Errorf("request %d (%s): allowed %v key %q, want %v %q", i, s.tok, o.Allowed, o.Key, s.allow, s.key)
		}
	}
}

func TestRetryAfterAndHeaders(t *testing.T) {
	for _, c := range []struct {
		wait int64
		want int
	}{{1, 1}, {0, 1}, {999_999_999, 1}, {1e9, 1}, {1e9 + 1, 2}, {14_200_000_000, 15}} {
		if got := RetryAfterSeconds(c.wait); got != c.want {
			t.Errorf("RetryAfterSeconds(%d) = %d, want %d", c.wait, got, c.want)
		}
	}
	d := Decision{Allowed: false, Code: 429, Limit: 100, Remaining: 0, Used: 100, Wait: 2_300_000_000, Reset: 2_300_000_000, Window: 60e9}
	now := time.Date(2026, 5, 1, 12, 0, 0, 500e6, time.UTC).UnixNano()
	get := func(hs []Header, name string) string {
		for _, h := range hs {
			if h.Name == name {
				return h.Value
			}
		}
		return "<absent>"
	}
	ietf := Responder{Family: FamilyIETF}.Headers(d, now)
	if v := get(ietf, "RateLimit-Policy"); v != `"default";q=100;w=60` {
		t.Errorf("RateLimit-Policy %q", v)
	}
	if v := get(ietf, "RateLimit"); v != `"default";r=0;t=3` {
		t.Errorf("RateLimit %q", v)
	}
	if v := get(ietf, "Retry-After"); v != "3" {
		t.Errorf("Retry-After %q, want 3 (ceil 2.3)", v)
	}
	inin := Responder{Family: FamilyInin, RetryAfter: RetryAfter{Mode: RetryAfterFixed, Fixed: 7}}.Headers(d, now)
	if get(inin, "inin-ratelimit-count") != "100" || get(inin, "inin-ratelimit-allowed") != "100" || get(inin, "inin-ratelimit-reset") != "3" || get(inin, "Retry-After") != "7" {
		t.Errorf("inin headers %v", inin)
	}
	x := Responder{Family: FamilyXRateLimit, RetryAfter: RetryAfter{Mode: RetryAfterAbsent}}.Headers(d, now)
	if get(x, "X-RateLimit-Limit") != "100" || get(x, "X-RateLimit-Remaining") != "0" || get(x, "Retry-After") != "<absent>" {
		t.Errorf("x-ratelimit headers %v", x)
	}
	p := Responder{RetryAfter: RetryAfter{Mode: RetryAfterDate}, Skew: 3 * time.Second}
	// Server clock 12:00:03.5; admitted at 12:00:05.8 -> 12:00:06.
	if v := get(p.Headers(d, now), "Retry-After"); v != "Fri, 01 May 2026 12:00:06 GMT" {
		t.Errorf("HTTP-date Retry-After %q", v)
	}
	if v := p.Date(now); v != "Fri, 01 May 2026 12:00:03 GMT" {
		t.Errorf("Date %q", v)
	}
	d.Allowed, d.Code, d.Wait = true, 0, 0
	if v := get(Responder{}.Headers(d, now), "Retry-After"); v != "<absent>" {
		t.Errorf("admitted response has Retry-After %q", v)
	}
}

func TestParse(t *testing.T) {
	for s, want := range map[string]Algorithm{"fixed": FixedWindow, "sliding-window": SlidingLog, "sliding-counter": SlidingCounter, "token-bucket": TokenBucket, "leaky": LeakyQueue, "concurrency": Concurrency} {
		if a, err := ParseAlgorithm(s); err != nil || a != want {
			t.Errorf("ParseAlgorithm(%q) = %v, %v", s, a, err)
		}
		if a, _ := ParseAlgorithm(want.String()); a != want {
			t.Errorf("ParseAlgorithm(%v.String()) = %v", want, a)
		}
	}
	if _, err := ParseAlgorithm("magic"); err == nil {
		t.Error("ParseAlgorithm accepted magic")
	}
	if r, err := ParseRetryAfter("fixed:5"); err != nil || r.Mode != RetryAfterFixed || r.Fixed != 5 || r.String() != "fixed:5" {
		t.Errorf("ParseRetryAfter(fixed:5) = %+v, %v", r, err)
	}
	if s, err := ParseScope("per-thread"); err != nil || s != ScopeToken {
		t.Errorf("ParseScope(per-thread) = %v, %v", s, err)
	}
	if _, err := NewModel(Config{Algorithm: FixedWindow, Limit: 0, Window: time.Second}); err == nil {
		t.Error("limit 0 accepted")
	}
}
