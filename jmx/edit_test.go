package jmx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// small is a plan in JMeter's own layout, with things a careless writer
// would change: single-quoted attributes, an entity, a comment, an empty
// self-closed hashTree and a script with escaped characters.
const small = `<?xml version="1.0" encoding="UTF-8"?>
<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.6.3">
  <hashTree>
    <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="Plan">
      <stringProp name="TestPlan.comments">a&#xd;
b</stringProp>
    </TestPlan>
    <hashTree>
      <!-- users -->
      <ThreadGroup guiclass='ThreadGroupGui' testclass="ThreadGroup" testname="Users">
        <intProp name="ThreadGroup.num_threads">20</intProp>
        <stringProp name="ThreadGroup.ramp_time">${__P(ramp,5)}</stringProp>
      </ThreadGroup>
      <hashTree>
        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /a">
          <stringProp name="HTTPSampler.path">/a?x=1&amp;y=&quot;2&quot;</stringProp>
        </HTTPSamplerProxy>
        <hashTree>
          <JSR223PostProcessor guiclass="TestBeanGUI" testclass="JSR223PostProcessor" testname="check">
            <stringProp name="script">if (a &lt; b) {
    log.info(&apos;x&apos;)
}</stringProp>
          </JSR223PostProcessor>
          <hashTree/>
        </hashTree>
        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /b"/>
        <hashTree/>
      </hashTree>
    </hashTree>
  </hashTree>
</jmeterTestPlan>
`

func parseString(t *testing.T, doc string) *Plan {
	t.Helper()
	p, err := Parse("test.jmx", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func one(t *testing.T, p *Plan, name string) *Element {
	t.Helper()
	es := p.SelectByName(MustGlob(name), KindOther)
	if len(es) != 1 {
		t.Fatalf("%d elements named %q", len(es), name)
	}
	return es[0]
}

// wantDiff checks that out differs from the plan's original exactly by the
// given unified-diff body (lines after the hunk headers).
func wantDiff(t *testing.T, p *Plan, out []byte, want string) {
	t.Helper()
	got := UnifiedDiff("a", "b", p.Original(), out, 0)
	var body []string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---") {
			body = append(body, l)
		}
	}
	if g := strings.Join(body, "\n"); g != strings.TrimSpace(want) {
		t.Errorf("diff:\n%s\nwant:\n%s", g, strings.TrimSpace(want))
	}
}

func TestNoEditIsIdentity(t *testing.T) {
	p := parseString(t, small)
	if got := p.Bytes(); string(got) != small {
		t.Fatalf("changed:\n%s", got)
	}
}

func TestAppendToEmptyTree(t *testing.T) {
	p := parseString(t, small)
	b := one(t, p, "GET /b")
	b.AppendChild(NewElement("ConstantTimer", "ConstantTimerGui", "ConstantTimer", "wait", StringProp("ConstantTimer.delay", "300")))
	out := p.Bytes()
	wantDiff(t, p, out, `
-        <hashTree/>
+        <hashTree>
+          <ConstantTimer guiclass="ConstantTimerGui" testclass="ConstantTimer" testname="wait" enabled="true">
+            <stringProp name="ConstantTimer.delay">300</stringProp>
+          </ConstantTimer>
+          <hashTree/>
+        </hashTree>`)
	checkPairs(t, out)
}

func TestInsertFirstAndRemove(t *testing.T) {
	p := parseString(t, small)
	tg := one(t, p, "Users")
	tg.InsertChild(0, NewElement("CookieManager", "CookiePanel", "CookieManager", "cookies"))
	one(t, p, "GET /b").Remove()
	out := p.Bytes()
	wantDiff(t, p, out, `
+        <CookieManager guiclass="CookiePanel" testclass="CookieManager" testname="cookies" enabled="true"/>
+        <hashTree/>
-        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /b"/>
-        <hashTree/>`)
	checkPairs(t, out)
	if got := len(p.ThreadGroups()[0].Children()); got != 2 {
		t.Errorf("thread group has %d children, want 2", got)
	}
}

