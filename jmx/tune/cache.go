package tune

import (
	"fmt"

	"jmtune/jmx"
)

// cache makes the samplers named by CacheLabels run once per thread, in a
// Once Only Controller (with their retry loop when they have one).
func (t *tuner) cache() error {
	if t.s.CacheLabels.Empty() {
		return nil
	}
	targets := t.p.Find(func(e *jmx.Element) bool {
		return e.Kind() == jmx.KindSampler && e.Active() && !isManaged(e) && len(t.runs(e)) > 0 && t.s.CacheLabels.Match(e.Name())
	})
	if len(targets) == 0 {
		return fmt.Errorf("--cache-labels %q: no enabled sampler in a thread group has a matching name (the samplers are: %s)", t.s.CacheLabels, t.samplerNames())
	}
	var wrapped []*jmx.Element
	for _, s := range targets {
		if once := onceAncestor(s); once != nil {
			if !isManaged(once) {
				t.note("keep", "sampler already runs once per thread", s.Path(), fmt.Sprintf("it is inside the Once Only Controller %q", once.Name()))
			}
			continue
		}
		unit := s
		var reset *jmx.Element
		if m, ok := markOf(s.Parent); ok && m.role == RoleRetryLoop {
			unit = s.Parent
			reset = findMarked(unit.Parent, mark{role: RoleRetryReset, key: m.key})
		}
		key := t.samplerKey(s)
		cm := mark{role: RoleCacheOnce, key: key}
		once := jmx.NewElement("OnceOnlyController", "OnceOnlyControllerGui", "OnceOnlyController", NamePrefix+"once per thread: "+s.Name(),
			t.markProp(cm, "Runs the sampler on the first iteration of each thread only."))
		unit.Wrap(once)
		if reset != nil {
			if err := reset.Move(once, 0); err != nil {
				return err
			}
		}
		wrapped = append(wrapped, s)
		t.note("add", "Once Only Controller: the sampler runs once per thread", once.Path(),
			"--cache-labels: the response is the same for a thread's whole session (fetch once per session, not once per iteration)")
	}
	// A looping thread group whose samplers all run once would spin.
	for _, g := range t.groupsOf(wrapped) {
		loops, ok := g.Loops()
		if ok && loops >= 0 {
			continue
		}
		busy := false
		g.Plan.Walk(func(e *jmx.Element) bool {
			if busy {
				return false
			}
			if e.Kind() == jmx.KindController && e.TestClass() == "OnceOnlyController" {
				return false
			}
			if e.Kind() == jmx.KindSampler && e.Active() {
				for _, r := range t.runs(e) {
					busy = busy || r.Same(g.Element)
				}
			}
			return true
		})
		if !busy {
			return fmt.Errorf("--cache-labels %q: after caching, thread group %q would have no sampler left that runs on every iteration, and its threads would loop without doing anything until the test ends; keep at least one sampler (or a think-time Flow Control Action) outside the once-per-thread controllers, or give the group a loop count", t.s.CacheLabels, g.Path())
		}
	}
	return nil
}

// onceAncestor returns the Once Only Controller e is in (within its thread
// group), or nil.
func onceAncestor(e *jmx.Element) *jmx.Element {
	for x := e.Parent; x != nil && x.Kind() != jmx.KindThreadGroup; x = x.Parent {
		if x.TestClass() == "OnceOnlyController" {
			return x
		}
	}
	return nil
}
