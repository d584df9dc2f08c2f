package tune

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jmtune/analysis"
	"jmtune/internal/testenv"
	"jmtune/jmx"
	"jmtune/jtl"
)

const seedFile = "../../testdata/jmx/seed.jmx"

func load(t testing.TB, file string) *jmx.Plan {
	t.Helper()
	p, err := jmx.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rate(r float64, scope string) Settings {
	return Settings{Rec: analysis.Recommendation{TargetRatePerS: r, Scope: scope}, Version: "test"}
}

func seedSettings() Settings {
	s := rate(8, analysis.ScopeShared)
	s.Labels = jmx.MustGlob("GET script")
	return s
}

func tuneBytes(t testing.TB, p *jmx.Plan, s Settings) ([]byte, *Result) {
	t.Helper()
	res, err := Tune(p, s)
	if err != nil {
		t.Fatal(err)
	}
	return p.Bytes(), res
}

func reparse(t testing.TB, out []byte) *jmx.Plan {
	t.Helper()
	q, err := jmx.Parse("tuned.jmx", out)
	if err != nil {
		t.Fatalf("tuned plan does not parse: %v", err)
	}
	if errs := q.CheckPairs(); len(errs) > 0 {
		t.Fatalf("tuned plan breaks the pairing: %v", errs)
	}
	return q
}

func named(t testing.TB, p *jmx.Plan, name string) *jmx.Element {
	t.Helper()
	es := p.SelectByName(jmx.MustGlob(name), jmx.KindOther)
	if len(es) != 1 {
		t.Fatalf("%d elements named %q", len(es), name)
	}
	return es[0]
}

// TestSeed checks the structure of the tuned seed plan element by element.
func TestSeed(t *testing.T) {
	out, res := tuneBytes(t, load(t, seedFile), seedSettings())
	q := reparse(t, out)
	s := named(t, q, "GET script")
	loop := s.Parent
	if m, ok := markOf(loop); !ok || m.role != RoleRetryLoop || loop.TestClass() != "WhileController" {
		t.Fatalf("GET script is in %s, not a jmtune retry loop", loop.Path())
	}
	if c := loop.PropString("WhileController.condition"); c != "${jmtuneRetry_GET_script}" {
		t.Errorf("While condition %q: want a plain ${var} (2.13 has no __jexl3/__groovy)", c)
	}
	sibs := loop.Parent.Children()
	i := loop.Index()
	if i == 0 || sibs[i-1].TestClass() != "UserParameters" || !sibs[i-1].Prop("UserParameters.per_iteration").Bool(false) {
		t.Errorf("no per-iteration User Parameters right before the loop")
	}
	kids := loop.Children()
	if len(kids) != 2 || !kids[0].Same(s) || kids[1].TestClass() != "IfController" {
		t.Fatalf("loop children: %v", kids)
	}
	ifc := kids[1]
	if ifc.PropString("IfController.condition") != "${jmtunePause_GET_script}" || !ifc.Prop("IfController.useExpression").Bool(false) {
		t.Errorf("If Controller: %q", ifc.PropString("IfController.condition"))
	}
	wait := ifc.Children()
	if len(wait) != 1 || wait[0].TestClass() != "TestAction" || wait[0].PropString("ActionProcessor.duration") != "${jmtuneBackoffMs_GET_script}" {
		t.Errorf("pause: %v", wait)
	}
	var ctt, decide *jmx.Element
	for _, c := range s.Children() {
		switch c.TestClass() {
		case "ConstantThroughputTimer":
			ctt = c
		case "JSR223PostProcessor":
			decide = c
		}
	}
	if ctt == nil || decide == nil {
		t.Fatalf("under GET script: pacer %v, decision %v", ctt, decide)
	}
	tt := ctt.AsThroughputTimer()
	// 8 requests/s shared by the group's threads: 480 per minute, calcMode 4.
	if pm, ok := tt.PerMinute(); !ok || pm != 480 || tt.CalcMode() != jmx.CalcGroupShared || ctt.Prop("throughput").Tag != "doubleProp" {
		t.Errorf("pacer: %v/min mode %d tag %s", pm, tt.CalcMode(), ctt.Prop("throughput").Tag)
	}
	script := decide.PropString("script")
	if strings.Contains(script, "${") || decide.PropString("scriptLanguage") != "groovy" || decide.PropString("cacheKey") == "" || decide.PropString("cacheKey") == "true" {
		t.Errorf("decision element: language %q cacheKey %q, ${ in script: %v", decide.PropString("scriptLanguage"), decide.PropString("cacheKey"), strings.Contains(script, "${"))
	}
	if p := strings.Fields(decide.PropString("parameters")); len(p) != 7 || p[0] != "GET_script" || p[1] != "4" {
		t.Errorf("parameters %q", decide.PropString("parameters"))
	}
	// The decision calls the plan-level logic, whose retry label is
	// jtl.RetryLabel's.
	logic := named(t, q, NamePrefix+"retry logic")
	if logic.TestClass() != "JSR223PreProcessor" || logic.Parent.TestClass() != "TestPlan" {
		t.Fatalf("retry logic is a %s under %s", logic.TestClass(), logic.Parent.Path())
	}
	ls := logic.PropString("script")
	key := regexp.MustCompile(`props\.get\('(jmtune\.decide\.[0-9a-f]+)'\)`).FindStringSubmatch(script)
	if key == nil || !strings.Contains(ls, "props.put('"+key[1]+"', {") {
		t.Errorf("decision and logic do not share a props key:\n%s\n%s", script, ls)
	}
	if !strings.Contains(ls, "' (retry ' + (attempt - 1) + ')'") || jtl.RetryLabel("L", 2) != "L (retry 2)" {
		t.Errorf("the logic's retry label does not follow jtl.RetryLabel")
	}
	if strings.Contains(ls, "${") || logic.PropString("cacheKey") == decide.PropString("cacheKey") {
		t.Errorf("logic script has ${ or shares the decision's cache key")
	}
	// Plan-level capture of the headers, first under the TestPlan.
	first := q.TestPlan().Children()[0]
	if m, ok := markOf(first); !ok || m.role != RoleCapture {
		t.Errorf("first TestPlan child is %s", first.Path())
	}
	for _, v := range []string{jtl.VarRetryAfter, jtl.VarRLLimit, jtl.VarRLRemaining, jtl.VarRLReset, jtl.VarDate} {
		if !strings.Contains(first.PropString("script"), "vars.put('"+v+"'") {
			t.Errorf("capture script does not set %s", v)
		}
		if !strings.Contains(res.UserProperties, v) {
			t.Errorf("user.properties does not save %s", v)
		}
	}
	// Ramp-up: 200 threads no faster than 8/s is 25 s; the duration grows
	// by the 15 s the ramp grew.
	tg := q.ThreadGroups()[0]
	if tg.PropString(jmx.PropRampTime) != "${__P(rampup,25)}" || tg.PropString(jmx.PropDuration) != "${__P(duration,315)}" {
		t.Errorf("ramp %q duration %q", tg.PropString(jmx.PropRampTime), tg.PropString(jmx.PropDuration))
	}
	// Nothing JMeter 2.13 cannot run.
	for _, bad := range []string{"__jexl3", "__groovy", "PreciseThroughputTimer", "<sentBytes>"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("tuned plan contains %s", bad)
		}
	}
	// The login is not throttled: untouched.
	if login := named(t, q, "POST token"); len(login.Children()) != 1 {
		t.Errorf("POST token got children: %v", login.Children())
	}
}

