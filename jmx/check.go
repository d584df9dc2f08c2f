package jmx

import (
	"fmt"

	"github.com/beevik/etree"
)

// PairingError is a place where the element/hashTree pairing rule is broken:
// inside a hashTree, every test element must be followed by the hashTree
// holding its children.
type PairingError struct {
	Line int    // line in the original file (0 for an added node)
	Path string // path of the nearest element
	Msg  string
}

func (e PairingError) Error() string {
	return fmt.Sprintf("line %d (%s): %s", e.Line, e.Path, e.Msg)
}

// CheckPairs checks the element/hashTree pairing of the whole plan and
// returns every problem found (none for a plan JMeter saved).
func (p *Plan) CheckPairs() []PairingError {
	var errs []PairingError
	root := p.Root()
	if root == nil {
		return []PairingError{{Msg: "no root element"}}
	}
	var trees []*etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "hashTree" {
			trees = append(trees, c)
		} else {
			errs = append(errs, PairingError{Line: p.Line(c), Msg: fmt.Sprintf("<%s> directly under <%s>; want a single <hashTree>", c.Tag, RootTag)})
		}
	}
	if len(trees) != 1 {
		errs = append(errs, PairingError{Line: p.Line(root), Msg: fmt.Sprintf("%d <hashTree> under <%s>; want 1", len(trees), RootTag)})
	}
	var check func(tree *etree.Element, where string)
	check = func(tree *etree.Element, where string) {
		var pending *etree.Element
		for _, t := range tree.Child {
			switch c := t.(type) {
			case *etree.CharData:
				if !isBlankString(c.Data) {
					errs = append(errs, PairingError{Line: p.Line(tree), Path: where, Msg: fmt.Sprintf("text %q inside a hashTree", c.Data)})
				}
			case *etree.Element:
				if c.Tag == "hashTree" {
					if pending == nil {
						errs = append(errs, PairingError{Line: p.Line(c), Path: where, Msg: "a <hashTree> that follows no element"})
						check(c, where)
						continue
					}
					check(c, where+"/"+pending.SelectAttrValue("testname", pending.Tag))
					pending = nil
					continue
				}
				if pending != nil {
					errs = append(errs, PairingError{Line: p.Line(pending), Path: where, Msg: fmt.Sprintf("<%s testname=%q> has no <hashTree> after it", pending.Tag, pending.SelectAttrValue("testname", ""))})
				}
				pending = c
			}
		}
		if pending != nil {
			errs = append(errs, PairingError{Line: p.Line(pending), Path: where, Msg: fmt.Sprintf("<%s testname=%q> has no <hashTree> after it", pending.Tag, pending.SelectAttrValue("testname", ""))})
		}
	}
	for _, t := range trees {
		check(t, "")
	}
	return errs
}