// TestWrapReindents wraps a sampler with children in a controller: the
// sampler's lines move one level in and nothing else in them changes.
func TestWrapReindents(t *testing.T) {
	p := parseString(t, small)
	a := one(t, p, "GET /a")
	a.Wrap(NewElement("WhileController", "WhileControllerGui", "WhileController", "loop", StringProp("WhileController.condition", "${go}")))
	out := p.Bytes()
	wantDiff(t, p, out, `
-        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /a">
-          <stringProp name="HTTPSampler.path">/a?x=1&amp;y=&quot;2&quot;</stringProp>
-        </HTTPSamplerProxy>
+        <WhileController guiclass="WhileControllerGui" testclass="WhileController" testname="loop" enabled="true">
+          <stringProp name="WhileController.condition">${go}</stringProp>
+        </WhileController>
-          <JSR223PostProcessor guiclass="TestBeanGUI" testclass="JSR223PostProcessor" testname="check">
-            <stringProp name="script">if (a &lt; b) {
+          <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /a">
+            <stringProp name="HTTPSampler.path">/a?x=1&amp;y=&quot;2&quot;</stringProp>
+          </HTTPSamplerProxy>
+          <hashTree>
+            <JSR223PostProcessor guiclass="TestBeanGUI" testclass="JSR223PostProcessor" testname="check">
+              <stringProp name="script">if (a &lt; b) {
-          </JSR223PostProcessor>
-          <hashTree/>
+            </JSR223PostProcessor>
+            <hashTree/>
+          </hashTree>`)
	// The script's own lines are text, not indentation: they must not move.
	if !bytes.Contains(out, []byte("{\n    log.info(&apos;x&apos;)\n}</stringProp>")) {
		t.Errorf("script text changed:\n%s", out)
	}
	checkPairs(t, out)
	// And back: unwrapping restores the original bytes.
	q, err := Parse("q", out)
	if err != nil {
		t.Fatal(err)
	}
	one(t, q, "loop").Unwrap()
	if got := q.Bytes(); string(got) != small {
		t.Errorf("wrap then unwrap is not the original:\n%s", UnifiedDiff("orig", "got", []byte(small), got, 2))
	}
}

func TestSetProp(t *testing.T) {
	p := parseString(t, small)
	tg := p.ThreadGroups()[0]
	if n, ok := tg.Threads(); !ok || n != 20 {
		t.Fatalf("threads %d %v", n, ok)
	}
	if r, ok := tg.RampUpS(); !ok || r != 5 {
		t.Fatalf("ramp %v %v (want the __P default 5)", r, ok)
	}
	tg.SetProp(PropNumThreads, "${__P(threads,40)}") // intProp cannot hold an expression
	tg.SetProp(PropRampTime, "${__P(ramp,12)}")
	if changed := tg.SetProp(PropRampTime, "${__P(ramp,12)}"); changed {
		t.Error("setting the same value again reported a change")
	}
	tg.SetProp(PropScheduler, "true") // missing: added as boolProp
	out := p.Bytes()
	wantDiff(t, p, out, `
-        <intProp name="ThreadGroup.num_threads">20</intProp>
-        <stringProp name="ThreadGroup.ramp_time">${__P(ramp,5)}</stringProp>
+        <stringProp name="ThreadGroup.num_threads">${__P(threads,40)}</stringProp>
+        <stringProp name="ThreadGroup.ramp_time">${__P(ramp,12)}</stringProp>
+        <boolProp name="ThreadGroup.scheduler">true</boolProp>`)
	q, err := Parse("q", out)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := q.ThreadGroups()[0].Threads(); n != 40 {
		t.Errorf("re-read threads %d", n)
	}
}

func TestDoubleProp(t *testing.T) {
	doc := strings.Replace(small, `<hashTree/>
        </hashTree>
        <HTTPSamplerProxy`, `<hashTree/>
          <ConstantThroughputTimer guiclass="TestBeanGUI" testclass="ConstantThroughputTimer" testname="ctt">
            <doubleProp>
              <name>throughput</name>
              <value>60.0</value>
              <savedValue>0.0</savedValue>
            </doubleProp>
            <stringProp name="calcMode">all active threads in current thread group (shared)</stringProp>
          </ConstantThroughputTimer>
          <hashTree/>
        </hashTree>
        <HTTPSamplerProxy`, 1)
	p := parseString(t, doc)
	tt := p.ThroughputTimers()
	if len(tt) != 1 {
		t.Fatalf("%d throughput timers", len(tt))
	}
	if v, ok := tt[0].PerMinute(); !ok || v != 60 {
		t.Errorf("per minute %v %v", v, ok)
	}
	if m := tt[0].CalcMode(); m != CalcGroupShared {
		t.Errorf("calcMode %d, want 4 from the English label", m)
	}
	tt[0].SetProp("throughput", "120.0")
	out := p.Bytes()
	wantDiff(t, p, out, `
-              <value>60.0</value>
+              <value>120.0</value>`)
	tt[0].SetProp("throughput", "${__P(tpm,120)}")
	out = p.Bytes()
	q, err := Parse("q", out)
	if err != nil {
		t.Fatal(err)
	}
	if v := q.ThroughputTimers()[0].Prop("throughput"); v.Tag != "stringProp" || v.Raw != "${__P(tpm,120)}" {
		t.Errorf("expression in a doubleProp: got %+v, want a stringProp", v)
	}
}