// TestIdempotent tunes a tuned plan: the same evidence changes nothing; a
// new rate updates jmtune's elements instead of adding more.
func TestIdempotent(t *testing.T) {
	out1, _ := tuneBytes(t, load(t, seedFile), seedSettings())
	q := reparse(t, out1)
	out2, res := tuneBytes(t, q, seedSettings())
	if !bytes.Equal(out1, out2) {
		t.Fatalf("second tune changed the plan:\n%s", jmx.UnifiedDiff("1", "2", out1, out2, 2))
	}
	for _, c := range res.Changes {
		if c.Action != "note" && c.Action != "keep" {
			t.Errorf("second tune reported %s %s", c.Action, c.What)
		}
	}
	count := func(p *jmx.Plan) int {
		n := 0
		p.Walk(func(e *jmx.Element) bool {
			if isManaged(e) {
				n++
			}
			return true
		})
		return n
	}
	before := count(q)
	s := seedSettings()
	s.Rec.TargetRatePerS = 5
	s.MaxAttempts = 3
	out3, res := tuneBytes(t, q, s)
	r := reparse(t, out3)
	if count(r) != before {
		t.Errorf("retune with a new rate: %d jmtune elements, had %d", count(r), before)
	}
	var pm float64
	for _, tt := range r.ThroughputTimers() {
		pm, _ = tt.PerMinute()
	}
	if pm != 300 {
		t.Errorf("pacer %v/min after retune at 5/s", pm)
	}
	updates := 0
	for _, c := range res.Changes {
		if c.Action == "update" {
			updates++
		}
		if c.Action == "add" {
			t.Errorf("retune added %s", c.What)
		}
	}
	if updates != 2 { // the pacer and the decision's parameters
		t.Errorf("%d updates, want 2: %+v", updates, res.Changes)
	}
	// Switching the timer type replaces the pacer.
	s.Timer = analysis.TimerPrecise
	out4, _ := tuneBytes(t, r, s)
	u := reparse(t, out4)
	if n := len(u.ThroughputTimers()); n != 1 || !u.ThroughputTimers()[0].IsPrecise() {
		t.Errorf("after --timer precise: %d timers", n)
	}
}

