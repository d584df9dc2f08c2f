package tune

import (
	"fmt"
	"math"
	"strings"

	"jmtune/analysis"
	"jmtune/jmx"
)

// The retry loop jmtune writes around a throttled sampler S (key K):
//
//	User Parameters  "jmtune: re-arm retry S"   per iteration: jmtuneRetry_K=true, jmtunePause_K=false, jmtuneAttempt_K=1
//	While Controller "jmtune: retry S"          condition ${jmtuneRetry_K}
//	  S                                          (the user's sampler, unchanged)
//	    ... S's own children ...
//	    pacer                                    (throughput timer, see pacer.go)
//	    JSR223 PostProcessor "jmtune: decide retry S"
//	  If Controller   "jmtune: back off S?"     ${jmtunePause_K}, useExpression
//	    Flow Control Action "jmtune: wait before retrying S"  pause ${jmtuneBackoffMs_K} ms
//
// The While Controller evaluates its condition on entry as well as after
// each pass, so the variable must be "true" again each time the loop is
// reached; the User Parameters element (per iteration) re-arms it at every
// iteration of the enclosing controller without being a sampler itself, so
// it adds no sample and no timer delay. The PostProcessor decides after each
// attempt; the Flow Control Action pauses only before a retry.

// Variable names of the retry loop of the sampler with key k.
func varRetry(k string) string   { return "jmtuneRetry_" + k }
func varPause(k string) string   { return "jmtunePause_" + k }
func varAttempt(k string) string { return "jmtuneAttempt_" + k }
func varBackoff(k string) string { return "jmtuneBackoffMs_" + k }

// decideLogic is the body of the retry decision, a Groovy closure of
// (args, vars, props, prev) that the plan-level "jmtune: retry logic"
// PreProcessor stores in props once; every "jmtune: decide retry"
// PostProcessor calls it with its own parameters. Keeping the logic in one
// element keeps plans with many retried samplers small. It runs on JMeter
// 2.13 (Groovy 2.4) and 5.x. args: key maxAttempts baseMs capMs jitterMs
// budgetShare maxWaitMs.
const decideLogic = `    String key = args[0]
    int maxAttempts = args[1] as int
    long baseMs = args[2] as long
    long capMs = args[3] as long
    long jitterMs = args[4] as long
    double budgetShare = args[5] as double
    long maxWaitMs = args[6] as long
    int attempt = (vars.get('jmtuneAttempt_' + key) ?: '1') as int
    // Retries are labelled "<label> (retry n)" so that the analysis can tell them apart.
    if (attempt > 1) {
        prev.setSampleLabel(prev.getSampleLabel() + ' (retry ' + (attempt - 1) + ')')
    }
    // Retry budget, shared by all threads: [first attempts, retries].
    def budget = props.get('jmtune.retryBudget')
    if (budget == null) {
        props.putIfAbsent('jmtune.retryBudget', new java.util.concurrent.atomic.AtomicLongArray(2))
        budget = props.get('jmtune.retryBudget')
    }
    if (attempt == 1) {
        budget.incrementAndGet(0)
    }
    String headers = prev.getResponseHeaders() ?: ''
    String code = prev.getResponseCode()
    // Retry-After: delay-seconds, or an HTTP-date taken relative to the Date header.
    long raMs = -1L
    def ra = headers =~ /(?im)^retry-after:[ \t]*([^\r\n]*)/
    if (ra.find()) {
        String v = ra.group(1).trim()
        if (v ==~ /\d+(\.\d+)?/) {
            raMs = (long) Math.ceil((v as double) * 1000d)
        } else {
            try {
                def rfc = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                long at = java.time.ZonedDateTime.parse(v, rfc).toInstant().toEpochMilli()
                long now = System.currentTimeMillis()
                def date = headers =~ /(?im)^date:[ \t]*([^\r\n]*)/
                if (date.find()) {
                    try {
                        now = java.time.ZonedDateTime.parse(date.group(1).trim(), rfc).toInstant().toEpochMilli()
                    } catch (Exception ignored) {
                    }
                }
                raMs = Math.max(0L, at - now)
            } catch (Exception ignored) {
            }
        }
    }
    boolean throttled = code == '429' || (code == '503' && raMs >= 0)
    String stop = null
    if (!throttled) {
        stop = ''
    } else if (attempt >= maxAttempts) {
        stop = 'gave up after ' + attempt + ' attempts'
    } else if (raMs > maxWaitMs) {
        stop = 'Retry-After ' + raMs + ' ms is over the ' + maxWaitMs + ' ms limit'
    } else if (budget.get(1) >= 10 + budgetShare * budget.get(0)) {
        stop = 'retry budget spent'
    }
    if (stop != null) {
        // Done: the sample keeps its outcome (a final 429 stays a failure).
        if (stop) {
            prev.setResponseMessage(prev.getResponseMessage() + ' (jmtune: ' + stop + ')')
        }
        vars.put('jmtuneRetry_' + key, 'false')
        vars.put('jmtunePause_' + key, 'false')
        vars.put('jmtuneAttempt_' + key, '1')
        return
    }
    budget.incrementAndGet(1)
    def rnd = java.util.concurrent.ThreadLocalRandom.current()
    long waitMs
    if (raMs >= 0) {
        // Retry-After is a minimum; jitter spreads the threads it releases together.
        waitMs = raMs + (jitterMs > 0 ? rnd.nextLong(jitterMs + 1) : 0L)
    } else {
        // Capped exponential back-off with full jitter.
        long ceiling = Math.min(capMs, baseMs * (1L << Math.min(attempt - 1, 30)))
        waitMs = ceiling > 0 ? rnd.nextLong(ceiling + 1) : 0L
    }
    vars.put('jmtuneBackoffMs_' + key, String.valueOf(waitMs))
    vars.put('jmtunePause_' + key, 'true')
    vars.put('jmtuneAttempt_' + key, String.valueOf(attempt + 1))
    vars.put('jmtuneRetry_' + key, 'true')
`

