// Package tune rewrites a JMeter test plan so that it runs at the highest
// rate a rate-limited API allows, from an inferred limit (analysis.Result)
// or a rate given by hand:
//
//   - thread groups: thread starts no faster than the target rate (ramp-up),
//     optionally threads sized by Little's law; Concurrency and Ultimate
//     Thread Groups get their own properties adjusted;
//   - a throughput timer on every throttled sampler (Constant Throughput
//     Timer in a shared mode by default; Precise Throughput Timer or
//     Throughput Shaping Timer on request);
//   - a retry loop around each throttled sampler that honours Retry-After
//     (seconds or HTTP-date), else backs off exponentially with full jitter,
//     within a retry budget, and labels retries "<label> (retry n)";
//   - Retry-After and rate-limit headers captured into the variables the
//     analysis reads (with a user.properties snippet for sample_variables);
//   - optionally samplers fetched once per thread.
//
// Everything tune adds is marked (testname "jmtune: ..." and a comment
// naming its role), so that tuning a tuned plan updates those elements
// instead of adding more. The retry loop uses only stock elements that
// JMeter 2.13 runs as well as 5.6: While Controller with a plain ${var}
// condition, User Parameters, If Controller with useExpression, Flow
// Control Action and JSR223 (Groovy) elements with a cache key.
package tune

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/beevik/etree"

	"jmtune/analysis"
	"jmtune/jmx"
	"jmtune/jtl"
)

// Settings says how to tune a plan.
type Settings struct {
	// Limit and Rec come from the analysis (or are built from --rate).
	// Rec.TargetRatePerS must be set.
	Limit analysis.Limit
	Rec   analysis.Recommendation
	// Run gives the response and think times for --threads auto (Little's
	// law) when Rec.Threads is 0.
	Run analysis.RunStats
	// RetryAfter describes the Retry-After values seen (for explanations).
	RetryAfter analysis.RetryAfter
	// Evidence is a one-line account of where the numbers come from, shown
	// with every change.
	Evidence string

	// Labels selects the throttled samplers by name; empty: the samplers
	// named in Limit.Labels, or every HTTP sampler of the normal thread
	// groups when there are none.
	Labels jmx.Glob
	// RetryLabels selects the samplers that get a retry loop when
	// RetrySet; otherwise the throttled samplers get one. An empty glob
	// with RetrySet means no retries.
	RetryLabels jmx.Glob
	RetrySet    bool
	// CacheLabels selects samplers to run once per thread.
	CacheLabels jmx.Glob

	// Timer is constant, precise or shaping; "" takes Rec.Timer.Type
	// (constant when that is empty too).
	Timer string
	// Threads sets the thread count (0 keeps it); ThreadsAuto sizes it by
	// Little's law.
	Threads     int
	ThreadsAuto bool
	// RampUpS, when > 0, sets the ramp-up exactly instead of the computed
	// minimum.
	RampUpS float64
	// MaxAttempts and RetryBudget override Rec.Backoff.
	MaxAttempts int
	RetryBudget float64
	// MaxWaitS is the longest Retry-After honoured; a longer one fails the
	// sample instead of stalling the thread (default 120 s).
	MaxWaitS float64
	// JMeterVersion is the JMeter the plan will run on: "2.13" or "5.6"
	// (default). The Precise Throughput Timer needs 4.0 or later.
	JMeterVersion string
	// Version is jmtune's version, written into the marks.
	Version string
	// Output is the path the tuned plan will be written to (for the
	// user.properties snippet); "" means the plan's own file.
	Output string
}

// Change is one edit of the plan, or a note about something not changed.
type Change struct {
	Action   string // add, set, update, move, disable, keep, note
	What     string // e.g. "ramp-up 10 s -> 25 s"
	Where    string // element path, e.g. "Agent desktop/Agents/GET script"
	Why      string
	Evidence string
}