func TestScopes(t *testing.T) {
	for _, tc := range []struct {
		scope    string
		mode     int
		perMin   float64
		rampWant string
	}{
		{analysis.ScopePerThread, jmx.CalcThisThread, 60, "${__P(rampup,10)}"}, // 1/s per thread; ramp untouched
		{analysis.ScopePerLabel, jmx.CalcGroupShared, 60, "${__P(rampup,200)}"},
		{analysis.ScopeShared, jmx.CalcGroupShared, 60, "${__P(rampup,200)}"},
	} {
		s := rate(1, tc.scope)
		s.Labels = jmx.MustGlob("GET script")
		out, _ := tuneBytes(t, load(t, seedFile), s)
		q := reparse(t, out)
		tt := q.ThroughputTimers()[0]
		if pm, _ := tt.PerMinute(); pm != tc.perMin || tt.CalcMode() != tc.mode {
			t.Errorf("%s: %v/min mode %d, want %v mode %d", tc.scope, pm, tt.CalcMode(), tc.perMin, tc.mode)
		}
		if r := q.ThreadGroups()[0].PropString(jmx.PropRampTime); r != tc.rampWant {
			t.Errorf("%s: ramp %q, want %q", tc.scope, r, tc.rampWant)
		}
	}
	// Two throttled samplers of one group, per label: mode 2, each its rate.
	s := rate(1, analysis.ScopePerLabel)
	s.Rec.PerLabel = map[string]float64{"GET script": 2, "POST token": 0.5}
	s.Labels = jmx.MustGlob("GET script|POST token")
	out, _ := tuneBytes(t, load(t, seedFile), s)
	q := reparse(t, out)
	got := map[string]string{}
	for _, tt := range q.ThroughputTimers() {
		pm, _ := tt.PerMinute()
		got[tt.Parent.Name()] = fmt.Sprintf("%v/%d", pm, tt.CalcMode())
	}
	if got["GET script"] != "120/2" || got["POST token"] != "30/2" {
		t.Errorf("per-label pacers %v", got)
	}
	// Shared by two samplers: both at the full rate, one shared schedule.
	s = rate(4, analysis.ScopeShared)
	s.Labels = jmx.MustGlob("GET script|POST token")
	out, _ = tuneBytes(t, load(t, seedFile), s)
	q = reparse(t, out)
	for _, tt := range q.ThroughputTimers() {
		if pm, _ := tt.PerMinute(); pm != 240 || tt.CalcMode() != jmx.CalcGroupShared {
			t.Errorf("shared pacer of %s: %v/min mode %d", tt.Parent.Name(), pm, tt.CalcMode())
		}
	}
}

