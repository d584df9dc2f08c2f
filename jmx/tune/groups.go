package tune

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"jmtune/analysis"
	"jmtune/jmx"
)

// groupPlan is what happens to one thread group that runs throttled
// samplers.
type groupPlan struct {
	tg         *jmx.ThreadGroup
	curThreads int
	threadsOK  bool
	newThreads int     // 0: unchanged
	threadsWhy string  // why newThreads
	startRate  float64 // thread starts per second that keep under the limit (0: no constraint)
	startWhy   string
	curRamp    float64
	rampOK     bool
	newRamp    float64 // seconds; the ramp after tuning
	rampWhy    string
}

// planGroups decides threads and ramp-up for the groups of the throttled
// samplers.
func (t *tuner) planGroups(targets []*jmx.Element) error {
	t.gplans = map[*etree.Element]*groupPlan{}
	groups := t.groupsOf(targets)
	rec := t.s.Rec
	x := rec.TargetRatePerS
	var total float64
	for _, g := range groups {
		gp := &groupPlan{tg: g}
		gp.curThreads, gp.threadsOK = g.Threads()
		gp.curRamp, gp.rampOK = g.RampUpS()
		t.gplans[g.Node] = gp
		t.gorder = append(t.gorder, gp)
		if gp.threadsOK {
			total += float64(gp.curThreads)
		}
	}
	share := func(gp *groupPlan) float64 {
		if total > 0 && gp.threadsOK {
			return float64(gp.curThreads) / total
		}
		return 1 / float64(len(groups))
	}
	// Threads.
	want := 0
	why := ""
	switch {
	case t.s.Threads > 0:
		want, why = t.s.Threads, fmt.Sprintf("--threads %d", t.s.Threads)
	case t.s.ThreadsAuto && rec.Scope == analysis.ScopePerThread:
		t.note("note", "threads kept", "", "--threads auto: the limit is per thread (user/token), so the number of threads is the number of users the test models; jmtune does not change it")
	case t.s.ThreadsAuto:
		r, z := t.s.Run.ResponseP90S, t.s.Run.ThinkS
		if r <= 0 {
			r = t.s.Run.ResponseMeanS
		}
		switch {
		case rec.Threads > 0:
			want, why = rec.Threads, fmt.Sprintf("the analysis recommends %d threads (Little's law: N = X·(R+Z) with headroom)", rec.Threads)
		case r > 0:
			want = int(math.Ceil(x * (r + z) * 1.2))
			why = fmt.Sprintf("Little's law N = X·(R+Z)·1.2 = %s × (%ss + %ss) × 1.2, so that the pacer and not a lack of threads sets the rate", fmtRate(x), fmtNum(round3(r)), fmtNum(round3(z)))
		default:
			return fmt.Errorf("--threads auto needs the response time of the run (Little's law): pass --analysis or -l results, or give --threads N")
		}
		if want < 1 {
			want = 1
		}
	}
	if want > 0 {
		left := want
		for i, gp := range t.gorder {
			n := int(math.Max(1, math.Round(float64(want)*share(gp))))
			if i == len(t.gorder)-1 {
				n = max(1, left)
			}
			left -= n
			gp.newThreads = n
			gp.threadsWhy = why
			if len(t.gorder) > 1 {
				gp.threadsWhy += fmt.Sprintf("; %d of %d threads, in proportion to the group's current size", n, want)
			}
		}
	}
	// Thread starts.
	perLabel := map[*etree.Element]float64{} // per group: the lowest per-label rate
	for _, a := range t.allocate(targets) {
		cur, ok := perLabel[a.group.Node]
		if !ok || a.rate < cur {
			perLabel[a.group.Node] = a.rate
		}
	}
	for _, gp := range t.gorder {
		switch rec.Scope {
		case analysis.ScopePerThread:
			gp.startWhy = "the limit is per thread, so thread starts do not compete for one quota"
		case analysis.ScopePerLabel:
			gp.startRate = perLabel[gp.tg.Node]
			gp.startWhy = fmt.Sprintf("each new thread sends a request to every throttled endpoint; the lowest endpoint target is %s", fmtRate(gp.startRate))
		default:
			gp.startRate = x * share(gp)
			gp.startWhy = fmt.Sprintf("each new thread sends its first requests at once; the target is %s", fmtRate(x))
			if len(t.gorder) > 1 {
				gp.startWhy += fmt.Sprintf(", %s for this group's share of the threads", fmtRate(gp.startRate))
			}
		}
		n := gp.curThreads
		if gp.newThreads > 0 {
			n = gp.newThreads
		}
		gp.newRamp = gp.curRamp
		switch {
		case t.s.RampUpS > 0:
			gp.newRamp = t.s.RampUpS
			gp.rampWhy = fmt.Sprintf("--ramp-up %s", fmtNum(t.s.RampUpS))
			if gp.startRate > 0 && n > 0 && t.s.RampUpS < float64(n)/gp.startRate {
				gp.rampWhy += fmt.Sprintf(" (shorter than the %s s that keeps %d thread starts under %s: expect throttling at start)", fmtNum(math.Ceil(float64(n)/gp.startRate)), n, fmtRate(gp.startRate))
			}
		case gp.startRate > 0 && n > 0:
			need := math.Ceil(float64(n) / gp.startRate)
			if rec.RampUpS > need {
				need = math.Ceil(rec.RampUpS)
			}
			if !gp.rampOK || need > gp.curRamp {
				gp.newRamp = need
				minRamp := math.Ceil(float64(n) / gp.startRate)
				gp.rampWhy = fmt.Sprintf("%d threads started over %s s start %s threads/s; %s, so the ramp-up must be at least %d/%s = %s s",
					n, fmtNum(gp.curRamp), startsPerS(n, gp.curRamp), gp.startWhy, n, fmtRate(gp.startRate), fmtNum(minRamp))
				if need > minRamp {
					gp.rampWhy = fmt.Sprintf("the analysis recommends a ramp-up of %s s (thread starts alone need at least %d/%s = %s s: %s)",
						fmtNum(need), n, fmtRate(gp.startRate), fmtNum(minRamp), gp.startWhy)
				}
			}
		}
	}
	return nil
}

