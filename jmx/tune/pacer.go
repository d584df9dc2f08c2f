package tune

import (
	"fmt"
	"math"
	"strconv"

	"github.com/beevik/etree"

	"jmtune/analysis"
	"jmtune/jmx"
)

// A throughput timer that is a child of a sampler applies to that sampler
// only, before each of its executions. jmtune puts its pacer there, under
// every throttled sampler, for three reasons:
//
//   - it covers exactly the throttled requests, not logins, think-time
//     Flow Control Actions or other samplers that the limit does not count;
//   - retries re-execute the same sampler inside the retry loop, so they
//     are paced too and cannot add to the rate above the target;
//   - the back-off pause of the retry loop is a separate Flow Control
//     Action (itself a sampler), outside the pacer's scope: the pause is not
//     counted as a request, and the pacer takes its slot after the pause, so
//     that threads released by the same Retry-After do not fire together.
//
// A Constant Throughput Timer in a shared mode keeps one schedule for all
// its threads, held by JMeter in a static map per thread group (calcMode 4)
// or for all groups (calcMode 3): pacers with the same target under several
// samplers of a group therefore share one schedule, which is what a limit
// shared by several endpoints needs.

// alloc is the pacing of one throttled sampler.
type alloc struct {
	sampler  *jmx.Element
	group    *jmx.ThreadGroup
	rate     float64 // requests per second this pacer admits
	calcMode int     // Constant Throughput Timer mode
	why      string
}

// allocate splits the target over the throttled samplers.
func (t *tuner) allocate(targets []*jmx.Element) []alloc {
	rec := t.s.Rec
	x := rec.TargetRatePerS
	groups := t.groupsOf(targets)
	// Throttled samplers per group that run on every iteration: the rate
	// is split among them. A sampler that runs once per thread (in a Once
	// Only Controller) takes no share.
	perGroup := map[*etree.Element]int{}
	allPerGroup := map[*etree.Element]int{}
	for _, s := range targets {
		for _, g := range t.runs(s) {
			allPerGroup[g.Node]++
			if onceAncestor(s) == nil {
				perGroup[g.Node]++
			}
		}
	}
	threads := func(g *jmx.ThreadGroup) float64 {
		n := t.threadsFor(g)
		if n <= 0 {
			return 1
		}
		return float64(n)
	}
	var total float64
	for _, g := range groups {
		total += threads(g)
	}
	byLabel := map[string]int{}
	for _, s := range targets {
		byLabel[s.Name()]++
	}
	oneEach := true
	for _, n := range allPerGroup {
		if n > 1 {
			oneEach = false
		}
	}
	constant := t.timerType == analysis.TimerConstant
	var out []alloc
	for _, s := range targets {
		g := t.groupOf(s)
		k := float64(max(1, perGroup[g.Node]))
		if onceAncestor(s) != nil {
			k = 1
		}
		a := alloc{sampler: s, group: g}
		switch rec.Scope {
		case analysis.ScopePerThread:
			a.calcMode = jmx.CalcThisThread
			if constant {
				a.rate = x / k
				a.why = fmt.Sprintf("the limit is per thread (user/token): each thread paces itself (calcMode 0, this thread only) at %s", fmtRate(x))
			} else {
				a.rate = x * threads(g) / k
				a.why = fmt.Sprintf("the limit is per thread (user/token): %s per thread × %s threads", fmtRate(x), fmtNum(threads(g)))
			}
			if k > 1 {
				a.why += fmt.Sprintf(", split over the %s throttled samplers of the group", fmtNum(k))
			}
		case analysis.ScopePerLabel:
			xl := x
			if v, ok := rec.PerLabel[s.Name()]; ok && v > 0 {
				xl = v
			}
			a.rate = xl / float64(byLabel[s.Name()])
			a.why = fmt.Sprintf("the limit is per endpoint: %q may run at %s", s.Name(), fmtRate(xl))
			if byLabel[s.Name()] > 1 {
				a.why += fmt.Sprintf(", split over its %d samplers", byLabel[s.Name()])
			}
			if oneEach {
				a.calcMode = jmx.CalcGroupShared
				a.why += " (calcMode 4: one schedule shared by the group's threads)"
			} else {
				a.calcMode = jmx.CalcGroupThreads
				a.why += " (calcMode 2, since a group has several throttled endpoints and shared modes would merge their schedules)"
			}
		default:
			if constant {
				a.rate = x
				if len(groups) > 1 {
					a.calcMode = jmx.CalcAllShared
					a.why = fmt.Sprintf("the limit is shared by all threads: one schedule for all thread groups (calcMode 3) at the target %s", fmtRate(x))
				} else {
					a.calcMode = jmx.CalcGroupShared
					a.why = fmt.Sprintf("the limit is shared by all threads: one schedule for the group (calcMode 4) at the target %s", fmtRate(x))
				}
				if len(targets) > 1 {
					a.why += "; the pacers of all throttled samplers share it"
				}
			} else {
				a.rate = x * threads(g) / total / k
				a.why = fmt.Sprintf("the limit is shared by all threads: target %s", fmtRate(x))
				if a.rate < x {
					a.why += fmt.Sprintf(", this sampler's share %s (split by thread count and throttled samplers, so that the total never exceeds the target)", fmtRate(a.rate))
				}
			}
		}
		out = append(out, a)
	}
	return out
}

