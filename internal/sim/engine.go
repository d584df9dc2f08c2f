package sim

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"jmtune/internal/limiter"
)

// Run is the result of a simulation.
type Run struct {
	Config Config
	// StartMs and EndMs bound the test (epoch ms): the start, and the end
	// of the last thread.
	StartMs, EndMs int64
	// recs are the samples in completion order, as JMeter writes them
	// (see Len, Sample, Samples, Source).
	recs []record
	// Decisions are the server's decisions in arrival order.
	Decisions []Decision
	// MaxThreads is the highest number of threads active at once.
	MaxThreads int
}

// Decision is one request as the simulated server saw it.
type Decision struct {
	ArriveNs int64  // server receive time, Unix ns
	Thread   string // JMeter thread name
	Label    string // the sampler's label
	Attempt  int    // 0 for a first attempt, n for the n-th retry
	Token    string
	Key      string // partition key at the binding level ("" when not limited)
	Level    int    // binding limiter level
	Limited  bool
	Code     int
	Wait     int64 // ns until a request would have been admitted (rejections)
	QueueNs  int64 // leaky-queue delay of an admitted request
	DoneNs   int64 // when the server finished the request
	// RetryAfter is the header sent ("" when none).
	RetryAfter string
}

// Throttled reports whether the decision was a limiter rejection.
func (d Decision) Throttled() bool { return d.Limited && d.Code != 200 && d.Code != 500 }

type evKind uint8

const (
	evStart evKind = iota
	evSend
	evArrive
	evServerDone
	evReceive
	evFinish
)

type event struct {
	at     int64
	seq    uint64
	thread int32
	kind   evKind
}

// eventHeap is a binary min-heap on (at, seq).
type eventHeap []event

func (h eventHeap) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *eventHeap) push(e event) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && s.less(l, m) {
			m = l
		}
		if r < n && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// thread is one simulated JMeter thread.
type thread struct {
	g, i  int
	name  string
	rng   *rand.Rand
	token string
	end   int64 // scheduler end (MaxInt64 without)

	iter     int
	inOnce   bool
	pos      int
	started  bool
	finished bool
	conn     bool // keep-alive connection open

	ctt []float64 // per-timer CTT schedule (modes 0-2), by timer id

	// current request
	cur     *Sampler
	once    bool
	attempt int
	urlID   int
	sendAt  int64
	connect int64
	arrive  int64
	done    int64
	code    int
	out     *limiter.Outcome
	headers []limiter.Header
}

// engine runs one simulation.
type engine struct {
	cfg     Config
	start   int64 // ns
	events  eventHeap
	seq     uint64
	threads []*thread
	lim     *limiter.Limiter
	srvRng  *rand.Rand
	outRng  *rand.Rand

	groupTimers   [][]*timerState            // per group
	samplerTimers map[*Sampler][]*timerState // Timers of each sampler
	thinkTimers   map[*Sampler][]*timerState
	nTimers       int

	active      []int // per group
	activeTotal int
	firstTries  int // first attempts of all threads (retry budget)
	retries     int // retries of all threads
	shared      map[int]*float64

	vars []string
	run  *Run
}

func (e *engine) activeAll() int        { return e.activeTotal }
func (e *engine) activeGroup(g int) int { return e.active[g] }
func (e *engine) startNs() int64        { return e.start }
func (e *engine) sharedCTT(key int) *float64 {
	p, ok := e.shared[key]
	if !ok {
		p = new(float64)
		e.shared[key] = p
	}
	return p
}

func (e *engine) schedule(at int64, th int, k evKind) {
	e.seq++
	e.events.push(event{at: at, seq: e.seq, thread: int32(th), kind: k})
}