// logicKey is the props key of the decision closure: it changes with the
// logic, so that a plan tuned by another jmtune version defines its own.
func logicKey() string { return "jmtune.decide." + cacheKey("x", decideLogic)[len("jmtune-x-"):] }

// logicScript defines the decision closure in props, once per test.
func logicScript() string {
	k := logicKey()
	return "// jmtune: the retry decision that every \"jmtune: decide retry\" PostProcessor calls.\n" +
		"// It runs before every sampler but defines the logic only once per test.\n" +
		"if (props.get('" + k + "') == null) {\n" +
		"    props.put('" + k + "', { String[] args, vars, props, prev ->\n" + decideLogic + "    })\n}\n"
}

// decideScript calls the decision closure with the element's parameters.
func decideScript() string {
	return "// jmtune: decide whether to retry this sampler; the logic is in \"jmtune: retry logic\" (plan level).\n" +
		"props.get('" + logicKey() + "').call(args, vars, props, prev)\n"
}

// retries adds or updates the retry loop of each sampler.
func (t *tuner) retries(targets []*jmx.Element) {
	if len(targets) == 0 {
		return
	}
	b := t.s.Rec.Backoff
	why := t.retryWhy()
	tp := t.p.TestPlan()
	lm := mark{role: RoleRetryLogic}
	want := t.jsr223("JSR223PreProcessor", NamePrefix+"retry logic", lm,
		"Defines the retry decision that the jmtune: decide retry PostProcessors call.", "", logicScript())
	at := 0
	if c := findMarked(tp, mark{role: RoleCapture}); c != nil {
		at = c.Index() + 1
	}
	if el, action := t.syncChild(tp, lm, want, at); action != "" {
		t.note(action, "JSR223 PreProcessor holding the retry decision (Retry-After, back-off, budget)", el.Path(), why)
	}
	for _, s := range targets {
		t.retryLoop(s, b, "retries the sampler while its PostProcessor asks for it (the policy is in "+NamePrefix+"retry logic)")
	}
}

// retryWhy explains the retry policy from the evidence.
func (t *tuner) retryWhy() string {
	b := t.s.Rec.Backoff
	ra := t.s.RetryAfter
	var parts []string
	switch {
	case ra.Present && ra.MinS != nil && ra.MaxS != nil:
		parts = append(parts, fmt.Sprintf("throttled responses carried Retry-After %s-%s s (%s)", fmtNum(round3(*ra.MinS)), fmtNum(round3(*ra.MaxS)), orNone(ra.Semantics)))
	case ra.Semantics == analysis.RASemAbsent:
		parts = append(parts, "throttled responses carried no Retry-After")
	}
	parts = append(parts, fmt.Sprintf("a retry waits Retry-After + U(0, %s s) (Retry-After is a minimum; the jitter spreads threads released at the same instant), else capped exponential back-off with full jitter U(0, min(%s s, %s s·2^n))",
		fmtNum(b.JitterS), fmtNum(b.CapS), fmtNum(b.BaseS)))
	parts = append(parts, fmt.Sprintf("at most %d attempts, retries at most %s%% of requests (+10), Retry-After over %s s not waited for; a sample still throttled after that stays failed",
		b.MaxAttempts, fmtNum(round3(b.BudgetShare*100)), fmtNum(t.s.MaxWaitS)))
	return strings.Join(parts, "; ")
}