// pacers adds or updates the throughput timer of every throttled sampler.
func (t *tuner) pacers(targets []*jmx.Element) error {
	for _, a := range t.allocate(targets) {
		s := a.sampler
		key := t.samplerKey(s)
		m := mark{role: RolePacer, key: key}
		var want *jmx.Element
		var what string
		name := NamePrefix + "pace " + s.Name()
		switch t.timerType {
		case analysis.TimerPrecise:
			period := t.pttPeriod()
			dur := 3600.0
			if d, ok := a.group.DurationS(); ok && d > 0 && (a.group.Scheduler() || !a.group.IsStandard()) {
				dur = math.Ceil(d)
			}
			want = jmx.NewElement("PreciseThroughputTimer", "TestBeanGUI", "PreciseThroughputTimer", name,
				jmx.DoubleProp("throughput", round3(a.rate*float64(period))),
				jmx.IntProp("throughputPeriod", period),
				jmx.LongProp("duration", int64(dur)),
				jmx.IntProp("batchSize", 1),
				jmx.IntProp("batchThreadDelay", 0),
				jmx.IntProp("exactLimit", 10000),
				jmx.DoubleProp("allowedThroughputSurplus", 1.0),
				jmx.LongProp("randomSeed", 0),
				t.markProp(m, "Paces this sampler (retries included) with Poisson arrivals."),
			)
			what = fmt.Sprintf("Precise Throughput Timer %s per %d s (%s, Poisson arrivals)", fmtNum(round3(a.rate*float64(period))), period, fmtRate(a.rate))
		case analysis.TimerShaping:
			ramp := math.Max(1, math.Ceil(t.rampFor(a.group)))
			hold := 86400.0
			if d, ok := a.group.DurationS(); ok && d > 0 && (a.group.Scheduler() || !a.group.IsStandard()) {
				hold = math.Max(1, math.Ceil(d-ramp))
			}
			start := math.Min(1, a.rate)
			rps := shapingRPS(a.rate)
			want = jmx.NewElement("kg.apc.jmeter.timers.VariableThroughputTimer", "kg.apc.jmeter.timers.VariableThroughputTimerGui", "kg.apc.jmeter.timers.VariableThroughputTimer", name,
				jmx.CollectionPropOf("load_profile",
					jmx.CollectionPropOf("ramp",
						jmx.StringProp("start_rps", shapingRPS(start)),
						jmx.StringProp("end_rps", rps),
						jmx.StringProp("duration", fmtNum(ramp))),
					jmx.CollectionPropOf("hold",
						jmx.StringProp("start_rps", rps),
						jmx.StringProp("end_rps", rps),
						jmx.StringProp("duration", fmtNum(hold))),
				),
				t.markProp(m, "Paces this sampler (retries included): ramp, then hold."),
			)
			what = fmt.Sprintf("Throughput Shaping Timer: %s -> %s rps over %s s, then %s rps for %s s", shapingRPS(start), rps, fmtNum(ramp), rps, fmtNum(hold))
			if hold == 86400 {
				a.why += "; the group has no fixed duration, so the hold row is a day long (the Shaping Timer stops the test when its schedule ends)"
			}
		default:
			perMin := round3(a.rate * 60)
			want = jmx.NewElement("ConstantThroughputTimer", "TestBeanGUI", "ConstantThroughputTimer", name,
				jmx.DoubleProp("throughput", perMin),
				jmx.IntProp("calcMode", a.calcMode),
				t.markProp(m, "Paces this sampler (retries included)."),
			)
			what = fmt.Sprintf("Constant Throughput Timer %s/min (%s), calcMode %d", fmtNum(perMin), fmtRate(a.rate), a.calcMode)
		}
		// A pacer of another type from an earlier run is replaced.
		if cur := findMarked(s, m); cur != nil && cur.TestClass() != want.TestClass() {
			cur.Remove()
			t.note("remove", "earlier jmtune pacer "+cur.TestClass(), s.Path(), "replaced by a "+t.timerType+" timer")
		}
		el, action := t.syncChild(s, m, want, -1)
		if action != "" {
			t.note(action, what, el.Path(), a.why)
		}
	}
	return nil
}

