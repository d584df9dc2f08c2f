package verify

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"

	"jmtune/internal/limiter"
	"jmtune/jtl"
)

// run is a small closed-loop, virtual-time JMeter run against an
// internal/limiter server, for testing the checks on reruns whose behaviour
// is known by construction: JMeter-like threads (linear ramp-up, one request
// at a time), an optional shared or per-thread pacing timer (as a Constant
// Throughput Timer in calcMode 4 or 0 schedules requests), think time, and a
// retry policy.
type run struct {
	threads     int
	rampMs      int64
	durationMs  int64
	sharedRate  float64 // shared pacing, requests/s over all threads; 0: none
	threadRate  float64 // per-thread pacing, requests/s per thread; 0: none
	thinkMs     int64   // pause after a completed iteration
	retry       string  // "" none, "ra": wait Retry-After + jitter, "fast": 200 ms ignoring it
	elapsedMs   func(startOffsetMs int64, r *rand.Rand) int64
	limiter     limiter.Level
	seed        uint64
	label       string // default "GET script"
	rejectFastM int64  // elapsed of a rejected request
}

// event is a thread becoming ready to send (release=false) or a request
// ending (release=true, concurrency caps).
type event struct {
	at      int64 // ms
	thread  int
	release *limiter.Outcome
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].release != nil && q[j].release == nil // free slots before new requests
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// simulate plays the run from t0 and returns its samples in end order, as
// JMeter writes them.
func (r run) simulate(t *testing.T) []jtl.Sample {
	t.Helper()
	lim, err := limiter.New(r.limiter)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(r.seed, 7))
	label := r.label
	if label == "" {
		label = "GET script"
	}
	if r.elapsedMs == nil {
		r.elapsedMs = func(int64, *rand.Rand) int64 { return 20 + rng.Int64N(10) }
	}
	if r.rejectFastM == 0 {
		r.rejectFastM = 3
	}
	type threadState struct {
		started  int64
		attempt  int   // retry number of the next request
		nextSlot int64 // per-thread pacing
	}
	ths := make([]threadState, r.threads)
	var q eventQueue
	for i := range ths {
		ths[i].started = t0 + int64(i)*r.rampMs/int64(r.threads)
		heap.Push(&q, event{at: ths[i].started, thread: i})
	}
	end := t0 + r.durationMs
	sharedSlot := int64(t0)
	var out []jtl.Sample
	for q.Len() > 0 {
		ev := heap.Pop(&q).(event)
		if ev.release != nil {
			lim.Release(ev.at*1e6, ev.release)
			continue
		}
		th := &ths[ev.thread]
		at := ev.at
		if th.attempt == 0 { // timers pace first attempts only
			if r.sharedRate > 0 {
				at = max(at, sharedSlot)
				sharedSlot = at + int64(1000/r.sharedRate)
			}
			if r.threadRate > 0 {
				at = max(at, th.nextSlot)
				th.nextSlot = at + int64(1000/r.threadRate)
			}
		}
		if at >= end {
			continue
		}
		name := fmt.Sprintf("Agents 1-%d", ev.thread+1)
		o := lim.Decide(at*1e6, limiter.Request{Token: name, Label: label})
		s := jtl.Sample{Start: at, Timestamp: at, ThreadName: name, SampleCount: 1, Label: label,
			Has: jtl.FieldTimestamp | jtl.FieldElapsed | jtl.FieldLabel | jtl.FieldResponseCode | jtl.FieldThreadName | jtl.FieldAllThreads}
		if th.attempt > 0 {
			s.Label = jtl.RetryLabel(label, th.attempt)
		}
		for i := range ths {
			if ths[i].started <= at {
				s.AllThreads++
			}
		}
		s.GrpThreads = s.AllThreads
		if o.Allowed {
			s.Elapsed = r.elapsedMs(at-t0, rng)
			s.ResponseCode, s.ResponseMessage, s.Success = "200", "OK", true
			s.Variables = []jtl.Variable{{Name: jtl.VarRetryAfter, Set: true}}
			heap.Push(&q, event{at: at + s.Elapsed, thread: -1, release: o})
		} else {
			s.Elapsed = r.rejectFastM
			ra := limiter.RetryAfterSeconds(o.Wait)
			s.ResponseCode, s.ResponseMessage = "429", "Too Many Requests"
			s.Variables = []jtl.Variable{{Name: jtl.VarRetryAfter, Value: strconv.Itoa(ra), Set: true}}
		}
		out = append(out, s)
		next := s.End() + r.thinkMs
		th.attempt = 0
		if _, k := jtl.SplitRetryLabel(s.Label); !o.Allowed && r.retry != "" && k < 3 {
			ra, _ := strconv.Atoi(s.Variables[0].Value)
			switch r.retry {
			case "ra":
				next = s.End() + int64(ra)*1000 + rng.Int64N(500)
			case "fast":
				next = s.End() + 200
			}
			th.attempt = k + 1
		}
		heap.Push(&q, event{at: next, thread: ev.thread})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].End() < out[j].End() })
	return out
}