// Simulate runs cfg in virtual time and returns the samples and the
// server's decisions.
func Simulate(cfg Config) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.StartUnixMs == 0 {
		cfg.StartUnixMs = DefaultStartUnixMs
	}
	e := &engine{cfg: cfg, start: cfg.StartUnixMs * 1e6, shared: map[int]*float64{},
		samplerTimers: map[*Sampler][]*timerState{}, thinkTimers: map[*Sampler][]*timerState{}}
	// Deep-copy groups so that the *Sampler keys are ours.
	e.cfg.Groups = make([]Group, len(cfg.Groups))
	for gi, g := range cfg.Groups {
		g.Once = append([]Sampler(nil), g.Once...)
		g.Samplers = append([]Sampler(nil), g.Samplers...)
		e.cfg.Groups[gi] = g
	}
	e.srvRng = rand.New(rand.NewPCG(cfg.Seed, 0x5e5e))
	e.outRng = rand.New(rand.NewPCG(cfg.Seed, 0x0907))
	if len(cfg.Server.Levels) > 0 {
		levels := append([]limiter.Level(nil), cfg.Server.Levels...)
		for i := range levels {
			if levels[i].Config.Origin == 0 {
				levels[i].Config.Origin = e.start
			}
		}
		lim, err := limiter.New(levels...)
		if err != nil {
			return nil, err
		}
		e.lim = lim
	}
	e.vars = cfg.Output.Variables
	if e.vars == nil {
		e.vars = DefaultVariables
	}
	e.run = &Run{Config: cfg, StartMs: cfg.StartUnixMs}
	e.active = make([]int, len(e.cfg.Groups))

	newTimers := func(g int, ts []Timer) []*timerState {
		var out []*timerState
		for _, t := range ts {
			out = append(out, &timerState{t: t, group: g, id: e.nTimers,
				rng: rand.New(rand.NewPCG(cfg.Seed, uint64(0x7100+e.nTimers)))})
			e.nTimers++
		}
		return out
	}
	total := 0
	for gi := range e.cfg.Groups {
		g := &e.cfg.Groups[gi]
		e.groupTimers = append(e.groupTimers, newTimers(gi, g.Timers))
		for _, list := range [][]Sampler{g.Once, g.Samplers} {
			for si := range list {
				s := &list[si]
				e.samplerTimers[s] = newTimers(gi, s.Timers)
				e.thinkTimers[s] = newTimers(gi, s.Think)
			}
		}
		total += g.Threads
	}
	e.threads = make([]*thread, 0, total)
	e.events = make(eventHeap, 0, total+16)
	for gi := range e.cfg.Groups {
		g := &e.cfg.Groups[gi]
		groupStart := e.start + int64(g.Delay)
		end := int64(math.MaxInt64)
		if g.Duration > 0 {
			end = groupStart + int64(g.Duration)
		}
		for i := 0; i < g.Threads; i++ {
			id := len(e.threads)
			th := &thread{g: gi, i: i, end: end,
				name: g.Name + " " + strconv.Itoa(gi+1) + "-" + strconv.Itoa(i+1),
				rng:  rand.New(rand.NewPCG(cfg.Seed, uint64(id)+1<<32)),
				ctt:  make([]float64, e.nTimers)}
			if g.Tokens > 0 {
				th.token = "tok-g" + strconv.Itoa(gi+1) + "-" + strconv.Itoa(i%g.Tokens+1)
			} else {
				th.token = "tok-" + th.name
			}
			th.inOnce = len(g.Once) > 0
			e.threads = append(e.threads, th)
			at := groupStart + int64(float64(i)*float64(g.RampUp)/float64(g.Threads))
			e.schedule(at, id, evStart)
		}
	}
	for len(e.events) > 0 {
		ev := e.events.pop()
		th := e.threads[ev.thread]
		switch ev.kind {
		case evStart:
			th.started = true
			e.active[th.g]++
			e.activeTotal++
			e.run.MaxThreads = max(e.run.MaxThreads, e.activeTotal)
			e.next(int(ev.thread), ev.at)
		case evSend:
			e.send(int(ev.thread), ev.at)
		case evArrive:
			e.arrive(int(ev.thread), ev.at)
		case evServerDone:
			if th.out != nil && e.lim != nil {
				e.lim.Release(ev.at, th.out)
			}
			e.schedule(ev.at+e.oneWay(th), int(ev.thread), evReceive)
		case evReceive:
			e.receive(int(ev.thread), ev.at)
		case evFinish:
			e.finish(th, ev.at)
		}
	}
	return e.run, nil
}