func TestThreadsAuto(t *testing.T) {
	s := seedSettings()
	s.ThreadsAuto = true
	s.Run = analysis.RunStats{ResponseP90S: 0.3, ThinkS: 0.2}
	out, res := tuneBytes(t, load(t, seedFile), s)
	q := reparse(t, out)
	// N = ceil(8/s × 0.5 s × 1.2) = 5; ramp = 5/8 -> 1 s, but never shorter than the 10 s it had.
	tg := q.ThreadGroups()[0]
	if tg.PropString(jmx.PropNumThreads) != "${__P(threads,5)}" || tg.PropString(jmx.PropRampTime) != "${__P(rampup,10)}" {
		t.Errorf("threads %q ramp %q; changes %+v", tg.PropString(jmx.PropNumThreads), tg.PropString(jmx.PropRampTime), res.Changes)
	}
	s.Run = analysis.RunStats{}
	if _, err := Tune(load(t, seedFile), s); err == nil || !strings.Contains(err.Error(), "Little's law") {
		t.Errorf("--threads auto without response times: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	s := seedSettings()
	s.Timer = analysis.TimerPrecise
	s.JMeterVersion = "2.13"
	if _, err := Tune(load(t, seedFile), s); err == nil || !strings.Contains(err.Error(), "4.0") {
		t.Errorf("precise on 2.13: %v", err)
	}
	s = seedSettings()
	s.Rec.TargetRatePerS = 0
	if _, err := Tune(load(t, seedFile), s); !errors.Is(err, ErrNoTarget) {
		t.Errorf("no target: %v", err)
	}
	s = seedSettings()
	s.Labels = jmx.MustGlob("nothing like this")
	if _, err := Tune(load(t, seedFile), s); !errors.Is(err, ErrNoSamplers) || !strings.Contains(err.Error(), `"GET script"`) {
		t.Errorf("no sampler: %v", err)
	}
	s = seedSettings()
	s.Labels = jmx.Glob{}
	s.Limit.Labels = []string{"GET script (retry 2)", "Transaction X"}
	out, res := tuneBytes(t, load(t, seedFile), s)
	if len(res.Throttled) != 1 || !strings.HasSuffix(res.Throttled[0], "/GET script") {
		t.Errorf("throttled from labels: %v", res.Throttled)
	}
	noted := false
	for _, c := range res.Changes {
		if c.Action == "note" && strings.Contains(c.What, "Transaction X") {
			noted = true
		}
	}
	if !noted {
		t.Error("an unknown throttled label is not reported")
	}
	reparse(t, out)
	// Caching the only sampler of an endless loop would spin.
	s = seedSettings()
	s.CacheLabels = jmx.MustGlob("GET script")
	if _, err := Tune(load(t, seedFile), s); err == nil || !strings.Contains(err.Error(), "no sampler left") {
		t.Errorf("cache the only looping sampler: %v", err)
	}
}

// TestCache caches a sampler that has a retry loop, in a group that keeps
// another looping sampler: the Once Only Controller takes the loop and its
// re-arm element.
func TestCache(t *testing.T) {
	p := load(t, seedFile)
	tg := p.ThreadGroups()[0]
	tg.AppendChild(jmx.NewElement("TestAction", "TestActionGui", "TestAction", "think", jmx.IntProp("ActionProcessor.action", 1), jmx.StringProp("ActionProcessor.duration", "1000")))
	s := seedSettings()
	s.CacheLabels = jmx.MustGlob("GET script")
	out, _ := tuneBytes(t, p, s)
	q := reparse(t, out)
	loop := named(t, q, "GET script").Parent
	once := loop.Parent
	if once.TestClass() != "OnceOnlyController" || !isManaged(once) {
		t.Fatalf("retry loop is in %s", once.Path())
	}
	kids := once.Children()
	if len(kids) != 2 || kids[0].TestClass() != "UserParameters" || !kids[1].Same(loop) {
		t.Errorf("Once Only children: %v", kids)
	}
	// Idempotent with caching too.
	out2, _ := tuneBytes(t, q, s)
	if !bytes.Equal(out, out2) {
		t.Errorf("retune with caching changed the plan:\n%s", jmx.UnifiedDiff("1", "2", out, out2, 2))
	}
}

func TestPluginGroups(t *testing.T) {
	p := load(t, filepath.Join(testenv.Shared(t), "corpus", "jmx", "Blazemeter__taurus__threadgroups.jmx"))
	// Only TG.01 has a sampler: give every group one.
	for i, g := range p.ThreadGroups() {
		if i > 0 {
			g.AppendChild(jmx.NewElement("HTTPSamplerProxy", "HttpTestSampleGui", "HTTPSamplerProxy", "req "+g.Name()))
		}
	}
	s := rate(1, analysis.ScopeShared)
	s.Threads = 20
	out, res := tuneBytes(t, p, s)
	q := reparse(t, out)
	byName := map[string]*jmx.ThreadGroup{}
	for _, g := range q.ThreadGroups() {
		byName[g.Name()] = g
	}
	// Threads now 2+3+4+6+2 = 17 are scaled to 20: 2, 4, 5, 7 and the rest
	// (2). Thread starts are limited to each group's share of 1/s.
	tg1 := byName["TG.01"]
	// 2 threads at 2/17 per s: ramp ceil(17) s; the scheduler's 3 s grow by as much.
	if tg1.PropString(jmx.PropNumThreads) != "2" || tg1.PropString(jmx.PropRampTime) != "17" || tg1.PropString(jmx.PropDuration) != "20" {
		t.Errorf("TG.01: threads %s ramp %s duration %s", tg1.PropString(jmx.PropNumThreads), tg1.PropString(jmx.PropRampTime), tg1.PropString(jmx.PropDuration))
	}
	// Concurrency: 4 threads at 3/17 per s need 23 s, less than its 100 s;
	// 2 steps would start 2 threads at once (more than 1 per second): 4 steps.
	ctg := byName["CTG.02"]
	if ctg.PropString(jmx.PropTargetLevel) != "4" || ctg.PropString(jmx.PropRampUp) != "100" || ctg.PropString(jmx.PropSteps) != "4" {
		t.Errorf("CTG.02: TargetLevel %s RampUp %s Steps %s", ctg.PropString(jmx.PropTargetLevel), ctg.PropString(jmx.PropRampUp), ctg.PropString(jmx.PropSteps))
	}
	// Ultimate: 6 -> 7 threads; 7 at 6/17 per s need 20 s, less than its 30 s.
	rows := byName["UTG.04"].UltimateRows()
	if len(rows) != 1 || rows[0].Threads != 7 || rows[0].StartupS != 30 {
		t.Errorf("UTG.04 rows %+v", rows)
	}
	var notes []string
	for _, c := range res.Changes {
		if c.Action == "note" {
			notes = append(notes, c.What)
		}
	}
	joined := strings.Join(notes, "|")
	for _, w := range []string{"Arrivals Thread Group not changed", "Stepping Thread Group not changed", "on_sample_error is startnextloop"} {
		if !strings.Contains(joined, w) {
			t.Errorf("no note %q in %v", w, notes)
		}
	}
}

// TestCorpus tunes every corpus plan with each timer, re-parses it, checks
// the pairing and that only expected lines changed, and tunes it again
// without any change.
func TestCorpus(t *testing.T) {
	shared := testenv.Shared(t)
	files, _ := filepath.Glob(filepath.Join(shared, "corpus", "jmx", "*.jmx"))
	if len(files) < 40 {
		t.Fatalf("%d corpus plans", len(files))
	}
	tuned := 0
	for _, f := range files {
		p0, err := jmx.Load(f)
		if err != nil {
			continue // the malformed ones: jmx tests cover them
		}
		if len(p0.ThreadGroups()) == 0 {
			continue
		}
		before := len(p0.CheckPairs())
		for _, timer := range []string{analysis.TimerConstant, analysis.TimerPrecise, analysis.TimerShaping} {
			p := load(t, f)
			s := rate(5, analysis.ScopeShared) // default labels: the HTTP samplers, else all
			s.Timer = timer
			res, err := Tune(p, s)
			if err != nil {
				t.Errorf("%s (%s): %v", filepath.Base(f), timer, err)
				continue
			}
			out := p.Bytes()
			q, err := jmx.Parse(f, out)
			if err != nil {
				t.Errorf("%s (%s): tuned plan does not parse: %v", filepath.Base(f), timer, err)
				continue
			}
			if after := len(q.CheckPairs()); after > before {
				t.Errorf("%s (%s): pairing errors %d -> %d: %v", filepath.Base(f), timer, before, after, q.CheckPairs())
			}
			checkOnlyExpected(t, filepath.Base(f)+" "+timer, p.Original(), out)
			out2, _ := tuneBytes(t, q, s)
			if !bytes.Equal(out, out2) {
				t.Errorf("%s (%s): second tune changed the plan:\n%s", filepath.Base(f), timer, jmx.UnifiedDiff("1", "2", out, out2, 1))
			}
			if timer == analysis.TimerConstant {
				tuned++
				if len(res.Throttled) == 0 {
					// Only a plan whose groups run no sampler, directly or
					// through Module Controllers, has nothing to tune.
					calls := p0.ModuleCalls()
					if active := p0.Find(func(e *jmx.Element) bool {
						return e.Kind() == jmx.KindSampler && e.TestClass() != "TestAction" && e.Active() && len(p0.RunningGroups(e, calls)) > 0
					}); len(active) > 0 {
						t.Errorf("%s: nothing throttled but %d samplers run", filepath.Base(f), len(active))
					}
				}
			}
		}
	}
	if tuned < 35 {
		t.Errorf("only %d corpus plans tuned", tuned)
	}
	t.Logf("%d corpus plans tuned with each timer", tuned)
}

// expectedRemoved are the only original lines tuning may remove or change
// (compared without their indentation, which moves with wrapped samplers).
var expectedRemoved = regexp.MustCompile(`ThreadGroup\.(ramp_time|num_threads|duration)|name="(RampUp|Steps|TargetLevel)"|^<hashTree ?/>$|ThroughputTimer|VariableThroughputTimer|^<stringProp name="[^"]*">([0-9.]+|\$\{__P\([^()]*\)\})</stringProp>$|^<stringProp name="[^"]*"/>$`)

// checkOnlyExpected diffs the original and the tuned plan line by line,
// leading blanks aside: every removed line must be one tuning changes on
// purpose, and every original line must otherwise be there, in order.
func checkOnlyExpected(t *testing.T, name string, orig, out []byte) {
	t.Helper()
	strip := func(b []byte) []byte {
		lines := bytes.Split(b, []byte("\n"))
		for i, l := range lines {
			lines[i] = bytes.TrimLeft(l, " \t")
		}
		return bytes.Join(lines, []byte("\n"))
	}
	d := jmx.UnifiedDiff("orig", "tuned", strip(orig), strip(out), 0)
	for _, l := range strings.Split(d, "\n") {
		if strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---") {
			if !expectedRemoved.MatchString(strings.TrimRight(l[1:], "\r")) {
				t.Errorf("%s: tuning changed an original line it should not: %q", name, l)
			}
		}
	}
}

// TestReferenceNames checks every element and property jmtune writes, for
// each timer, against JMeter 5.6.3's element table and alias list
// (../shared/reference/jmeter-elements.tsv, jmeter-aliases.tsv).
func TestReferenceNames(t *testing.T) {
	ref := filepath.Join(testenv.Shared(t), "reference")
	props := map[string]string{} // testclass\tproperty -> tag
	classes := map[string]bool{}
	gui := map[string]string{}
	for i, line := range readLines(t, filepath.Join(ref, "jmeter-elements.tsv")) {
		c := strings.Split(line, "\t")
		if i == 0 || len(c) < 5 {
			continue
		}
		props[c[0]+"\t"+c[3]] = c[4]
		classes[c[0]] = true
		gui[c[0]] = c[2]
	}
	aliases := map[string]bool{}
	for _, line := range readLines(t, filepath.Join(ref, "jmeter-aliases.tsv")) {
		aliases[strings.Split(line, "\t")[0]] = true
	}
	// UserParameters is in the alias list only; its property names were
	// read from JMeter 2.13's class (javap -constants
	// org.apache.jmeter.modifiers.UserParameters) and are unchanged in 5.x.
	userParams := map[string]bool{"UserParameters.names": true, "UserParameters.thread_values": true, "UserParameters.per_iteration": true}
	for _, timer := range []string{analysis.TimerConstant, analysis.TimerPrecise, analysis.TimerShaping} {
		s := seedSettings()
		s.Timer = timer
		out, _ := tuneBytes(t, load(t, seedFile), s)
		q := reparse(t, out)
		checked := 0
		q.Walk(func(e *jmx.Element) bool {
			if !isManaged(e) {
				return true
			}
			tc := e.TestClass()
			if !aliases[tc] && !strings.Contains(tc, ".") {
				t.Errorf("%s: testclass %q is neither an alias nor a class name", timer, tc)
			}
			if g, ok := gui[tc]; ok && !strings.Contains("|"+g+"|", "|"+e.GUIClass()+"|") {
				t.Errorf("%s: %s guiclass %q, reference says %q", timer, tc, e.GUIClass(), g)
			}
			for _, c := range e.Node.ChildElements() {
				name := c.SelectAttrValue("name", "")
				if n := c.SelectElement("name"); name == "" && n != nil {
					name = n.Text()
				}
				if name == CommentProp {
					continue // allowed on every element (the * row)
				}
				if tc == "UserParameters" {
					if !userParams[name] {
						t.Errorf("UserParameters property %q", name)
					}
					continue
				}
				want, ok := props[tc+"\t"+name]
				if !ok {
					t.Errorf("%s: %s has no property %q in the reference", timer, tc, name)
					continue
				}
				if c.Tag != want && !(c.Tag == "stringProp" && (want == "intProp" || want == "longProp" || want == "doubleProp" || want == "boolProp")) {
					t.Errorf("%s: %s.%s written as %s, reference says %s", timer, tc, name, c.Tag, want)
				}
				checked++
			}
			return true
		})
		if checked < 15 {
			t.Errorf("%s: only %d properties checked", timer, checked)
		}
		for _, cls := range []string{"PreciseThroughputTimer", "kg.apc.jmeter.timers.VariableThroughputTimer"} {
			if !classes[cls] {
				t.Fatalf("reference lost %s", cls)
			}
		}
	}
}

func readLines(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

// BenchmarkTuneLargest tunes the largest corpus plan (load, tune, write).
func BenchmarkTuneLargest(b *testing.B) {
	shared := testenv.Shared(b)
	files, _ := filepath.Glob(filepath.Join(shared, "corpus", "jmx", "*.jmx"))
	var big string
	var size int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Size() > size {
			big, size = f, fi.Size()
		}
	}
	data, err := os.ReadFile(big)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := jmx.Parse(big, data)
		if err != nil {
			b.Fatal(err)
		}
		s := rate(5, analysis.ScopeShared)
		s.Labels = jmx.MustGlob("*")
		if _, err := Tune(p, s); err != nil {
			b.Fatal(err)
		}
		if out := p.Bytes(); len(out) <= len(data) {
			b.Fatal("nothing tuned")
		}
	}
}