func TestCRLFAndTabs(t *testing.T) {
	doc := strings.ReplaceAll(strings.ReplaceAll(small, "  ", "\t"), "\n", "\r\n")
	p := parseString(t, doc)
	one(t, p, "GET /a").AppendChild(NewElement("ConstantTimer", "ConstantTimerGui", "ConstantTimer", "wait", StringProp("ConstantTimer.delay", "1")))
	out := p.Bytes()
	if bytes.Contains(bytes.ReplaceAll(out, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("a bare LF in a CRLF file:\n%q", out)
	}
	if !bytes.Contains(out, []byte("\r\n\t\t\t\t\t<ConstantTimer ")) || !bytes.Contains(out, []byte("\r\n\t\t\t\t\t\t<stringProp name=\"ConstantTimer.delay\">1</stringProp>")) {
		t.Errorf("new element not indented with tabs like its siblings:\n%s", out)
	}
	checkPairs(t, out)
}

func TestBOMKept(t *testing.T) {
	doc := "\xef\xbb\xbf" + small
	p := parseString(t, doc)
	one(t, p, "GET /b").SetName("GET /c")
	out := p.Bytes()
	if !bytes.HasPrefix(out, []byte("\xef\xbb\xbf<?xml")) {
		t.Errorf("BOM lost: %q", out[:10])
	}
	wantDiff(t, p, out, `
-        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /b"/>
+        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET /c"/>`)
}

func checkPairs(t *testing.T, out []byte) {
	t.Helper()
	q, err := Parse("out", out)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	if errs := q.CheckPairs(); len(errs) > 0 {
		t.Fatalf("pairing: %v", errs)
	}
}

// TestEditCorpusOneLine edits one property of every corpus plan that has a
// standard thread group and expects exactly that line to change.
func TestEditCorpusOneLine(t *testing.T) {
	n := 0
	for _, cp := range corpusPlans(t) {
		if cp.malformed {
			continue
		}
		p, err := Load(cp.path)
		if err != nil {
			t.Fatal(err)
		}
		var tg *ThreadGroup
		for _, g := range p.ThreadGroups() {
			if g.IsStandard() && g.Prop(PropRampTime).Set {
				tg = g
				break
			}
		}
		if tg == nil {
			continue
		}
		n++
		old := tg.Prop(PropRampTime)
		tg.SetProp(PropRampTime, "977")
		out := p.Bytes()
		d := UnifiedDiff("a", "b", p.Original(), out, 0)
		var minus, plus []string
		for _, l := range strings.Split(d, "\n") {
			switch {
			case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
			case strings.HasPrefix(l, "-"):
				minus = append(minus, l)
			case strings.HasPrefix(l, "+"):
				plus = append(plus, l)
			}
		}
		base := filepath.Base(cp.path)
		if len(minus) != 1 || len(plus) != 1 || !strings.Contains(plus[0], ">977</") || !strings.Contains(minus[0], "ThreadGroup.ramp_time") {
			t.Errorf("%s: want one line changed, got\n%s", base, d)
			continue
		}
		if strings.Replace(minus[0][1:], ">"+old.Raw+"</", ">977</", 1) != plus[0][1:] && old.Tag == "stringProp" && !strings.HasSuffix(minus[0], "/>") {
			t.Errorf("%s: the line changed beyond its value:\n%s\n%s", base, minus[0], plus[0])
		}
	}
	if n < 20 {
		t.Errorf("only %d corpus plans edited", n)
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
