package jmx

import (
	"fmt"

	"github.com/beevik/etree"
)

// The editing primitives below work on etree nodes and keep the file tidy:
// a node is inserted without whitespace of its own (the writer puts it on
// its own line, indented like its siblings) and a removed node takes the
// blank text before it along.

// AppendChild adds child as the last element of parent, before the blank
// text that closes parent.
func (p *Plan) AppendChild(parent, child *etree.Element) {
	i := len(parent.Child)
	for i > 0 {
		cd, ok := parent.Child[i-1].(*etree.CharData)
		if !ok || !isBlankString(cd.Data) {
			break
		}
		i--
	}
	parent.InsertChildAt(i, child)
}

// RemoveNode removes node from its parent, with the blank text before it.
func (p *Plan) RemoveNode(node *etree.Element) {
	parent := node.Parent()
	if parent == nil {
		return
	}
	i := node.Index()
	parent.RemoveChildAt(i)
	if i > 0 {
		if cd, ok := parent.Child[i-1].(*etree.CharData); ok && isBlankString(cd.Data) {
			parent.RemoveChildAt(i - 1)
		}
	}
}

// ReplaceNode puts repl where old is.
func (p *Plan) ReplaceNode(old, repl *etree.Element) {
	parent := old.Parent()
	if parent == nil {
		return
	}
	i := old.Index()
	parent.RemoveChildAt(i)
	parent.InsertChildAt(i, repl)
}

// ensureTree gives e a hashTree when the file had none (some hand-written
// plans omit empty ones) and returns it.
func (e *Element) ensureTree() *etree.Element {
	if e.Tree != nil {
		return e.Tree
	}
	t := etree.NewElement("hashTree")
	parent := e.Node.Parent()
	parent.InsertChildAt(e.Node.Index()+1, t)
	e.Tree = t
	return t
}

// treeIndex returns the token index in tree at which the pair number i goes
// (i may be the number of pairs: after the last one).
func treeIndex(tree *etree.Element, i int) int {
	n := 0
	lastEnd := -1
	for k, t := range tree.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if c.Tag == "hashTree" {
			lastEnd = k
			continue
		}
		if n == i {
			// Before the element, after the blank text that indents it.
			return k
		}
		n++
		lastEnd = k
	}
	return lastEnd + 1
}

// InsertChild inserts child (and a hashTree for its children, when it has
// none) into e's hashTree at position i among e's children; i < 0 or past
// the end appends. It returns child with Parent and Tree set.
func (e *Element) InsertChild(i int, child *Element) *Element {
	tree := e.ensureTree()
	n := len(e.Children())
	if i < 0 || i > n {
		i = n
	}
	at := treeIndex(tree, i)
	if at > len(tree.Child) {
		at = len(tree.Child)
	}
	if child.Tree == nil {
		child.Tree = etree.NewElement("hashTree")
	}
	tree.InsertChildAt(at, child.Node)
	tree.InsertChildAt(at+1, child.Tree)
	child.Parent = e
	child.Plan = e.Plan
	return child
}

// AppendChild appends child to e's children (see InsertChild).
func (e *Element) AppendChild(child *Element) *Element { return e.InsertChild(-1, child) }

// Remove removes e and its hashTree from the plan.
func (e *Element) Remove() {
	if e.Tree != nil && e.Tree.Parent() != nil {
		e.Plan.RemoveNode(e.Tree)
	}
	e.Plan.RemoveNode(e.Node)
}

// Move moves e (with its subtree) to position i among to's children.
// Untouched parts of the subtree keep their bytes; the blank text between
// its elements is re-indented to the new depth.
func (e *Element) Move(to *Element, i int) error {
	for x := to; x != nil; x = x.Parent {
		if x.Node == e.Node {
			return fmt.Errorf("jmx: cannot move %q into itself", e.Path())
		}
	}
	tree := e.Tree
	e.Remove()
	e.Tree = tree
	to.InsertChild(i, e)
	return nil
}

// Wrap puts e inside wrapper, a new element that takes e's place; e becomes
// wrapper's first child. It returns wrapper.
func (e *Element) Wrap(wrapper *Element) *Element {
	parent := e.Parent
	i := e.Index()
	tree := e.Tree
	e.Remove()
	e.Tree = tree
	if parent == nil {
		panic("jmx: Wrap of a top-level element")
	}
	parent.InsertChild(i, wrapper)
	wrapper.InsertChild(0, e)
	return wrapper
}

// Unwrap replaces e, a controller, by its children and returns them.
func (e *Element) Unwrap() []*Element {
	parent := e.Parent
	i := e.Index()
	kids := e.Children()
	for _, k := range kids {
		t := k.Tree
		k.Remove()
		k.Tree = t
	}
	e.Remove()
	for j, k := range kids {
		parent.InsertChild(i+j, k)
	}
	return kids
}

// Replace puts repl (a new element) in e's place; e's children move under
// repl when keepChildren is set.
func (e *Element) Replace(repl *Element, keepChildren bool) *Element {
	parent := e.Parent
	i := e.Index()
	var kids []*Element
	if keepChildren {
		kids = e.Children()
		for _, k := range kids {
			t := k.Tree
			k.Remove()
			k.Tree = t
		}
	}
	e.Remove()
	parent.InsertChild(i, repl)
	for j, k := range kids {
		repl.InsertChild(j, k)
	}
	return repl
}