// Result is what Tune did.
type Result struct {
	Changes []Change
	// UserProperties is a user.properties snippet that makes the next CSV
	// results carry the captured headers and the columns the analysis uses.
	UserProperties string
	// Throttled are the paths of the samplers treated as throttled.
	Throttled []string
	// PropertyDefaults are the JMeter properties whose default tune set
	// (a thread count or ramp-up written as ${__P(name,default)}): a
	// -Jname=... on the command line overrides the tuned value.
	PropertyDefaults []PropertyDefault
}

// PropertyDefault is a property default tune set: ${__P(Name,Value)} at the
// element path Where.
type PropertyDefault struct {
	Name, Value, Where string
}

// Errors returned by Tune.
var (
	ErrNoTarget   = errors.New("no target rate")
	ErrNoSamplers = errors.New("no sampler to tune")
)

// Tune edits p in place according to s.
func Tune(p *jmx.Plan, s Settings) (*Result, error) {
	t := &tuner{p: p, s: s, res: &Result{}}
	if err := t.fill(); err != nil {
		return nil, err
	}
	if p.TestPlan() == nil {
		return nil, errors.New("no TestPlan element under the root: a template or a fragment, not a plan that runs")
	}
	t.collectKeys()
	targets, err := t.throttled()
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		t.note("note", "nothing to tune", "", "no enabled sampler runs in a thread group of this plan, so there is nothing to pace or retry")
		t.res.UserProperties = UserProperties(t.outName(), t.s.Version)
		return t.res, nil
	}
	for _, e := range targets {
		t.res.Throttled = append(t.res.Throttled, e.Path())
	}
	if err := t.planGroups(targets); err != nil {
		return nil, err
	}
	t.capture()
	t.groups(targets)
	t.disableForeignPacers(targets)
	if err := t.pacers(targets); err != nil {
		return nil, err
	}
	retried := t.retryTargets(targets)
	t.retries(retried)
	t.userRetryLoops(targets, retried)
	if err := t.cache(); err != nil {
		return nil, err
	}
	t.errorActions()
	t.suggestions()
	t.res.UserProperties = UserProperties(t.outName(), t.s.Version)
	return t.res, nil
}

type tuner struct {
	p    *jmx.Plan
	s    Settings
	res  *Result
	keys map[string]bool // retry/pacer keys in use
	// timerType is the throughput timer written.
	timerType string
	// gplans are the thread group plans, by group node, in order.
	gplans map[*etree.Element]*groupPlan
	gorder []*groupPlan
	// skeys are the keys of the throttled and retried samplers.
	skeys map[*etree.Element]string
	// calls are the plan's Module Controllers and what they run.
	calls []jmx.ModuleCall
}

// outName returns the name of the tuned plan's file.
func (t *tuner) outName() string {
	if t.s.Output != "" {
		return t.s.Output
	}
	return t.p.File
}

// runs returns the thread groups that run e (see jmx.Plan.RunningGroups).
func (t *tuner) runs(e *jmx.Element) []*jmx.ThreadGroup {
	if t.calls == nil {
		t.calls = t.p.ModuleCalls()
		if t.calls == nil {
			t.calls = []jmx.ModuleCall{}
		}
	}
	return t.p.RunningGroups(e, t.calls)
}

// groupOf returns the first thread group that runs e, or nil.
func (t *tuner) groupOf(e *jmx.Element) *jmx.ThreadGroup {
	if gs := t.runs(e); len(gs) > 0 {
		return gs[0]
	}
	return nil
}

