package tune

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/beevik/etree"

	"jmtune/jmx"
)

// NamePrefix starts the testname of every element jmtune adds.
const NamePrefix = "jmtune: "

// CommentProp is the property that carries the mark. JMeter shows it as the
// element's comment; every element may have one.
const CommentProp = "TestPlan.comments"

// Roles of the elements jmtune adds.
const (
	RoleCapture     = "capture-headers" // JSR223 PostProcessor at plan level
	RolePacer       = "pacer"           // throughput timer under a throttled sampler
	RoleRetryReset  = "retry-reset"     // User Parameters that re-arm the loop
	RoleRetryLoop   = "retry-loop"      // While Controller around the sampler
	RoleRetryDecide = "retry-decide"    // JSR223 PostProcessor under the sampler
	RoleRetryPause  = "retry-pause"     // If Controller after the sampler
	RoleRetryWait   = "retry-wait"      // Flow Control Action in the If Controller
	RoleCacheOnce   = "cache-once"      // Once Only Controller around a cached sampler
	RoleRetryLogic  = "retry-logic"     // JSR223 PreProcessor at plan level holding the decision
)

// mark identifies an element jmtune added: its role and, for per-sampler
// elements, the key of the sampler (also used in variable names).
type mark struct {
	role, key string
}

var markRE = regexp.MustCompile(`Managed by jmtune \(role: ([a-z-]+)(?:, key: ([A-Za-z0-9_]*))?[,)]`)

// markOf returns the mark of e, if jmtune added it.
func markOf(e *jmx.Element) (mark, bool) {
	if !strings.HasPrefix(e.Name(), NamePrefix) {
		return mark{}, false
	}
	m := markRE.FindStringSubmatch(e.PropString(CommentProp))
	if m == nil {
		return mark{}, false
	}
	return mark{role: m[1], key: m[2]}, true
}

// MarkOf returns the role (RolePacer, RoleRetryLoop, ...) and sampler key
// of an element jmtune tune added; ok is false for the plan's own
// elements. The key also names the retry loop's variables
// (jmtuneRetry_<key>, ...).
func MarkOf(e *jmx.Element) (role, key string, ok bool) {
	m, ok := markOf(e)
	return m.role, m.key, ok
}

// isManaged reports whether jmtune added e.
func isManaged(e *jmx.Element) bool {
	_, ok := markOf(e)
	return ok
}

// markProp returns the comment property that marks an element.
func (t *tuner) markProp(m mark, what string) *etree.Element {
	key := ""
	if m.key != "" {
		key = ", key: " + m.key
	}
	return jmx.StringProp(CommentProp, fmt.Sprintf("Managed by jmtune (role: %s%s, version %s). %s", m.role, key, t.s.Version, what))
}

// findMarked returns the child of parent with mark m, or nil.
func findMarked(parent *jmx.Element, m mark) *jmx.Element {
	for _, c := range parent.Children() {
		if cm, ok := markOf(c); ok && cm == m {
			return c
		}
	}
	return nil
}