// TestPreciseRecommendedOn213 falls back to the Constant Throughput Timer,
// with a note, when the analysis recommends the Precise one for JMeter 2.13.
func TestPreciseRecommendedOn213(t *testing.T) {
	s := seedSettings()
	s.Rec.Timer.Type = analysis.TimerPrecise
	s.JMeterVersion = "2.13"
	out, res := tuneBytes(t, load(t, seedFile), s)
	q := reparse(t, out)
	if tts := q.ThroughputTimers(); len(tts) != 1 || !tts[0].IsConstant() {
		t.Fatalf("pacers %v", tts)
	}
	noted := false
	for _, c := range res.Changes {
		noted = noted || c.Action == "note" && strings.Contains(c.What, "instead of the recommended Precise")
	}
	if !noted {
		t.Error("no note about the fallback")
	}
}

// TestFragments tunes the DEFRA plan, whose HTTP samplers are in Test
// Fragments run by Module Controllers: they are paced and retried, and the
// thread group that runs them gets the ramp-up.
func TestFragments(t *testing.T) {
	p := load(t, filepath.Join(testenv.Shared(t), "corpus", "jmx", "DEFRA__rod-catch-returns-performance-tests__FrontendTests.jmx"))
	calls := p.ModuleCalls()
	var http []*jmx.Element
	for _, s := range p.Samplers() {
		if s.IsHTTPSampler() && s.Active() && len(p.RunningGroups(s, calls)) > 0 {
			http = append(http, s)
		}
	}
	groups := map[string]bool{}
	for _, s := range http {
		for _, g := range p.RunningGroups(s, calls) {
			groups[g.Name()] = true
		}
	}
	// 25 threads in three groups, 30 s ramp-ups: at 0.5/s the thread starts
	// need 25/0.5 = 50 s in each group (each gets its share of the rate).
	out, res := tuneBytes(t, p, rate(0.5, analysis.ScopeShared))
	q := reparse(t, out)
	if len(res.Throttled) != len(http) || len(q.ThroughputTimers()) != len(http) {
		t.Fatalf("%d throttled, %d pacers; %d HTTP samplers run", len(res.Throttled), len(q.ThroughputTimers()), len(http))
	}
	loops := 0
	q.Walk(func(e *jmx.Element) bool {
		if m, ok := markOf(e); ok && m.role == RoleRetryLoop {
			loops++
		}
		return true
	})
	if loops != len(http) {
		t.Errorf("%d retry loops for %d samplers", loops, len(http))
	}
	ramped := 0
	for _, c := range res.Changes {
		if c.What == "ramp-up (s) 30 -> 50" && groups[c.Where[strings.LastIndex(c.Where, "/")+1:]] {
			ramped++
		}
	}
	if ramped != len(groups) || len(groups) != 3 {
		t.Errorf("%d ramp-ups 30 -> 50 s for the %d groups %v that run the fragments", ramped, len(groups), groups)
	}
}

