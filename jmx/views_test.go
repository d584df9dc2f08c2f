package jmx

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"jmtune/internal/testenv"
)

func loadCorpus(t *testing.T, name string) *Plan {
	t.Helper()
	p, err := Load(filepath.Join(testenv.Shared(t), "corpus", "jmx", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestThreadGroupViews reads Taurus's plan with one thread group of each
// kind; the expected values are those written in the file (lines 14-147).
func TestThreadGroupViews(t *testing.T) {
	p := loadCorpus(t, "Blazemeter__taurus__threadgroups.jmx")
	tgs := p.ThreadGroups()
	if len(tgs) != 5 {
		t.Fatalf("%d thread groups, want 5", len(tgs))
	}
	type want struct {
		name      string
		typ       GroupType
		threads   int
		rampS     float64
		loops     int
		scheduler bool
		durS      float64
		durOK     bool
		onError   string
	}
	for i, w := range []want{
		{"TG.01", GroupStandard, 2, 0, 100, true, 3, true, "startnextloop"},
		{"CTG.02", GroupConcurrency, 3, 100, 10, false, 100, true, "stopthread"},
		{"STG.03", GroupStepping, 4, 0, 1, false, 0, false, "stoptest"},
		{"UTG.04", GroupUltimate, 6, 0, -1, false, 100, true, "stoptestnow"},
		{"ATG.05", GroupArrivals, 2, 180, 33, false, 480, true, "continue"},
	} {
		g := tgs[i]
		if g.Name() != w.name || g.Type() != w.typ {
			t.Errorf("group %d: %q %v, want %q %v", i, g.Name(), g.Type(), w.name, w.typ)
			continue
		}
		if n, _ := g.Threads(); n != w.threads {
			t.Errorf("%s: threads %d, want %d", w.name, n, w.threads)
		}
		if r, _ := g.RampUpS(); r != w.rampS {
			t.Errorf("%s: ramp-up %v, want %v", w.name, r, w.rampS)
		}
		if l, _ := g.Loops(); l != w.loops {
			t.Errorf("%s: loops %d, want %d", w.name, l, w.loops)
		}
		if g.Scheduler() != w.scheduler {
			t.Errorf("%s: scheduler %v", w.name, g.Scheduler())
		}
		if d, ok := g.DurationS(); d != w.durS || ok != w.durOK {
			t.Errorf("%s: duration %v %v, want %v %v", w.name, d, ok, w.durS, w.durOK)
		}
		if g.OnSampleError() != w.onError {
			t.Errorf("%s: on error %q", w.name, g.OnSampleError())
		}
	}
	if d, ok := tgs[0].DelayS(); !ok || d != 33 {
		t.Errorf("TG.01 delay %v", d)
	}
	if s, _ := tgs[1].Steps(); s != 2 {
		t.Errorf("CTG.02 steps %d", s)
	}
	rows := tgs[3].UltimateRows()
	if len(rows) != 1 || rows[0].Threads != 6 || rows[0].InitialDelayS != 0 || rows[0].StartupS != 30 || rows[0].HoldS != 60 || rows[0].ShutdownS != 10 || !rows[0].OK {
		t.Errorf("UTG.04 rows %+v", rows)
	}
	// Samplers, kinds, paths, scope.
	samplers := p.Samplers()
	if len(samplers) == 0 || samplers[0].Path() != "Test Plan/TG.01/HTTP Request" {
		t.Fatalf("first sampler %v", samplers)
	}
	timers := samplers[0].InScope(KindTimer)
	if len(timers) != 1 || timers[0].Name() != "Constant Timer" {
		t.Errorf("timers in scope of the first sampler: %v", timers)
	}
	if samplers[0].ThreadGroup().Name() != "TG.01" {
		t.Error("ThreadGroup of the first sampler")
	}
}

// TestShapingAndUltimate reads the canonical jmeter-plugins example.
func TestShapingAndUltimate(t *testing.T) {
	p := loadCorpus(t, "undera__jmeter-plugins__ThroughputShapingExample.jmx")
	var shaping *ThroughputTimer
	for _, tt := range p.ThroughputTimers() {
		if tt.IsShaping() {
			shaping = tt
		}
	}
	if shaping == nil {
		t.Fatal("no Throughput Shaping Timer found")
	}
	rows := shaping.ShapingRows()
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	for _, r := range rows {
		if !r.OK || r.DurationS <= 0 {
			t.Errorf("row %+v", r)
		}
	}
	// Cross-check against the raw table: the same number of rows.
	data, _ := os.ReadFile(p.File)
	if n := strings.Count(string(data), "<collectionProp name=\"load_profile\">"); n != 1 {
		t.Fatalf("%d load_profile tables", n)
	}
}

// TestDisabledAncestors: in JMeter's TestDisable.jmx, elements under a
// disabled parent are inactive though enabled themselves.
func TestDisabledAncestors(t *testing.T) {
	p := loadCorpus(t, "apache__jmeter__TestDisable.jmx")
	inheritedOff := 0
	p.Walk(func(e *Element) bool {
		if e.Enabled() && !e.Active() {
			inheritedOff++
			// Some ancestor must be disabled.
			found := false
			for _, a := range e.Ancestors() {
				if !a.Enabled() {
					found = true
				}
			}
			if !found {
				t.Errorf("%s inactive without a disabled ancestor", e.Path())
			}
		}
		return true
	})
	if inheritedOff == 0 {
		t.Error("no element disabled through its parent in TestDisable.jmx")
	}
}

// TestKindsCorpus classifies every element of the corpus: every sampler
// must be in a hashTree of a controller, thread group or test fragment, and
// the known core classes must land in the right kind.
func TestKindsCorpus(t *testing.T) {
	for _, cp := range corpusPlans(t) {
		if cp.malformed {
			continue
		}
		p, err := Load(cp.path)
		if err != nil {
			t.Fatal(err)
		}
		// Taurus's int_threads.jmx is a test input with two thread groups
		// in a row and a hashTree of five empty hashTrees.
		if errs := p.CheckPairs(); len(errs) > 0 && filepath.Base(cp.path) != "Blazemeter__taurus__int_threads.jmx" {
			t.Errorf("%s: pairing: %v", filepath.Base(cp.path), errs[0])
		} else if len(errs) == 0 && filepath.Base(cp.path) == "Blazemeter__taurus__int_threads.jmx" {
			t.Errorf("int_threads.jmx: broken pairing not found")
		}
		p.Walk(func(e *Element) bool {
			k := e.Kind()
			switch e.TestClass() {
			case "HTTPSamplerProxy", "TestAction", "JSR223Sampler", "DebugSampler":
				if k != KindSampler {
					t.Errorf("%s: %s is %v", filepath.Base(cp.path), e.TestClass(), k)
				}
			case "ConstantThroughputTimer", "ConstantTimer", "UniformRandomTimer":
				if k != KindTimer {
					t.Errorf("%s: %s is %v", filepath.Base(cp.path), e.TestClass(), k)
				}
			}
			if k == KindSampler && e.Parent != nil {
				switch e.Parent.Kind() {
				case KindController, KindThreadGroup, KindTestPlan, KindWorkBench:
				default:
					t.Errorf("%s: sampler %s under a %v (%s)", filepath.Base(cp.path), e.Path(), e.Parent.Kind(), e.Parent.TestClass())
				}
			}
			return true
		})
	}
}

func TestGlob(t *testing.T) {
	g := MustGlob("GET /api/*|POST token")
	for name, want := range map[string]bool{
		"GET /api/v2/scripts/1": true, "POST token": true, "GET /other": false, "post token": false,
	} {
		if g.Match(name) != want {
			t.Errorf("%q: %v", name, !want)
		}
	}
	if _, err := ParseGlob("a[b"); err == nil {
		t.Error("bad pattern accepted")
	}
	p := parseString(t, small)
	// * also crosses "/", so "GET /*" finds the samplers and the
	// PostProcessor under GET /a; "GET /?" only the two samplers.
	if es, err := p.SelectByPath("Plan/Users/GET /*"); err != nil || len(es) != 3 {
		t.Errorf("SelectByPath *: %d %v", len(es), err)
	}
	if es, err := p.SelectByPath("Plan/Users/GET /?"); err != nil || len(es) != 2 || es[1].Name() != "GET /b" {
		t.Errorf("SelectByPath ?: %d %v", len(es), err)
	}
}

func TestValueProperty(t *testing.T) {
	for raw, want := range map[string]string{
		"${__P(threads,200)}":            "200",
		"${__P( threads , 7 )}":          "7",
		"${__P(threads)}":                "1",
		"${__property(threads,,40)}":     "40",
		"${__property(threads,tv,41)}":   "41",
		"${__P(a,1)}${__P(b,2)}":         "${__P(a,1)}${__P(b,2)}",
		"${threads}":                     "${threads}",
		"12":                             "12",
		"${__P(threads,${__P(x,1)})}":    "${__P(threads,${__P(x,1)})}",
		"${__javaScript(1+1)}":           "${__javaScript(1+1)}",
		"${__P(duration,)}":              "",
		"${__property(d,,)}":             "",
		"${__P(x,3)} ":                   "3",
		"${__P(threads,200)}${__P(x,1)}": "${__P(threads,200)}${__P(x,1)}",
	} {
		if got := (Value{Raw: raw}).Resolve(nil); got != want {
			t.Errorf("%q resolves to %q, want %q", raw, got, want)
		}
	}
	if got := (Value{Raw: "${__P(threads,200)}"}).Resolve(map[string]string{"threads": "50"}); got != "50" {
		t.Errorf("override: %q", got)
	}
}

// TestUnifiedDiffMatchesDiff compares UnifiedDiff with diff -u on edits of
// corpus plans.
func TestUnifiedDiffMatchesDiff(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("diff not installed")
	}
	dir := t.TempDir()
	for _, name := range []string{"Blazemeter__taurus__threadgroups.jmx", "apache__jmeter__build-adv-web-test-plan.jmx", "Azure-Samples__azure-load-testing-samples__demo-podcast-test.jmx"} {
		p := loadCorpus(t, name)
		ss := p.Samplers()
		ss[0].Wrap(NewElement("GenericController", "LogicControllerGui", "GenericController", "group"))
		ss[len(ss)-1].SetName("renamed")
		if tgs := p.ThreadGroups(); len(tgs) > 0 {
			tgs[0].AppendChild(NewElement("ConstantTimer", "ConstantTimerGui", "ConstantTimer", "added"))
		}
		out := p.Bytes()
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(a, p.Original(), 0o644)
		os.WriteFile(b, out, 0o644)
		want, _ := exec.Command("diff", "-u", "--label", "a", "--label", "b", a, b).Output()
		got := UnifiedDiff("a", "b", p.Original(), out, 3)
		if got != string(want) {
			// Different but equally short scripts are fine: compare the
			// number of changed lines and that applying gives the result.
			if countChanged(got) != countChanged(string(want)) {
				t.Errorf("%s: %d changed lines, diff -u has %d\n%s", name, countChanged(got), countChanged(string(want)), got)
			}
		}
		if patched := applyDiff(t, string(p.Original()), got); patched != string(out) {
			t.Errorf("%s: applying the diff does not give the output", name)
		}
	}
}

func countChanged(d string) int {
	n := 0
	for _, l := range strings.Split(d, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			n++
		}
	}
	return n
}

// applyDiff applies a unified diff to a (enough for the diffs UnifiedDiff
// writes).
func applyDiff(t *testing.T, a, d string) string {
	t.Helper()
	src := splitLines([]byte(a))
	var out []string
	pos := 0
	lines := strings.Split(d, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "@@ ") {
			continue
		}
		var as, an, bs, bn int
		if _, err := sscanHunk(l, &as, &an, &bs, &bn); err != nil {
			t.Fatalf("hunk header %q: %v", l, err)
		}
		start := as - 1
		if an == 0 {
			start = as
		}
		out = append(out, src[pos:start]...)
		pos = start
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "@@ ") && lines[i+1] != "" {
			i++
			l := lines[i]
			switch l[0] {
			case ' ':
				out = append(out, src[pos])
				pos++
			case '-':
				pos++
			case '+':
				out = append(out, l[1:]+"\n")
			case '\\':
				if n := len(out); n > 0 {
					out[n-1] = strings.TrimSuffix(out[n-1], "\n")
				}
			}
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, "")
}