// pttPeriod returns the Precise Throughput Timer period: the limit's
// window for window limiters, else a minute.
func (t *tuner) pttPeriod() int {
	p := t.s.Rec.Timer.PeriodS
	if p <= 0 && t.s.Limit.WindowS != nil {
		p = *t.s.Limit.WindowS
	}
	if p <= 0 {
		p = 60
	}
	return int(math.Max(1, math.Round(p)))
}

func shapingRPS(r float64) string {
	if r >= 1 {
		return strconv.Itoa(int(math.Floor(r)))
	}
	return fmtNum(round3(r))
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// disableForeignPacers disables the throughput timers (not jmtune's) whose
// scope covers a throttled sampler: they would stack with the new pacer.
func (t *tuner) disableForeignPacers(targets []*jmx.Element) {
	done := map[*etree.Element]bool{}
	for _, s := range targets {
		for _, tm := range s.InScope(jmx.KindTimer) {
			if tm.AsThroughputTimer() == nil || isManaged(tm) || done[tm.Node] {
				continue
			}
			done[tm.Node] = true
			tm.SetEnabled(false)
			t.note("disable", "existing "+tm.TestClass()+" "+fmt.Sprintf("%q", tm.Name()), tm.Path(),
				fmt.Sprintf("it covers the throttled sampler %q and would stack with jmtune's pacer (timers in scope add up); re-enable it if it paces something else on purpose", s.Name()))
		}
	}
	if t.timerType != analysis.TimerConstant {
		return
	}
	// Shared-mode timers elsewhere would share the static schedule.
	for _, tt := range t.p.ThroughputTimers() {
		if !tt.IsConstant() || isManaged(tt.Element) || !tt.Active() {
			continue
		}
		if cm := tt.CalcMode(); cm == jmx.CalcAllShared || cm == jmx.CalcGroupShared {
			t.note("note", fmt.Sprintf("Constant Throughput Timer %q uses a shared mode (calcMode %d)", tt.Name(), cm), tt.Path(),
				"JMeter keeps one shared schedule per thread group (mode 4) or for the whole test (mode 3) for all Constant Throughput Timers in that mode, so it shares slots with jmtune's pacers; check that it is intended")
		}
	}
}