// TestPreciseTarget: with --timer precise the analysis's lower target for
// Poisson arrivals (PreciseTargetRatePerS) is used, with a note; the
// Constant Throughput Timer keeps the even-pacing target.
func TestPreciseTarget(t *testing.T) {
	for _, tc := range []struct {
		timer string
		want  float64 // requests per second the pacer admits
	}{
		{analysis.TimerPrecise, 6},
		{analysis.TimerConstant, 8},
	} {
		s := seedSettings()
		s.Rec.PreciseTargetRatePerS = 6
		s.Timer = tc.timer
		out, res := tuneBytes(t, load(t, seedFile), s)
		tts := reparse(t, out).ThroughputTimers()
		if len(tts) != 1 {
			t.Fatalf("%s: %d pacers", tc.timer, len(tts))
		}
		var got float64
		if tc.timer == analysis.TimerPrecise {
			n, period, ok := tts[0].PreciseRate()
			if !ok || period <= 0 {
				t.Fatalf("precise timer without a rate")
			}
			got = n / period
		} else {
			pm, ok := tts[0].PerMinute()
			if !ok {
				t.Fatalf("constant timer without a rate")
			}
			got = pm / 60
		}
		if d := got - tc.want; d > 0.01 || d < -0.01 {
			t.Errorf("%s: pacer admits %.3f/s, want %.3f/s", tc.timer, got, tc.want)
		}
		noted := false
		for _, c := range res.Changes {
			noted = noted || c.Action == "note" && strings.Contains(c.What, "for the Precise Throughput Timer")
		}
		if noted != (tc.timer == analysis.TimerPrecise) {
			t.Errorf("%s: note about the precise target = %v", tc.timer, noted)
		}
	}
}
