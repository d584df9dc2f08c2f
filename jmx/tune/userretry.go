package tune

import (
	"fmt"
	"regexp"
	"strings"

	"jmtune/jmx"
)

// A plan written before jmtune often retries a throttled request itself: a
// While Controller around the sampler, a JSR223 PostProcessor that reads
// the response code and sets the loop's condition, and a timer that waits
// a growing back-off before the next pass. jmtune's retry loop then runs
// inside the user's: the user's timer delays jmtune's retries as well, and
// the user's loop sends again after jmtune gives up, without regard to
// Retry-After. Tune does not take such a loop apart (disabling the script
// that ends it could leave the condition true forever); it says where the
// loop is and what to do.

// retryNameRE matches names that speak of retrying: "back-off", "backoff",
// "retry", "re-try", "429", "throttled", "rate limit", "too many requests".
var retryNameRE = regexp.MustCompile(`(?i)re-?try|back[- ]?off|\b429\b|throttl|rate[- ]?limit|too many requests`)

// responseCodeRE matches script text that reads a 429 response: the code
// itself, or Retry-After, next to the response code.
var responseCodeRE = regexp.MustCompile(`\b429\b|(?i)too many requests`)

// userRetryLoop is a loop of the user's that retries a sampler.
type userRetryLoop struct {
	loop     *jmx.Element
	evidence []string // what makes it a retry loop, in words
}

// findUserRetryLoop returns the nearest enclosing While or Loop Controller
// of s (below its thread group) that looks like a retry loop of the user's:
// its condition or name reads the response, or it holds a timer or Flow
// Control Action named like a back-off, or a script that reads a 429. A
// name alone is not enough. It returns nil when there is none.
func findUserRetryLoop(s *jmx.Element) *userRetryLoop {
	for _, a := range s.Ancestors() {
		switch a.Kind() {
		case jmx.KindThreadGroup, jmx.KindTestPlan:
			return nil
		}
		tc := a.TestClass()
		if (tc != "WhileController" && tc != "LoopController") || !a.Active() || isManaged(a) {
			continue
		}
		var strong, weak []string
		if cond := a.PropString("WhileController.condition"); cond != "" && (responseCodeRE.MatchString(cond) || strings.Contains(cond, "ResponseCode") || strings.Contains(cond, "responseCode")) {
			strong = append(strong, fmt.Sprintf("its condition %s tests the response code", cond))
		}
		if retryNameRE.MatchString(a.Name()) {
			weak = append(weak, "its name")
		}
		walkActive(a, func(e *jmx.Element) {
			kind, name := e.Kind(), e.Name()
			switch {
			case (kind == jmx.KindTimer || e.TestClass() == "TestAction") && retryNameRE.MatchString(name):
				strong = append(strong, fmt.Sprintf("%s %q waits between passes", describeKind(e), name))
			case hasScript(e) && responseCodeRE.MatchString(e.PropString("script")):
				strong = append(strong, fmt.Sprintf("%s %q reads the response code 429", describeKind(e), name))
			case hasScript(e) && retryNameRE.MatchString(name):
				weak = append(weak, fmt.Sprintf("%s %q", describeKind(e), name))
			}
		})
		if len(strong) == 0 {
			continue
		}
		return &userRetryLoop{loop: a, evidence: append(strong, weak...)}
	}
	return nil
}

// walkActive calls fn for every enabled descendant of e that jmtune did not
// write (the user's elements inside jmtune's are visited).
func walkActive(e *jmx.Element, fn func(*jmx.Element)) {
	for _, c := range e.Children() {
		if !c.Enabled() {
			continue
		}
		if !isManaged(c) {
			fn(c)
		}
		walkActive(c, fn)
	}
}

// hasScript reports whether e is a scripted element (JSR223, BeanShell,
// BSF) with a script in the plan.
func hasScript(e *jmx.Element) bool {
	tc := e.TestClass()
	return (strings.HasPrefix(tc, "JSR223") || strings.HasPrefix(tc, "BeanShell") || strings.HasPrefix(tc, "BSF")) && e.PropString("script") != ""
}

// describeKind names an element's type for a message as JMeter's menus do:
// "ConstantTimer" becomes "Constant Timer", "JSR223PostProcessor" "JSR223
// PostProcessor", "TestAction" "Flow Control Action".
func describeKind(e *jmx.Element) string {
	tc := e.TestClass()
	if tc == "TestAction" {
		return "Flow Control Action"
	}
	if i := strings.LastIndexByte(tc, '.'); i >= 0 {
		tc = tc[i+1:]
	}
	var b strings.Builder
	for i, r := range tc {
		if i > 0 && r >= 'A' && r <= 'Z' {
			p := tc[i-1]
			if (p >= 'a' && p <= 'z') || (p >= '0' && p <= '9') {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return strings.NewReplacer("Post Processor", "PostProcessor", "Pre Processor", "PreProcessor", "Bean Shell", "BeanShell").Replace(b.String())
}

// userRetryLoops notes each throttled sampler that runs inside a retry loop
// of the user's. retried are the samplers that got jmtune's retry loop.
func (t *tuner) userRetryLoops(throttled, retried []*jmx.Element) {
	isRetried := func(s *jmx.Element) bool {
		for _, r := range retried {
			if r.Same(s) {
				return true
			}
		}
		return false
	}
	for _, s := range throttled {
		u := findUserRetryLoop(s)
		if u == nil {
			continue
		}
		kind := describeKind(u.loop)
		effect := fmt.Sprintf("jmtune's Retry-After-aware retry loop now runs inside it, so your back-off also delays jmtune's retries, and your loop sends %q again after jmtune gives up, without regard to Retry-After", s.Name())
		if !isRetried(s) {
			effect = fmt.Sprintf("it resends %q after its own back-off, without regard to Retry-After (jmtune adds no retry loop to this sampler)", s.Name())
		}
		t.note("note", fmt.Sprintf("your own retry loop %q around %q", u.loop.Name(), s.Name()), u.loop.Path(),
			fmt.Sprintf("it looks like a retry loop (%s); %s. Do: make it run once without back-off: turn the %s into a Simple Controller (right-click, Change Controller) and disable the timer and script named here. jmtune leaves your loop as it is: disabling only the script that ends it could leave its condition true for ever",
				strings.Join(u.evidence, "; "), effect, kind))
	}
}
