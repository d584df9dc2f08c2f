package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// TimerKind is a JMeter timer type.
type TimerKind int

// Timer kinds.
const (
	TimerConstant           TimerKind = iota // Constant Timer: Delay
	TimerUniform                             // Uniform Random Timer: Delay + U[0, Range)
	TimerGaussian                            // Gaussian Random Timer: |Delay + N(0,1)*Range|
	TimerConstantThroughput                  // Constant Throughput Timer: PerMinute, CalcMode
	TimerPreciseThroughput                   // Precise Throughput Timer: Throughput per Period
	TimerShaping                             // Throughput Shaping Timer: Schedule
)

// Timer is a JMeter timer. Delays of all timers in scope add up, as in
// JMeter.
type Timer struct {
	Kind  TimerKind
	Delay time.Duration // constant, uniform and gaussian: the constant part (offset)
	Range time.Duration // uniform: the random range; gaussian: the deviation

	// Constant Throughput Timer: target samples per minute and calcMode:
	// 0 this thread only, 1 all active threads, 2 all active threads in the
	// thread group, 3 all active threads (shared), 4 all active threads in
	// the thread group (shared).
	PerMinute float64
	CalcMode  int

	// Precise Throughput Timer: Throughput arrivals per Period, Poisson
	// placed with exactly that many per period (fractional throughputs
	// alternate so the long-run count is exact), shared by the group's
	// threads.
	Throughput float64
	Period     time.Duration

	// Throughput Shaping Timer: the RPS schedule from the test start.
	Schedule []ShapingStep
}

// ShapingStep is one row of a Throughput Shaping Timer schedule: the rate
// goes linearly from From to To requests per second over Duration.
type ShapingStep struct {
	From, To float64
	Duration time.Duration
}

// ConstantTimer returns a Constant Timer.
func ConstantTimer(d time.Duration) Timer { return Timer{Kind: TimerConstant, Delay: d} }

// UniformTimer returns a Uniform Random Timer: delay + U[0, rng).
func UniformTimer(delay, rng time.Duration) Timer {
	return Timer{Kind: TimerUniform, Delay: delay, Range: rng}
}

// GaussianTimer returns a Gaussian Random Timer with offset and deviation.
func GaussianTimer(offset, dev time.Duration) Timer {
	return Timer{Kind: TimerGaussian, Delay: offset, Range: dev}
}

// ConstantThroughputTimer returns a Constant Throughput Timer.
func ConstantThroughputTimer(perMinute float64, calcMode int) Timer {
	return Timer{Kind: TimerConstantThroughput, PerMinute: perMinute, CalcMode: calcMode}
}

// PreciseThroughputTimer returns a Precise Throughput Timer.
func PreciseThroughputTimer(throughput float64, period time.Duration) Timer {
	return Timer{Kind: TimerPreciseThroughput, Throughput: throughput, Period: period}
}

func (t Timer) validate() error {
	switch t.Kind {
	case TimerConstant, TimerUniform, TimerGaussian:
		if t.Delay < 0 || t.Range < 0 {
			return fmt.Errorf("timer: negative delay or range")
		}
	case TimerConstantThroughput:
		if t.PerMinute <= 0 {
			return fmt.Errorf("constant throughput timer: target must be positive, got %g/min", t.PerMinute)
		}
		if t.CalcMode < 0 || t.CalcMode > 4 {
			return fmt.Errorf("constant throughput timer: calcMode must be 0-4, got %d", t.CalcMode)
		}
	case TimerPreciseThroughput:
		if t.Throughput <= 0 || t.Period <= 0 {
			return fmt.Errorf("precise throughput timer: throughput and period must be positive")
		}
	case TimerShaping:
		if len(t.Schedule) == 0 {
			return fmt.Errorf("throughput shaping timer: empty schedule")
		}
		for _, s := range t.Schedule {
			if s.From < 0 || s.To < 0 || s.Duration <= 0 {
				return fmt.Errorf("throughput shaping timer: bad step %+v", s)
			}
		}
	default:
		return fmt.Errorf("unknown timer kind %d", t.Kind)
	}
	return nil
}

// timerState is the run-time state of one timer element (one per timer in
// the plan; per-thread parts are kept in the thread).
type timerState struct {
	t     Timer
	group int
	id    int // dense index among the run's timers
	// shared schedule (CTT 3/4 use the run's shared maps instead)
	last float64 // shaping: last scheduled time (ns)

	// Precise Throughput Timer arrivals.
	rng      *rand.Rand
	period   int64   // index of the next period to generate
	arrivals []int64 // generated, not yet taken (sorted)
}