// sscanHunk parses "@@ -as[,an] +bs[,bn] @@".
func sscanHunk(l string, as, an, bs, bn *int) (int, error) {
	f := strings.Fields(l)
	if len(f) < 4 {
		return 0, os.ErrInvalid
	}
	parse := func(s string, start, n *int) error {
		a, b, ok := strings.Cut(s[1:], ",")
		*n = 1
		if _, err := fmt.Sscan(a, start); err != nil {
			return err
		}
		if ok {
			if _, err := fmt.Sscan(b, n); err != nil {
				return err
			}
		}
		return nil
	}
	if err := parse(f[1], as, an); err != nil {
		return 0, err
	}
	return 4, parse(f[2], bs, bn)
}

// TestModuleCalls resolves the Module Controllers of the DEFRA plan: its
// HTTP samplers live in Test Fragments and run in the thread group whose
// Module Controllers name them (node_path).
func TestModuleCalls(t *testing.T) {
	p := loadCorpus(t, "DEFRA__rod-catch-returns-performance-tests__FrontendTests.jmx")
	calls := p.ModuleCalls()
	if len(calls) < 10 {
		t.Fatalf("%d module calls resolved", len(calls))
	}
	for _, c := range calls {
		if c.Target.ThreadGroup() != nil || c.Group == nil {
			t.Errorf("%s -> %s (group %v)", c.Module.Path(), c.Target.Path(), c.Group)
		}
	}
	n := 0
	for _, s := range p.Samplers() {
		if !s.IsHTTPSampler() {
			continue
		}
		gs := p.RunningGroups(s, calls)
		if s.ThreadGroup() == nil && len(gs) == 0 {
			t.Errorf("%s: run by no thread group", s.Path())
		}
		n++
	}
	if n < 10 {
		t.Errorf("%d HTTP samplers", n)
	}
	// A path that does not resolve gives nil.
	m := calls[0].Module
	rows := CollectionProp(m.Node, "ModuleController.node_path").ChildElements()
	rows[len(rows)-1].SetText("no such controller")
	if m.ModuleTarget() != nil {
		t.Error("unresolvable node_path resolved")
	}
}