func (t *tuner) fill() error {
	s := &t.s
	if s.Version == "" {
		s.Version = "dev"
	}
	if s.JMeterVersion == "" {
		s.JMeterVersion = "5.6"
	}
	if s.JMeterVersion != "2.13" && s.JMeterVersion != "5.6" {
		return fmt.Errorf("JMeter version %q: want 2.13 or 5.6", s.JMeterVersion)
	}
	if !(s.Rec.TargetRatePerS > 0) || math.IsInf(s.Rec.TargetRatePerS, 0) {
		return fmt.Errorf("%w: the evidence gives no target rate (%s); pass --rate N/s", ErrNoTarget, orNone(s.Evidence))
	}
	if s.Rec.Scope == "" {
		s.Rec.Scope = s.Limit.Scope
	}
	switch s.Rec.Scope {
	case "", analysis.ScopeShared:
		s.Rec.Scope = analysis.ScopeShared
	case analysis.ScopePerThread, analysis.ScopePerLabel:
	default:
		return fmt.Errorf("scope %q: want shared, per-thread or per-label", s.Rec.Scope)
	}
	t.timerType = s.Timer
	if t.timerType == "" {
		t.timerType = s.Rec.Timer.Type
		if t.timerType == analysis.TimerPrecise && s.JMeterVersion == "2.13" {
			t.timerType = analysis.TimerConstant
			t.note("note", "Constant Throughput Timer instead of the recommended Precise Throughput Timer", "", "JMeter 2.13 refuses to load a plan with a Precise Throughput Timer (4.0+)")
		}
	}
	if t.timerType == "" {
		t.timerType = analysis.TimerConstant
	}
	switch t.timerType {
	case analysis.TimerConstant, analysis.TimerShaping:
	case analysis.TimerPrecise:
		if s.JMeterVersion == "2.13" {
			return errors.New("the Precise Throughput Timer needs JMeter 4.0 or later and JMeter 2.13 refuses to load a plan that has one; use --timer constant (runs everywhere) or --jmeter-version 5.6")
		}
	default:
		return fmt.Errorf("timer %q: want constant, precise or shaping", t.timerType)
	}
	// Poisson arrivals (Precise Throughput Timer) overflow a window more
	// often than even pacing: the analysis gives a lower target for them.
	if t.timerType == analysis.TimerPrecise && s.Rec.PreciseTargetRatePerS > 0 && s.Rec.PreciseTargetRatePerS < s.Rec.TargetRatePerS {
		f := s.Rec.PreciseTargetRatePerS / s.Rec.TargetRatePerS
		t.note("note", fmt.Sprintf("target %.4g/s instead of %.4g/s for the Precise Throughput Timer", s.Rec.PreciseTargetRatePerS, s.Rec.TargetRatePerS), "",
			"its Poisson arrivals overflow a window more often than the Constant Throughput Timer's even pacing; the analysis's safety factor for them applies")
		s.Rec.TargetRatePerS = s.Rec.PreciseTargetRatePerS
		if len(s.Rec.PerLabel) > 0 {
			per := make(map[string]float64, len(s.Rec.PerLabel))
			for k, v := range s.Rec.PerLabel {
				per[k] = v * f
			}
			s.Rec.PerLabel = per
		}
	}
	b := &s.Rec.Backoff
	if b.MaxAttempts == 0 && b.BaseS == 0 && b.CapS == 0 && b.JitterS == 0 {
		b.HonourRetryAfter = true
	}
	if b.BaseS <= 0 {
		b.BaseS = 1
	}
	if b.CapS <= 0 {
		b.CapS = 30
	}
	if b.JitterS <= 0 {
		b.JitterS = 1
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = 4
	}
	if b.BudgetShare <= 0 {
		b.BudgetShare = 0.1
	}
	if s.MaxAttempts > 0 {
		b.MaxAttempts = s.MaxAttempts
	}
	if s.RetryBudget > 0 {
		b.BudgetShare = s.RetryBudget
	}
	if s.MaxWaitS <= 0 {
		s.MaxWaitS = 120
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// note records a change.
func (t *tuner) note(action, what, where, why string) {
	t.res.Changes = append(t.res.Changes, Change{Action: action, What: what, Where: where, Why: why, Evidence: t.s.Evidence})
}

// throttled returns the samplers the limit applies to.
func (t *tuner) throttled() ([]*jmx.Element, error) {
	var out []*jmx.Element
	candidate := func(e *jmx.Element) bool {
		return e.Kind() == jmx.KindSampler && e.TestClass() != "TestAction" && e.Active() && !isManaged(e) && len(t.runs(e)) > 0
	}
	switch {
	case !t.s.Labels.Empty():
		out = t.p.Find(func(e *jmx.Element) bool { return candidate(e) && t.s.Labels.Match(e.Name()) })
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: no enabled sampler in a thread group is named like %q; the samplers are: %s", ErrNoSamplers, t.s.Labels, t.samplerNames())
		}
	case len(t.s.Limit.Labels) > 0:
		want := map[string]bool{}
		for _, l := range t.s.Limit.Labels {
			base, _ := jtl.SplitRetryLabel(l)
			want[base] = true
		}
		found := map[string]bool{}
		out = t.p.Find(func(e *jmx.Element) bool {
			if candidate(e) && want[e.Name()] {
				found[e.Name()] = true
				return true
			}
			return false
		})
		var missing []string
		for l := range want {
			if !found[l] {
				missing = append(missing, l)
			}
		}
		sort.Strings(missing)
		for _, l := range missing {
			t.note("note", fmt.Sprintf("throttled label %q not found", l), "", "no enabled sampler of a thread group has this name (a Transaction Controller, or a name built with ${...}?); pass --labels to choose samplers")
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: none of the throttled labels (%s) names an enabled sampler of a thread group in %s; the samplers are: %s; pass --labels GLOB", ErrNoSamplers, strings.Join(t.s.Limit.Labels, ", "), t.p.File, t.samplerNames())
		}
	default:
		normal := func(e *jmx.Element) bool {
			if !candidate(e) {
				return false
			}
			tg := t.groupOf(e)
			return tg.Type() != jmx.GroupSetup && tg.Type() != jmx.GroupTeardown
		}
		out = t.p.Find(func(e *jmx.Element) bool { return normal(e) && e.IsHTTPSampler() })
		if len(out) == 0 {
			out = t.p.Find(normal)
			if len(out) > 0 {
				t.note("note", "no HTTP sampler: every sampler is taken as throttled", "", "the plan's thread groups run no HTTP Request; pass --labels to choose the samplers the limit applies to")
			}
		}
	}
	return out, nil
}

func (t *tuner) samplerNames() string {
	var names []string
	seen := map[string]bool{}
	for _, e := range t.p.Samplers() {
		if !seen[e.Name()] && !isManaged(e) {
			seen[e.Name()] = true
			names = append(names, fmt.Sprintf("%q", e.Name()))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	if len(names) > 12 {
		names = append(names[:12], "...")
	}
	return strings.Join(names, ", ")
}

// retryTargets returns the samplers that get a retry loop.
func (t *tuner) retryTargets(throttled []*jmx.Element) []*jmx.Element {
	if !t.s.RetrySet {
		return throttled
	}
	if t.s.RetryLabels.Empty() {
		return nil
	}
	return t.p.Find(func(e *jmx.Element) bool {
		return e.Kind() == jmx.KindSampler && e.TestClass() != "TestAction" && e.Active() && !isManaged(e) &&
			len(t.runs(e)) > 0 && t.s.RetryLabels.Match(e.Name())
	})
}

// groupsOf returns the thread groups that run the samplers, in order.
func (t *tuner) groupsOf(samplers []*jmx.Element) []*jmx.ThreadGroup {
	var out []*jmx.ThreadGroup
	for _, s := range samplers {
		for _, tg := range t.runs(s) {
			dup := false
			for _, g := range out {
				if g.Same(tg.Element) {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, tg)
			}
		}
	}
	return out
}

var keyUnsafe = regexp.MustCompile(`[^A-Za-z0-9]+`)

// collectKeys records the keys of the elements jmtune added before.
func (t *tuner) collectKeys() {
	t.keys = map[string]bool{}
	t.p.Walk(func(e *jmx.Element) bool {
		if m, ok := markOf(e); ok && m.key != "" {
			t.keys[m.key] = true
		}
		return true
	})
}

// newKey returns an unused key for a sampler label, usable in variable
// names.
func (t *tuner) newKey(label string) string {
	k := strings.Trim(keyUnsafe.ReplaceAllString(label, "_"), "_")
	if len(k) > 40 {
		k = k[:40]
	}
	if k == "" {
		k = "sampler"
	}
	key := k
	for i := 2; t.keys[key]; i++ {
		key = fmt.Sprintf("%s_%d", k, i)
	}
	t.keys[key] = true
	return key
}

// suggestions notes what the evidence recommends that needs a flag.
func (t *tuner) suggestions() {
	rec := t.s.Rec
	if len(rec.CacheLabels) > 0 && t.s.CacheLabels.Empty() {
		var q []string
		for _, l := range rec.CacheLabels {
			q = append(q, l)
		}
		t.note("note", "fetch once per thread?", "", fmt.Sprintf("the evidence shows each thread fetching %s again and again; if the response does not change within a session, --cache-labels '%s' runs it once per thread (not applied: it changes what the test measures)", strings.Join(q, ", "), strings.Join(q, "|")))
	}
	if rec.Threads > 0 && t.s.Threads == 0 && !t.s.ThreadsAuto {
		t.note("note", fmt.Sprintf("%d threads would do", rec.Threads), "", "the evidence recommends this many threads for the target rate (Little's law); --threads auto applies it, the thread count is kept otherwise")
	}
}

// samplerKey returns the key of a sampler: the key of the jmtune elements
// already around or under it, else a new one from its name.
func (t *tuner) samplerKey(s *jmx.Element) string {
	if t.skeys == nil {
		t.skeys = map[*etree.Element]string{}
	}
	if k, ok := t.skeys[s.Node]; ok {
		return k
	}
	k := ""
	if s.Parent != nil {
		if m, ok := markOf(s.Parent); ok && m.role == RoleRetryLoop {
			k = m.key
		}
	}
	if k == "" {
		for _, c := range s.Children() {
			if m, ok := markOf(c); ok && (m.role == RolePacer || m.role == RoleRetryDecide) && m.key != "" {
				k = m.key
				break
			}
		}
	}
	if k == "" {
		k = t.newKey(s.Name())
	}
	t.skeys[s.Node] = k
	return k
}

// syncChild makes sure parent has a child with the given mark that looks
// like want: an existing one is replaced when it differs, a missing one is
// inserted at index at (-1 appends). It returns the element in the plan
// and what happened ("add", "update" or "").
func (t *tuner) syncChild(parent *jmx.Element, m mark, want *jmx.Element, at int) (*jmx.Element, string) {
	if cur := findMarked(parent, m); cur != nil {
		if canon(cur.Node) == canon(want.Node) {
			return cur, ""
		}
		t.p.ReplaceNode(cur.Node, want.Node)
		cur.Node = want.Node
		return cur, "update"
	}
	return parent.InsertChild(at, want), "add"
}

// canon returns a text that is equal for two elements with the same tag,
// attributes and content (whitespace between elements aside).
func canon(e *etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		b.WriteString("<" + e.FullTag())
		for _, a := range e.Attr {
			b.WriteString(" " + a.FullKey() + "=" + fmt.Sprintf("%q", a.Value))
		}
		b.WriteString(">")
		hasElems := len(e.ChildElements()) > 0
		for _, c := range e.Child {
			switch c := c.(type) {
			case *etree.Element:
				walk(c)
			case *etree.CharData:
				if !hasElems {
					b.WriteString(c.Data)
				}
			}
		}
		b.WriteString("</>")
	}
	walk(e)
	return b.String()
}

func fmtRate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f/s", r)
	case r >= 10:
		return fmt.Sprintf("%.1f/s", r)
	default:
		return fmt.Sprintf("%.2f/s", r)
	}
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}
