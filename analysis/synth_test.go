package analysis_test

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"jmtune/jtl"
)

// This file is a small closed-loop load generator with known limiters, for
// ground-truth tests of the inference that do not need the full simulator:
// JMeter-like threads (linear ramp, think time, response time, one-way
// delay) against one limiter, written as jtl.Samples.

// limiter decides on a request arriving at time t (seconds) for a key.
type limiter interface {
	// decide returns whether the request is admitted, the Retry-After the
	// server sends on a rejection (NaN: none), and the queueing delay of an
	// admitted request.
	decide(key string, t float64) (ok bool, ra float64, queue float64)
	// done tells the limiter that an admitted request left at time t.
	done(key string, t float64)
}

type fixedLim struct {
	L     int
	W, ph float64
	win   map[string]int64
	cnt   map[string]int
}

func (f *fixedLim) decide(k string, t float64) (bool, float64, float64) {
	w := int64(math.Floor((t - f.ph) / f.W))
	if f.win[k] != w {
		f.win[k], f.cnt[k] = w, 0
	}
	if f.cnt[k] < f.L {
		f.cnt[k]++
		return true, 0, 0
	}
	return false, math.Max(1, math.Ceil(f.ph+float64(w+1)*f.W-t)), 0
}
func (f *fixedLim) done(string, float64) {}

type slidingLim struct {
	L   int
	W   float64
	log map[string][]float64
}

func (s *slidingLim) decide(k string, t float64) (bool, float64, float64) {
	l := s.log[k]
	for len(l) > 0 && l[0] <= t-s.W {
		l = l[1:]
	}
	if len(l) < s.L {
		s.log[k] = append(l, t)
		return true, 0, 0
	}
	s.log[k] = l
	return false, math.Max(1, math.Ceil(l[len(l)-s.L]+s.W-t)), 0
}
func (s *slidingLim) done(string, float64) {}

type bucketLim struct {
	r, b float64
	tok  map[string]float64
	last map[string]float64
}

func (b *bucketLim) decide(k string, t float64) (bool, float64, float64) {
	tk, ok := b.tok[k]
	if !ok {
		tk = b.b
	} else {
		tk = math.Min(b.b, tk+b.r*(t-b.last[k]))
	}
	b.last[k] = t
	if tk >= 1 {
		b.tok[k] = tk - 1
		return true, 0, 0
	}
	b.tok[k] = tk
	return false, math.Max(1, math.Ceil((1-tk)/b.r)), 0
}
func (b *bucketLim) done(string, float64) {}

// leakyLim is nginx limit_req without nodelay: excess requests wait so that
// they leave 1/r apart; more than B waiting are rejected (no Retry-After).
type leakyLim struct {
	r    float64
	B    float64
	exc  map[string]float64
	last map[string]float64
}

func (q *leakyLim) decide(k string, t float64) (bool, float64, float64) {
	e := q.exc[k]
	if l, ok := q.last[k]; ok {
		e = math.Max(0, e-q.r*(t-l))
	}
	q.last[k] = t
	if e > q.B {
		q.exc[k] = e
		return false, math.NaN(), 0
	}
	q.exc[k] = e + 1
	return true, 0, e / q.r
}
func (q *leakyLim) done(string, float64) {}

type concLim struct {
	C   int
	cur map[string]int
}

func (c *concLim) decide(k string, t float64) (bool, float64, float64) {
	if c.cur[k] < c.C {
		c.cur[k]++
		return true, 0, 0
	}
	return false, math.NaN(), 0
}
func (c *concLim) done(k string, t float64) { c.cur[k]-- }

// genConfig describes one generated run.
type genConfig struct {
	seed      uint64
	threads   int
	rampS     float64
	durS      float64
	thinkS    [2]float64 // uniform [a, a+b)
	respS     float64    // median response time (lognormal, sigma 0.3)
	labels    []string   // threads pick a label per iteration, round robin
	scope     string     // "shared", "per-thread", "per-label"
	lim       limiter
	code      int     // throttle response code (429)
	retry     string  // "", "immediate-exp" (1, 2, 4 s ignoring Retry-After)
	noise5xx  float64 // share of admitted requests answered 500
	jitterMs  float64 // client timestamp jitter (uniform ±)
	startMs   int64
	urlsPerTh int // distinct URLs per thread (0: 50 shared ids)
}

// genSample is one generated request.
type genSample struct {
	s jtl.Sample
}

type arrival struct {
	t  float64
	th int
}
type arrHeap []arrival

func (h arrHeap) Len() int           { return len(h) }
func (h arrHeap) Less(i, j int) bool { return h[i].t < h[j].t }
func (h arrHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *arrHeap) Push(x any)        { *h = append(*h, x.(arrival)) }
func (h *arrHeap) Pop() any {
	o := *h
	x := o[len(o)-1]
	*h = o[:len(o)-1]
	return x
}

type depart struct {
	t   float64
	key string
}
type depHeap []depart

func (h depHeap) Len() int           { return len(h) }
func (h depHeap) Less(i, j int) bool { return h[i].t < h[j].t }
func (h depHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *depHeap) Push(x any)        { *h = append(*h, x.(depart)) }
func (h *depHeap) Pop() any {
	o := *h
	x := o[len(o)-1]
	*h = o[:len(o)-1]
	return x
}