// finish ends a thread at t.
func (e *engine) finish(th *thread, t int64) {
	if th.finished {
		return
	}
	th.finished = true
	e.active[th.g]--
	e.activeTotal--
	if ms := (t + 999_999) / 1e6; ms > e.run.EndMs {
		e.run.EndMs = ms
	}
}

// next moves thread id to its next sampler (first attempt) at now.
func (e *engine) next(id int, now int64) {
	th := e.threads[id]
	g := &e.cfg.Groups[th.g]
	if now >= th.end {
		e.finish(th, now)
		return
	}
	var s *Sampler
	for s == nil {
		if th.inOnce {
			if th.pos < len(g.Once) {
				s = &g.Once[th.pos]
				th.once = true
				th.pos++
				break
			}
			th.inOnce, th.pos = false, 0
		}
		if th.pos < len(g.Samplers) {
			s = &g.Samplers[th.pos]
			th.once = false
			th.pos++
			break
		}
		// End of an iteration.
		th.iter++
		th.pos = 0
		if g.Loops > 0 && th.iter >= g.Loops {
			e.finish(th, now)
			return
		}
		if len(g.Samplers) == 0 {
			e.finish(th, now)
			return
		}
	}
	th.cur, th.attempt = s, 0
	delay := e.timerDelay(th, e.thinkTimers[s], now)
	delay += e.timerDelay(th, e.samplerTimers[s], now)
	delay += e.timerDelay(th, e.groupTimers[th.g], now)
	e.sendAfter(id, now, delay)
}

// timerDelay sums the delays of timers for th at now.
func (e *engine) timerDelay(th *thread, ts []*timerState, now int64) int64 {
	var d int64
	for _, t := range ts {
		d += t.delay(e, th.rng, now, &th.ctt[t.id])
	}
	return d
}

// sendAfter schedules the send after delay, or ends the thread when the
// scheduler's end comes first (JMeter cuts the delay at the end).
func (e *engine) sendAfter(id int, now, delay int64) {
	th := e.threads[id]
	if delay < 0 {
		delay = 0
	}
	if now+delay >= th.end {
		// JMeter sleeps until the end, then stops the thread.
		e.schedule(th.end, id, evFinish)
		return
	}
	e.schedule(now+delay, id, evSend)
}

func (e *engine) oneWay(th *thread) int64 {
	n := e.cfg.Network
	d := int64(n.OneWay)
	if n.Jitter > 0 {
		d += th.rng.Int64N(2*int64(n.Jitter)+1) - int64(n.Jitter)
	}
	return d
}

func (e *engine) send(id int, now int64) {
	th := e.threads[id]
	th.sendAt = now
	th.connect = 0
	if !th.conn || e.cfg.Network.NoKeepAlive {
		th.connect = 2*e.oneWay(th) + 200_000 // SYN/SYN-ACK plus a little
		th.conn = true
	}
	th.urlID = 0
	if strings.Contains(th.cur.Path, "{id}") {
		th.urlID = 1 + th.rng.IntN(50)
	}
	e.schedule(now+th.connect+e.oneWay(th), id, evArrive)
}

