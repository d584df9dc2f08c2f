package tune

import (
	"strings"
	"testing"

	"jmtune/jmx"
)

// userLoopNotes returns the notes Tune made about the user's retry loops.
func userLoopNotes(res *Result) []Change {
	var out []Change
	for _, ch := range res.Changes {
		if ch.Action == "note" && strings.HasPrefix(ch.What, "your own retry loop") {
			out = append(out, ch)
		}
	}
	return out
}

// TestUserRetryLoopNoted tunes the two plans that retry a 429 themselves (a
// While Controller whose JSR223 PostProcessor reads the code and sets the
// condition, and a Constant Timer waiting a growing back-off): each gets one
// note naming the loop's path and what it holds, the same on a second
// tuning (jmtune's own loop, now between the user's loop and the sampler,
// does not hide it), and a different effect when jmtune adds no retry loop.
func TestUserRetryLoopNoted(t *testing.T) {
	cases := []struct {
		file, sampler, loop, timer, script string
	}{
		{"../../testdata/e2e/agents.jmx", "GET script", "Contact centre: agents fetch call scripts/Agents/fetch until served",
			`Constant Timer "back-off before a retry"`, `JSR223 PostProcessor "exponential back-off on 429" reads the response code 429`},
		{"../../internal/demodata/seed-plan.jmx", "GET agent script", "Agent desktop: log in, load call scripts/Agents/until the script is loaded",
			`Constant Timer "back-off"`, `JSR223 PostProcessor "retry a 429 with exponential back-off" reads the response code 429`},
	}
	for _, c := range cases {
		s := rate(80, "")
		s.Labels = jmx.MustGlob(c.sampler)
		p := load(t, c.file)
		out, res := tuneBytes(t, p, s)
		notes := userLoopNotes(res)
		if len(notes) != 1 {
			t.Fatalf("%s: %d notes about the user's retry loop; want 1: %+v", c.file, len(notes), notes)
		}
		n := notes[0]
		if n.Where != c.loop || !strings.Contains(n.What, `"`+c.sampler+`"`) {
			t.Errorf("%s: note %q at %q; want the loop %q around %q", c.file, n.What, n.Where, c.loop, c.sampler)
		}
		for _, want := range []string{c.timer, c.script, "inside it", "Simple Controller"} {
			if !strings.Contains(n.Why, want) {
				t.Errorf("%s: note does not say %q: %s", c.file, want, n.Why)
			}
		}
		// The user's loop is left as it was: still enabled, same condition.
		q := reparse(t, out)
		loops, err := q.SelectByPath(c.loop)
		if err != nil || len(loops) != 1 || !loops[0].Active() || loops[0].TestClass() != "WhileController" {
			t.Errorf("%s: the user's loop after tuning: %v, %v", c.file, loops, err)
		}

		// Tuned again: jmtune's loop sits between the user's loop and the
		// sampler; the note is the same.
		_, res2 := tuneBytes(t, q, s)
		if n2 := userLoopNotes(res2); len(n2) != 1 || n2[0] != n {
			t.Errorf("%s: tuned twice: notes %+v; want the same one note", c.file, n2)
		}

		// Without jmtune's retries the loop still resends on its own.
		s.RetrySet = true
		_, res3 := tuneBytes(t, load(t, c.file), s)
		if n3 := userLoopNotes(res3); len(n3) != 1 || !strings.Contains(n3[0].Why, "jmtune adds no retry loop") {
			t.Errorf("%s: without retries: notes %+v; want one saying jmtune adds no retry loop", c.file, n3)
		}
	}
}

// TestPollingLoopNotNoted: a While Controller that polls (a think-time
// timer, a script that reads the body) is not a retry loop, nor is one whose
// back-off timer the user has disabled.
func TestPollingLoopNotNoted(t *testing.T) {
	s := rate(80, "")
	s.Labels = jmx.MustGlob("GET script")
	plan := func(timerEnabled, timerName, script string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>
<jmeterTestPlan version="1.2" properties="2.8" jmeter="2.13">
  <hashTree>
    <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="poll" enabled="true"/>
    <hashTree>
      <ThreadGroup guiclass="ThreadGroupGui" testclass="ThreadGroup" testname="Agents" enabled="true">
        <stringProp name="ThreadGroup.num_threads">10</stringProp>
        <stringProp name="ThreadGroup.ramp_time">10</stringProp>
        <elementProp name="ThreadGroup.main_controller" elementType="LoopController" guiclass="LoopControlPanel" testclass="LoopController" testname="Loop Controller" enabled="true">
          <stringProp name="LoopController.loops">-1</stringProp>
        </elementProp>
      </ThreadGroup>
      <hashTree>
        <WhileController guiclass="WhileControllerGui" testclass="WhileController" testname="until the job is done" enabled="true">
          <stringProp name="WhileController.condition">${pending}</stringProp>
        </WhileController>
        <hashTree>
          <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="GET script" enabled="true">
            <stringProp name="HTTPSampler.path">/job</stringProp>
          </HTTPSamplerProxy>
          <hashTree>
            <ConstantTimer guiclass="ConstantTimerGui" testclass="ConstantTimer" testname="` + timerName + `" enabled="` + timerEnabled + `">
              <stringProp name="ConstantTimer.delay">1000</stringProp>
            </ConstantTimer>
            <hashTree/>
            <JSR223PostProcessor guiclass="TestBeanGUI" testclass="JSR223PostProcessor" testname="is it done" enabled="true">
              <stringProp name="script">` + script + `</stringProp>
            </JSR223PostProcessor>
            <hashTree/>
          </hashTree>
        </hashTree>
      </hashTree>
    </hashTree>
  </hashTree>
</jmeterTestPlan>
`
	}
	parse := func(src string) *jmx.Plan {
		p, err := jmx.Parse("poll.jmx", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	readsBody := "vars.put('pending', prev.getResponseDataAsString().contains('pending') ? 'true' : 'false')"
	reads429 := "vars.put('pending', prev.getResponseCode() == '429' ? 'true' : 'false')"
	for _, c := range []struct {
		name                string
		timerEnabled, timer string
		script              string
		wantNote            bool
	}{
		{"polling", "true", "poll interval", readsBody, false},
		{"back-off timer", "true", "back-off", readsBody, true},
		{"429 script", "true", "poll interval", reads429, true},
		{"disabled back-off", "false", "back-off", readsBody, false},
	} {
		_, res := tuneBytes(t, parse(plan(c.timerEnabled, c.timer, c.script)), s)
		if got := len(userLoopNotes(res)) == 1; got != c.wantNote {
			t.Errorf("%s: noted %v; want %v (%+v)", c.name, got, c.wantNote, userLoopNotes(res))
		}
	}
}