func startsPerS(n int, ramp float64) string {
	if ramp <= 0 {
		return fmt.Sprintf("all %d", n)
	}
	return fmtNum(round3(float64(n) / ramp))
}

// threadsFor returns the thread count of g after tuning (0 when unknown).
func (t *tuner) threadsFor(g *jmx.ThreadGroup) int {
	if gp := t.gplans[g.Node]; gp != nil {
		if gp.newThreads > 0 {
			return gp.newThreads
		}
		if gp.threadsOK {
			return gp.curThreads
		}
		return 0
	}
	n, _ := g.Threads()
	return n
}

// rampFor returns the ramp-up of g after tuning.
func (t *tuner) rampFor(g *jmx.ThreadGroup) float64 {
	if gp := t.gplans[g.Node]; gp != nil {
		return gp.newRamp
	}
	r, _ := g.RampUpS()
	return r
}

// groups applies the group plans.
func (t *tuner) groups(targets []*jmx.Element) {
	for _, gp := range t.gorder {
		tg := gp.tg
		switch tg.Type() {
		case jmx.GroupStandard, jmx.GroupSetup, jmx.GroupTeardown:
			t.standardGroup(gp)
		case jmx.GroupConcurrency:
			t.concurrencyGroup(gp)
		case jmx.GroupUltimate:
			t.ultimateGroup(gp)
		case jmx.GroupArrivals, jmx.GroupFreeFormArrivals:
			t.note("note", tg.Type().String()+" not changed", tg.Path(),
				"it schedules iteration arrivals (TargetLevel per "+unitName(tg)+") rather than threads, so there is no thread ramp to fix; the pacer under each throttled sampler now caps the rate; check that its arrival rate × throttled requests per iteration is not far above the target, or threads pile up waiting")
		case jmx.GroupOpenModel:
			t.note("note", "Open Model Thread Group not changed", tg.Path(),
				"its schedule (OpenModelThreadGroup.schedule) sets the arrival rate directly; jmtune does not rewrite that expression: lower its rate(...) to the target, the pacers cap the throttled samplers meanwhile")
		case jmx.GroupStepping:
			t.note("note", "Stepping Thread Group not changed", tg.Path(),
				"this deprecated plugin group has its own start schedule that jmtune does not rewrite; the pacers cap the rate, but consider a Concurrency Thread Group, whose ramp-up jmtune can tune")
		default:
			t.note("note", tg.TestClass()+" not changed", tg.Path(), "jmtune does not know this thread group's properties; the pacers under the throttled samplers still cap the rate")
		}
	}
}

func unitName(tg *jmx.ThreadGroup) string {
	if tg.UnitS() == 60 {
		return "minute"
	}
	return "second"
}