// generate runs the closed loop and returns the samples in end-time order
// (as JMeter writes them).
func generate(cfg genConfig) []jtl.Sample {
	rng := rand.New(rand.NewPCG(cfg.seed, 7))
	if cfg.code == 0 {
		cfg.code = 429
	}
	if len(cfg.labels) == 0 {
		cfg.labels = []string{"GET script"}
	}
	if cfg.startMs == 0 {
		cfg.startMs = 1_790_000_000_000 + int64(cfg.seed%1000)*7919
	}
	const owd = 0.002
	type thState struct {
		iter     int
		attempt  int
		url      string
		label    string
		startedS float64
	}
	ths := make([]thState, cfg.threads)
	h := &arrHeap{}
	deps := &depHeap{}
	for i := range ths {
		st := cfg.rampS * float64(i) / float64(cfg.threads)
		ths[i].startedS = st
		heap.Push(h, arrival{st + owd, i})
	}
	active := func(t float64) int {
		n := 0
		for i := range ths {
			if ths[i].startedS <= t {
				n++
			}
		}
		return n
	}
	var out []jtl.Sample
	for h.Len() > 0 {
		a := heap.Pop(h).(arrival)
		if a.t > cfg.durS {
			continue
		}
		for deps.Len() > 0 && (*deps)[0].t <= a.t {
			d := heap.Pop(deps).(depart)
			cfg.lim.done(d.key, d.t)
		}
		th := &ths[a.th]
		if th.attempt == 0 {
			th.label = cfg.labels[th.iter%len(cfg.labels)]
			n := 50
			if cfg.urlsPerTh > 0 {
				n = cfg.urlsPerTh
			}
			th.url = "http://api.test/api/v2/scripts/" + strconv.Itoa(rng.IntN(n))
		}
		key := "org"
		switch cfg.scope {
		case "per-thread":
			key = "t" + strconv.Itoa(a.th)
		case "per-label":
			key = th.label
		}
		ok, ra, queue := cfg.lim.decide(key, a.t)
		svc := cfg.respS * math.Exp(0.3*rng.NormFloat64())
		code := 200
		var el float64
		if ok {
			el = svc + queue + 2*owd
			heap.Push(deps, depart{a.t + queue + svc, key})
			if cfg.noise5xx > 0 && rng.Float64() < cfg.noise5xx {
				code = 500
			}
		} else {
			code = cfg.code
			el = 0.001 + 2*owd
		}
		send := a.t - owd
		jit := 0.0
		if cfg.jitterMs > 0 {
			jit = (rng.Float64()*2 - 1) * cfg.jitterMs / 1000
		}
		startMs := cfg.startMs + int64(math.Round((send+jit)*1000))
		elMs := int64(math.Round(el * 1000))
		label := th.label
		s := jtl.Sample{
			Has: jtl.FieldTimestamp | jtl.FieldElapsed | jtl.FieldLabel | jtl.FieldResponseCode | jtl.FieldThreadName |
				jtl.FieldSuccess | jtl.FieldAllThreads | jtl.FieldGrpThreads | jtl.FieldURL | jtl.FieldLatency | jtl.FieldConnect,
			Timestamp: startMs, Start: startMs, Elapsed: elMs, Latency: elMs, Connect: 0,
			Label: label, ResponseCode: strconv.Itoa(code), ResponseMessage: "x", Success: code == 200,
			ThreadName: fmt.Sprintf("Agents 1-%d", a.th+1), GrpThreads: active(send), AllThreads: active(send),
			URL: th.url, SampleCount: 1,
		}
		raStr := ""
		if !ok && !math.IsNaN(ra) {
			raStr = strconv.FormatFloat(ra, 'f', -1, 64)
		}
		s.Variables = []jtl.Variable{{Name: jtl.VarRetryAfter, Value: raStr, Set: true}}
		out = append(out, s)
		// Next request of this thread.
		end := send + el
		next := end + cfg.thinkS[0] + rng.Float64()*cfg.thinkS[1]
		if !ok && cfg.retry == "immediate-exp" && th.attempt < 3 {
			th.attempt++
			next = end + math.Pow(2, float64(th.attempt-1))
		} else {
			th.attempt = 0
			th.iter++
		}
		heap.Push(h, arrival{next + owd, a.th})
	}
	// JMeter writes a row when the sample ends.
	sortByEnd(out)
	return out
}

func sortByEnd(v []jtl.Sample) {
	sort.SliceStable(v, func(i, j int) bool { return v[i].Start+v[i].Elapsed < v[j].Start+v[j].Elapsed })
}

// sliceSource is a jtl.Source over samples in memory.
type sliceSource struct {
	v []jtl.Sample
	i int
}

func (s *sliceSource) Scan() bool              { s.i++; return s.i <= len(s.v) }
func (s *sliceSource) Sample() *jtl.Sample     { return &s.v[s.i-1] }
func (s *sliceSource) Err() error              { return nil }
func (s *sliceSource) Warnings() []jtl.Warning { return nil }
func (s *sliceSource) Skipped() int            { return 0 }
func (s *sliceSource) Close() error            { return nil }