// clock gives timers what they need of the run.
type clock interface {
	activeAll() int
	activeGroup(g int) int
	startNs() int64
	sharedCTT(key int) *float64 // -1: all threads (mode 3); g: thread group g (mode 4)
}

// delay returns the timer's delay (ns) for a thread at now. prev is the
// thread's own previous schedule for this timer (CTT modes 0-2).
func (ts *timerState) delay(c clock, rng *rand.Rand, now int64, prev *float64) int64 {
	t := ts.t
	switch t.Kind {
	case TimerConstant:
		return int64(t.Delay)
	case TimerUniform:
		if t.Range <= 0 {
			return int64(t.Delay)
		}
		return int64(t.Delay) + rng.Int64N(int64(t.Range))
	case TimerGaussian:
		return int64(math.Abs(float64(t.Delay) + rng.NormFloat64()*float64(t.Range)))
	case TimerConstantThroughput:
		interval := 60e9 / t.PerMinute
		switch t.CalcMode {
		case 1:
			interval *= float64(max(c.activeAll(), 1))
		case 2:
			interval *= float64(max(c.activeGroup(ts.group), 1))
		case 3, 4:
			key := -1
			if t.CalcMode == 4 {
				key = ts.group
			}
			last := c.sharedCTT(key)
			next := math.Max(float64(now), *last+interval)
			*last = next
			return int64(next) - now
		}
		// Per-thread schedule (JMeter: previousTime; behind schedule
		// means no delay and a fresh start).
		target := *prev + interval
		if *prev == 0 || float64(now) > target {
			*prev = float64(now)
			return 0
		}
		*prev = target
		return int64(target) - now
	case TimerPreciseThroughput:
		at := ts.nextArrival(c.startNs())
		if at <= now {
			return 0
		}
		return at - now
	case TimerShaping:
		return ts.shapingDelay(c.startNs(), now)
	}
	return 0
}

// nextArrival takes the next arrival of a Precise Throughput Timer: each
// period holds exactly its share of arrivals at uniform random times (a
// Poisson process conditioned on the count).
func (ts *timerState) nextArrival(start int64) int64 {
	for len(ts.arrivals) == 0 {
		k := ts.period
		ts.period++
		n := int(math.Floor(float64(k+1)*ts.t.Throughput) - math.Floor(float64(k)*ts.t.Throughput))
		p0 := start + k*int64(ts.t.Period)
		for i := 0; i < n; i++ {
			ts.arrivals = append(ts.arrivals, p0+ts.rng.Int64N(int64(ts.t.Period)))
		}
		slices.Sort(ts.arrivals)
		if ts.period > 1<<40 {
			return math.MaxInt64
		}
	}
	at := ts.arrivals[0]
	ts.arrivals = ts.arrivals[1:]
	return at
}

// shapingDelay schedules the next request of a Throughput Shaping Timer at
// 1/rps after the previous one, rps read from the schedule; after the
// schedule ends it never releases (MaxInt64-ish delay: the thread ends at
// the scheduler's end).
func (ts *timerState) shapingDelay(start, now int64) int64 {
	t := float64(now)
	if ts.last > 0 {
		rps := ts.rps(start, ts.last)
		if rps > 0 {
			t = math.Max(t, ts.last+1e9/rps)
		}
	}
	// Skip stretches where the rate is zero.
	for ts.rps(start, t) <= 0 {
		nt, ok := ts.nextPositive(start, t)
		if !ok {
			return math.MaxInt64 / 4
		}
		t = nt
	}
	ts.last = t
	return int64(t) - now
}

// rps returns the scheduled rate at absolute time t (ns).
func (ts *timerState) rps(start int64, t float64) float64 {
	off := t - float64(start)
	if off < 0 {
		return 0
	}
	for _, s := range ts.t.Schedule {
		d := float64(s.Duration)
		if off < d {
			return s.From + (s.To-s.From)*off/d
		}
		off -= d
	}
	return 0
}

// nextPositive returns the start of the next step with a positive rate after t.
func (ts *timerState) nextPositive(start int64, t float64) (float64, bool) {
	at := float64(start)
	for _, s := range ts.t.Schedule {
		end := at + float64(s.Duration)
		if end > t && (s.From > 0 || s.To > 0) {
			if at > t {
				return at, true
			}
			// Inside a ramp from 0: step 1 ms.
			return t + 1e6, true
		}
		at = end
	}
	return 0, false
}