// errorActions notes the groups that stop or restart after a failed sample
// while holding a retry loop: the 429 ends the iteration before the retry.
func (t *tuner) errorActions() {
	for _, gp := range t.gorder {
		tg := gp.tg
		if tg.OnSampleError() != "continue" && t.hasRetry(tg) {
			t.note("note", "on_sample_error is "+tg.OnSampleError(), tg.Path(),
				"after a failed sample (a 429 is one) this group does "+tg.OnSampleError()+" before the retry loop can retry; set 'Action to be taken after a Sampler error' to Continue for retries to work")
		}
	}
}

// hasRetry reports whether the group holds a jmtune retry loop.
func (t *tuner) hasRetry(tg *jmx.ThreadGroup) bool {
	found := false
	tg.Plan.Walk(func(e *jmx.Element) bool {
		if m, ok := markOf(e); ok && m.role == RoleRetryLoop {
			for _, g := range t.runs(e) {
				found = found || g.Same(tg.Element)
			}
		}
		return !found
	})
	return found
}

func (t *tuner) standardGroup(gp *groupPlan) {
	tg := gp.tg
	if gp.newThreads > 0 && (!gp.threadsOK || gp.newThreads != gp.curThreads) {
		t.setNumber(tg.Element, jmx.PropNumThreads, gp.newThreads, "threads", gp.threadsWhy)
	}
	if gp.rampWhy == "" || (gp.rampOK && gp.newRamp == gp.curRamp) {
		return
	}
	if !t.setNumber(tg.Element, jmx.PropRampTime, int(math.Ceil(gp.newRamp)), "ramp-up (s)", gp.rampWhy) {
		return
	}
	// The scheduler's duration counts from the start and includes the
	// ramp-up: lengthen it by as much, to keep the time at full load.
	if d := gp.newRamp - gp.curRamp; gp.rampOK && d > 0 && tg.Scheduler() {
		if cur, ok := tg.DurationS(); ok && cur > 0 {
			t.setNumber(tg.Element, jmx.PropDuration, int(math.Ceil(cur+d)), "duration (s)",
				fmt.Sprintf("the duration includes the ramp-up, which is %s s longer now; the time at full load stays %s s", fmtNum(d), fmtNum(math.Max(0, cur-gp.curRamp))))
		}
	}
}

func (t *tuner) concurrencyGroup(gp *groupPlan) {
	tg := gp.tg
	if gp.newThreads > 0 && (!gp.threadsOK || gp.newThreads != gp.curThreads) {
		t.setNumber(tg.Element, jmx.PropTargetLevel, gp.newThreads, "target concurrency", gp.threadsWhy)
	}
	unit := tg.UnitS()
	if gp.rampWhy != "" && !(gp.rampOK && gp.newRamp == gp.curRamp) {
		in := int(math.Ceil(gp.newRamp / unit))
		why := gp.rampWhy
		if unit == 60 {
			why += " (RampUp is in minutes: Unit=M)"
		}
		t.setNumber(tg.Element, jmx.PropRampUp, in, "RampUp", why)
	}
	// A stepped ramp starts a batch of threads at once.
	steps, ok := tg.Steps()
	n := t.threadsFor(tg)
	if ok && steps > 0 && n > 0 && gp.startRate > 0 {
		batch := float64(n) / float64(steps)
		if batch > math.Max(1, gp.startRate) {
			ns := int(math.Min(float64(n), math.Ceil(float64(n)/math.Max(1, gp.startRate))))
			t.setNumber(tg.Element, jmx.PropSteps, ns, "Steps",
				fmt.Sprintf("%d steps start %s threads at once, more than the %s allowed in a second; %d steps start at most %s at once",
					steps, fmtNum(round3(batch)), fmtRate(gp.startRate), ns, fmtNum(round3(float64(n)/float64(ns)))))
		}
	}
}

