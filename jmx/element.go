package jmx

import (
	"strings"

	"github.com/beevik/etree"
)

// Element is a test element of a plan (a thread group, sampler, timer,
// controller, ...) together with the hashTree that holds its children: in
// JMX, the children of an element are in the <hashTree> that follows it.
//
// Elements are light views: two Elements for the same node compare equal by
// Node. Get them from Plan.TestPlan, Plan.Walk, Plan.ThreadGroups, ... and
// Children; they stay valid across edits made through this package.
type Element struct {
	Node   *etree.Element // the element, e.g. <ThreadGroup testname="Agents" ...>
	Tree   *etree.Element // the <hashTree> after Node, or nil when the file has none
	Parent *Element       // the element whose hashTree holds this one; nil at the top
	Plan   *Plan
}

// TestPlan returns the TestPlan element, or nil when the plan has none.
func (p *Plan) TestPlan() *Element {
	for _, e := range p.Top() {
		if e.TestClass() == "TestPlan" {
			return e
		}
	}
	return nil
}

// Top returns the elements directly under the root: the TestPlan and, in
// plans saved by JMeter 2.x, the WorkBench.
func (p *Plan) Top() []*Element {
	root := p.Root()
	if root == nil {
		return nil
	}
	for _, c := range root.ChildElements() {
		if c.Tag == "hashTree" {
			return p.pairs(c, nil)
		}
	}
	return nil
}

// pairs returns the element/hashTree pairs held by tree.
func (p *Plan) pairs(tree *etree.Element, parent *Element) []*Element {
	var out []*Element
	var last *Element
	for _, t := range tree.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if c.Tag == "hashTree" && c.Space == "" {
			if last != nil && last.Tree == nil {
				last.Tree = c
			}
			continue
		}
		last = &Element{Node: c, Parent: parent, Plan: p}
		out = append(out, last)
	}
	return out
}

// Children returns the elements in e's hashTree, in order.
func (e *Element) Children() []*Element {
	if e.Tree == nil {
		return nil
	}
	return e.Plan.pairs(e.Tree, e)
}

// Walk calls fn for every element of the plan, depth first in document
// order (parents before children). When fn returns false the element's
// children are skipped.
func (p *Plan) Walk(fn func(e *Element) bool) {
	var walk func(es []*Element)
	walk = func(es []*Element) {
		for _, e := range es {
			if fn(e) {
				walk(e.Children())
			}
		}
	}
	walk(p.Top())
}

// Find returns the elements for which match returns true, in document order.
func (p *Plan) Find(match func(e *Element) bool) []*Element {
	var out []*Element
	p.Walk(func(e *Element) bool {
		if match(e) {
			out = append(out, e)
		}
		return true
	})
	return out
}

// Lookup returns the Element view of node, or nil when node is not a test
// element of the plan (for example a property or a hashTree).
func (p *Plan) Lookup(node *etree.Element) *Element {
	var found *Element
	p.Walk(func(e *Element) bool {
		if found != nil {
			return false
		}
		if e.Node == node {
			found = e
			return false
		}
		return true
	})
	return found
}

// Tag returns the element's XML tag (an alias such as ThreadGroup, or a
// class name for plugins).
func (e *Element) Tag() string { return e.Node.FullTag() }

// TestClass returns the testclass attribute, or the tag when the attribute
// is missing.
func (e *Element) TestClass() string {
	if a := e.Node.SelectAttr("testclass"); a != nil {
		return a.Value
	}
	return e.Node.FullTag()
}

// GUIClass returns the guiclass attribute.
func (e *Element) GUIClass() string { return e.Node.SelectAttrValue("guiclass", "") }

// Name returns the testname attribute (the label of a sampler).
func (e *Element) Name() string { return e.Node.SelectAttrValue("testname", "") }

// SetName sets the testname attribute.
func (e *Element) SetName(name string) { e.Node.CreateAttr("testname", name) }

// Enabled reports whether the element itself is enabled: its enabled
// attribute is not "false" (a missing attribute means enabled).
func (e *Element) Enabled() bool {
	return !strings.EqualFold(strings.TrimSpace(e.Node.SelectAttrValue("enabled", "true")), "false")
}

// Active reports whether JMeter runs the element: it and every ancestor are
// enabled (a disabled parent disables its whole subtree).
func (e *Element) Active() bool {
	for x := e; x != nil; x = x.Parent {
		if !x.Enabled() {
			return false
		}
	}
	return true
}

// SetEnabled sets the enabled attribute.
func (e *Element) SetEnabled(on bool) {
	if on {
		e.Node.CreateAttr("enabled", "true")
	} else {
		e.Node.CreateAttr("enabled", "false")
	}
}

// Line returns the line of the element in the original file, or 0 for an
// element added since.
func (e *Element) Line() int { return e.Plan.Line(e.Node) }

// Path returns the names from the TestPlan down to e joined by "/", e.g.
// "Agent desktop/Agents/GET script". Names may contain "/" themselves.
func (e *Element) Path() string {
	var parts []string
	for x := e; x != nil; x = x.Parent {
		parts = append(parts, x.Name())
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// Ancestors returns e's parents, nearest first.
func (e *Element) Ancestors() []*Element {
	var out []*Element
	for x := e.Parent; x != nil; x = x.Parent {
		out = append(out, x)
	}
	return out
}

// Index returns e's position among its parent's children, or -1.
func (e *Element) Index() int {
	var sibs []*Element
	if e.Parent != nil {
		sibs = e.Parent.Children()
	} else {
		sibs = e.Plan.Top()
	}
	for i, s := range sibs {
		if s.Node == e.Node {
			return i
		}
	}
	return -1
}

// ThreadGroup returns the thread group e is in (e itself when it is one),
// or nil.
func (e *Element) ThreadGroup() *ThreadGroup {
	for x := e; x != nil; x = x.Parent {
		if x.Kind() == KindThreadGroup {
			return &ThreadGroup{Element: x}
		}
	}
	return nil
}

// Same reports whether e and o are views of the same element.
func (e *Element) Same(o *Element) bool { return e != nil && o != nil && e.Node == o.Node }
