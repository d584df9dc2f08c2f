package jmx

import "github.com/beevik/etree"

// ModuleCall is an active Module Controller inside a thread group and the
// element it runs.
type ModuleCall struct {
	Module *Element     // the Module Controller
	Target *Element     // the controller it runs (often in a Test Fragment)
	Group  *ThreadGroup // the thread group the Module Controller is in
}

// ModuleTarget returns the element a Module Controller runs, found by its
// ModuleController.node_path (the names from the tree's root: the GUI's
// root label, then the TestPlan, then each child), or nil when the path
// does not resolve.
func (e *Element) ModuleTarget() *Element {
	var names []string
	for _, v := range rowValues(CollectionProp(e.Node, "ModuleController.node_path")) {
		names = append(names, v.Raw)
	}
	if len(names) < 2 {
		return nil
	}
	level := e.Plan.Top()
	var found *Element
	for _, name := range names[1:] {
		found = nil
		for _, c := range level {
			if c.Name() == name {
				found = c
				break
			}
		}
		if found == nil {
			return nil
		}
		level = found.Children()
	}
	return found
}

// rowValues returns the scalar values of a collectionProp, in order.
func rowValues(c *etree.Element) []Value {
	if c == nil {
		return nil
	}
	var out []Value
	for _, x := range c.ChildElements() {
		if scalarTags[x.Tag] {
			out = append(out, valueOf(x))
		}
	}
	return out
}

// ModuleCalls returns the active Module Controllers of the thread groups
// and what they run, resolving Module Controllers inside the targets too
// (a fragment that calls another fragment), to a depth of 8.
func (p *Plan) ModuleCalls() []ModuleCall {
	var calls []ModuleCall
	var visit func(es []*Element, g *ThreadGroup, depth int)
	visit = func(es []*Element, g *ThreadGroup, depth int) {
		for _, e := range es {
			if !e.Enabled() {
				continue
			}
			if e.TestClass() == "ModuleController" {
				if t := e.ModuleTarget(); t != nil && depth < 8 {
					calls = append(calls, ModuleCall{Module: e, Target: t, Group: g})
					visit([]*Element{t}, g, depth+1)
				}
				continue
			}
			visit(e.Children(), g, depth)
		}
	}
	for _, g := range p.ThreadGroups() {
		if g.Active() {
			visit(g.Children(), g, 0)
		}
	}
	return calls
}

// RunningGroups returns the thread groups that run e: the one it is in, or,
// for an element outside thread groups (in a Test Fragment), those whose
// Module Controllers run it or one of its ancestors. calls is the result of
// ModuleCalls (pass nil to compute it).
func (p *Plan) RunningGroups(e *Element, calls []ModuleCall) []*ThreadGroup {
	if tg := e.ThreadGroup(); tg != nil {
		return []*ThreadGroup{tg}
	}
	if calls == nil {
		calls = p.ModuleCalls()
	}
	var out []*ThreadGroup
	for x := e; x != nil; x = x.Parent {
		for _, c := range calls {
			if c.Target.Node != x.Node {
				continue
			}
			dup := false
			for _, g := range out {
				dup = dup || g.Same(c.Group.Element)
			}
			if !dup {
				out = append(out, c.Group)
			}
		}
	}
	return out
}