func (t *tuner) ultimateGroup(gp *groupPlan) {
	tg := gp.tg
	rows := tg.UltimateRows()
	if len(rows) == 0 {
		t.note("note", "Ultimate Thread Group not changed", tg.Path(), "its schedule table (ultimatethreadgroupdata) is empty or set by the threads_schedule property")
		return
	}
	scale := 1.0
	if gp.newThreads > 0 && gp.threadsOK && gp.curThreads > 0 {
		scale = float64(gp.newThreads) / float64(gp.curThreads)
	}
	for i, r := range rows {
		if !r.OK {
			t.note("note", fmt.Sprintf("Ultimate Thread Group row %d not changed", i+1), tg.Path(), "a field is not a number (an expression?)")
			continue
		}
		threads := r.Threads
		if scale != 1 {
			threads = max(1, int(math.Round(float64(r.Threads)*scale)))
			if v, ok := numberValue(r.Raw[0].Raw, threads); !ok {
				t.note("note", fmt.Sprintf("Ultimate Thread Group row %d start threads not changed", i+1), tg.Path(), fmt.Sprintf("it is the expression %s; set it to %d (%s)", r.Raw[0].Raw, threads, gp.threadsWhy))
			} else if tg.SetUltimateCell(i, 0, v) {
				t.note("set", fmt.Sprintf("row %d start threads %d -> %d", i+1, r.Threads, threads), tg.Path(), gp.threadsWhy)
			}
		}
		if gp.startRate <= 0 && t.s.RampUpS <= 0 {
			continue
		}
		need := math.Ceil(float64(threads) / gp.startRate)
		why := fmt.Sprintf("the row starts %d threads over %s s; %s, so the startup time must be at least %d/%s", threads, fmtNum(r.StartupS), gp.startWhy, threads, fmtRate(gp.startRate))
		if t.s.RampUpS > 0 {
			need, why = t.s.RampUpS, gp.rampWhy
		}
		if need > r.StartupS || (t.s.RampUpS > 0 && need != r.StartupS) {
			if v, ok := numberValue(r.Raw[2].Raw, int(need)); !ok {
				t.note("note", fmt.Sprintf("Ultimate Thread Group row %d startup time not changed", i+1), tg.Path(), fmt.Sprintf("it is the expression %s; set it to %s s (%s)", r.Raw[2].Raw, fmtNum(need), why))
			} else if tg.SetUltimateCell(i, 2, v) {
				t.note("set", fmt.Sprintf("row %d startup time %s s -> %s s", i+1, fmtNum(r.StartupS), fmtNum(need)), tg.Path(), why)
			}
		}
	}
}

var pFunc = regexp.MustCompile(`^\$\{__(P|property)\(([^,()]+)((?:,[^,()]*){0,2})\)\}$`)

// numberValue returns the text that sets a numeric property now holding
// raw to n: n itself, or, for ${__P(name,default)} and
// ${__property(name,var,default)}, the same call with default n (so that
// -Jname=... still overrides it). ok is false for other expressions.
func numberValue(raw string, n int) (string, bool) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "${") {
		return strconv.Itoa(n), true
	}
	m := pFunc.FindStringSubmatch(raw)
	if m == nil {
		return "", false
	}
	args := strings.Split(strings.TrimPrefix(m[3], ","), ",")
	switch {
	case m[1] == "P":
		return fmt.Sprintf("${__P(%s,%d)}", m[2], n), true
	case len(args) >= 2:
		return fmt.Sprintf("${__property(%s,%s,%d)}", m[2], args[0], n), true
	default:
		return fmt.Sprintf("${__property(%s,,%d)}", m[2], n), true
	}
}

// setNumber sets a numeric property (see numberValue) and notes the change.
// It reports whether the value could be set.
func (t *tuner) setNumber(e *jmx.Element, prop string, n int, label, why string) bool {
	cur := e.Prop(prop)
	raw := strings.TrimSpace(cur.Raw)
	val, ok := numberValue(raw, n)
	if !ok {
		t.note("note", label+" not changed", e.Path(), fmt.Sprintf("it is the expression %s, which jmtune does not rewrite; set it to %d (%s)", raw, n, why))
		return false
	}
	name, _, isProp := cur.Property()
	if isProp {
		t.propertyDefault(name, n, e.Path())
	}
	if val == raw {
		return true
	}
	old := raw
	if old == "" {
		old = "(unset)"
	}
	if isProp {
		why += fmt.Sprintf("; this is only the default of the property %s: -J%s=... on the JMeter command line overrides it, so rerun without -J%s (or with -J%s=%d)", name, name, name, name, n)
	}
	if e.SetProp(prop, val) {
		t.note("set", fmt.Sprintf("%s %s -> %s", label, old, val), e.Path(), why)
	}
	return true
}

// propertyDefault records that tune set the default of the JMeter property
// name to n (in a ${__P(name,n)} value at where).
func (t *tuner) propertyDefault(name string, n int, where string) {
	v := strconv.Itoa(n)
	for _, d := range t.res.PropertyDefaults {
		if d.Name == name && d.Value == v {
			return
		}
	}
	t.res.PropertyDefaults = append(t.res.PropertyDefaults, PropertyDefault{Name: name, Value: v, Where: where})
}