func (t *tuner) retryLoop(s *jmx.Element, b analysis.Backoff, why string) {
	key := t.samplerKey(s)
	name := s.Name()
	// The loop.
	lm := mark{role: RoleRetryLoop, key: key}
	wantLoop := jmx.NewElement("WhileController", "WhileControllerGui", "WhileController", NamePrefix+"retry "+name,
		jmx.StringProp("WhileController.condition", "${"+varRetry(key)+"}"),
		t.markProp(lm, "Runs the sampler again while its PostProcessor asks for a retry."),
	)
	var loop *jmx.Element
	if s.Parent != nil {
		if m, ok := markOf(s.Parent); ok && m == lm {
			loop = s.Parent
		}
	}
	switch {
	case loop == nil:
		loop = s.Wrap(wantLoop)
		t.note("add", "retry loop (While Controller ${"+varRetry(key)+"}) around the sampler", loop.Path(), why)
	case canon(loop.Node) != canon(wantLoop.Node):
		t.p.ReplaceNode(loop.Node, wantLoop.Node)
		loop.Node = wantLoop.Node
		t.note("update", "retry loop", loop.Path(), why)
	}
	// The re-arm element, right before the loop.
	rm := mark{role: RoleRetryReset, key: key}
	wantReset := jmx.NewElement("UserParameters", "UserParametersGui", "UserParameters", NamePrefix+"re-arm retry "+name,
		jmx.CollectionPropOf("UserParameters.names",
			jmx.StringProp("n1", varRetry(key)), jmx.StringProp("n2", varPause(key)), jmx.StringProp("n3", varAttempt(key))),
		jmx.CollectionPropOf("UserParameters.thread_values",
			jmx.CollectionPropOf("v1", jmx.StringProp("v1", "true"), jmx.StringProp("v2", "false"), jmx.StringProp("v3", "1"))),
		jmx.BoolProp("UserParameters.per_iteration", true),
		t.markProp(rm, "Sets the retry loop's variables at each iteration, so that the While Controller is entered (it checks its condition on entry too)."),
	)
	cur := findMarked(loop.Parent, rm)
	if cur != nil && cur.Index() != loop.Index()-1 {
		cur.Remove()
		cur = nil
	}
	if cur == nil {
		loop.Parent.InsertChild(loop.Index(), wantReset)
		t.note("add", "User Parameters re-arming the retry loop at each iteration", wantReset.Path(), "a While Controller also checks its condition on entry: without this the loop would be skipped after its first exit")
	} else if canon(cur.Node) != canon(wantReset.Node) {
		t.p.ReplaceNode(cur.Node, wantReset.Node)
		t.note("update", "User Parameters re-arming the retry loop", cur.Path(), "")
	}
	// The decision.
	dm := mark{role: RoleRetryDecide, key: key}
	params := fmt.Sprintf("%s %d %d %d %d %s %d", key, b.MaxAttempts,
		int64(math.Round(b.BaseS*1000)), int64(math.Round(b.CapS*1000)), int64(math.Round(b.JitterS*1000)),
		fmtNum(round3(b.BudgetShare)), int64(math.Round(t.s.MaxWaitS*1000)))
	wantDecide := t.jsr223("JSR223PostProcessor", NamePrefix+"decide retry "+name, dm,
		"Decides after each attempt whether to retry (429, or 503 with Retry-After) and how long to wait. Parameters: key maxAttempts baseMs capMs jitterMs budgetShare maxWaitMs.",
		params, decideScript())
	el, action := t.syncChild(s, dm, wantDecide, -1)
	if action != "" {
		t.note(action, "JSR223 PostProcessor deciding retries (parameters "+params+")", el.Path(), "labels retries \""+name+" (retry n)\", keeps Retry-After as a minimum wait")
	}
	// The pause.
	pm := mark{role: RoleRetryPause, key: key}
	wantIf := jmx.NewElement("IfController", "IfControllerPanel", "IfController", NamePrefix+"back off "+name+"?",
		jmx.StringProp("IfController.condition", "${"+varPause(key)+"}"),
		jmx.BoolProp("IfController.evaluateAll", false),
		jmx.BoolProp("IfController.useExpression", true),
		t.markProp(pm, "Pauses only before a retry."),
	)
	ifEl, action := t.syncChild(loop, pm, wantIf, -1)
	if action != "" {
		t.note(action, "If Controller ${"+varPause(key)+"} (pause only before a retry)", ifEl.Path(), "")
	}
	wm := mark{role: RoleRetryWait, key: key}
	wantWait := jmx.NewElement("TestAction", "TestActionGui", "TestAction", NamePrefix+"wait before retrying "+name,
		jmx.IntProp("ActionProcessor.action", 1),
		jmx.IntProp("ActionProcessor.target", 0),
		jmx.StringProp("ActionProcessor.duration", "${"+varBackoff(key)+"}"),
		t.markProp(wm, "Waits the back-off the PostProcessor chose."),
	)
	wEl, action := t.syncChild(ifEl, wm, wantWait, -1)
	if action != "" {
		t.note(action, "Flow Control Action pausing ${"+varBackoff(key)+"} ms", wEl.Path(), "the pause is a sampler of its own, outside the pacer's scope: it is not counted, and the pacer schedules the retry after it")
	}
}