// arrive decides the request at the server.
func (e *engine) arrive(id int, now int64) {
	th := e.threads[id]
	s := th.cur
	srv := &e.cfg.Server
	th.arrive = now
	th.out = nil
	th.headers = nil
	d := Decision{ArriveNs: now, Thread: th.name, Label: s.Label, Attempt: th.attempt, Token: th.token, Code: 200}
	limited := e.lim != nil && (s.Limited || (th.once && srv.LimitLogin))
	admitted := true
	var queue int64
	if limited {
		out := e.lim.Decide(now, limiter.Request{Token: th.token, Label: s.Label})
		d.Limited, d.Key, d.Level = true, out.Key, out.Level
		th.headers = srv.Responder.Headers(out.Decision, now)
		if out.Allowed {
			th.out = out
			queue = out.Delay
		} else {
			admitted = false
			d.Code = out.Code
			d.Wait = out.Wait
		}
	}
	var done int64
	if admitted {
		done = now + queue + s.Service.Sample(th.rng)
		if srv.ErrorShare > 0 && e.srvRng.Float64() < srv.ErrorShare {
			d.Code = 500
		}
	} else {
		rt := srv.RejectTime
		if rt == (Dist{}) {
			rt = Const(1_000_000)
		}
		done = now + rt.Sample(th.rng)
	}
	for _, h := range th.headers {
		if h.Name == "Retry-After" {
			d.RetryAfter = h.Value
		}
	}
	th.code = d.Code
	d.QueueNs = queue
	d.DoneNs = done
	th.done = done
	e.run.Decisions = append(e.run.Decisions, d)
	e.schedule(done, id, evServerDone)
}

// receive completes a sample at now and decides what the thread does next.
func (e *engine) receive(id int, now int64) {
	th := e.threads[id]
	e.record(th, now)
	if th.attempt == 0 {
		// Counted when the first attempt completes, as jmtune's decide
		// script counts it.
		e.firstTries++
	}
	r := e.cfg.retryOf(th.g, th.cur)
	ra, hasRA := e.retryAfterNs(th)
	retry := r.retries(th.code) && th.attempt+1 < r.maxAttempts()
	if retry && r.Policy == RetryHonour {
		if th.code == 503 && r.Codes == nil && !hasRA {
			retry = false
		}
		if hasRA && r.MaxWait > 0 && ra > int64(r.MaxWait) {
			retry = false
		}
	}
	if retry && r.BudgetShare > 0 && float64(e.retries) >= 10+r.BudgetShare*float64(e.firstTries) {
		retry = false
	}
	if retry {
		n := th.attempt + 1
		wait := e.retryWait(th, r, n)
		th.attempt = n
		e.retries++
		delay := wait + e.timerDelay(th, e.samplerTimers[th.cur], now+wait) + e.timerDelay(th, e.groupTimers[th.g], now+wait)
		e.sendAfter(id, now, delay)
		return
	}
	e.next(id, now)
}

// retryWait returns the wait before retry n (1-based).
func (e *engine) retryWait(th *thread, r Retry, n int) int64 {
	base, cp := int64(r.Base), int64(r.Cap)
	if base == 0 {
		base = 1e9
	}
	if cp == 0 {
		cp = 60e9
	}
	exp := base << min(n-1, 30)
	if exp > cp || exp <= 0 {
		exp = cp
	}
	switch r.Policy {
	case RetryImmediate:
		return 0
	case RetryExponential:
		return exp
	case RetryHonour:
		if ra, ok := e.retryAfterNs(th); ok {
			j := int64(0)
			if r.Jitter > 0 {
				j = th.rng.Int64N(int64(r.Jitter) + 1)
			}
			return ra + j
		}
		return th.rng.Int64N(exp + 1)
	}
	return 0
}

// retryAfterNs reads the Retry-After of the current response as a client
// would: seconds, or an HTTP-date minus the response's Date header.
func (e *engine) retryAfterNs(th *thread) (int64, bool) {
	for _, h := range th.headers {
		if h.Name != "Retry-After" {
			continue
		}
		if n, err := strconv.ParseFloat(h.Value, 64); err == nil {
			return int64(n * 1e9), true
		}
		t, err1 := http.ParseTime(h.Value)
		d, err2 := http.ParseTime(e.cfg.Server.Responder.Date(th.arrive))
		if err1 == nil && err2 == nil {
			return max(0, t.Sub(d).Nanoseconds()), true
		}
	}
	return 0, false
}
