package jmx

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Value is a property value as written in the plan. JMeter saves the same
// property as stringProp, intProp, longProp, boolProp or a nested doubleProp
// depending on the version and on whether it holds an expression; Value
// hides the difference.
type Value struct {
	Raw string // the text, e.g. "200" or "${__P(threads,200)}"
	Set bool   // the property is present in the plan
	Tag string // the property element: stringProp, intProp, doubleProp, ...
}

// IsExpr reports whether the value holds a JMeter expression (${...}).
func (v Value) IsExpr() bool { return strings.Contains(v.Raw, "${") }

var propertyFunc = regexp.MustCompile(`^\$\{__(?:P|property)\(\s*([^,()]+?)\s*(?:,\s*([^,()]*?)\s*)?(?:,\s*([^,()]*?)\s*)?\)\}$`)

// Property returns the JMeter property name and default of a value that is
// a single ${__P(name,default)} or ${__property(name,var,default)} call.
func (v Value) Property() (name, dflt string, ok bool) {
	m := propertyFunc.FindStringSubmatch(strings.TrimSpace(v.Raw))
	if m == nil {
		return "", "", false
	}
	if strings.HasPrefix(strings.TrimSpace(v.Raw), "${__property(") {
		return m[1], m[3], true
	}
	if m[2] == "" && !strings.Contains(v.Raw, ",") {
		return m[1], "1", true // __P without a default gives 1
	}
	return m[1], m[2], true
}

// Resolve returns the value with a single ${__P(name,default)} call replaced
// by props[name], or its default; other values are returned as they are.
func (v Value) Resolve(props map[string]string) string {
	name, dflt, ok := v.Property()
	if !ok {
		return v.Raw
	}
	if s, ok := props[name]; ok {
		return s
	}
	return dflt
}

// Float returns the value as a number: a plain number, or the default of a
// ${__P(name,default)} call. ok is false for other expressions and text.
func (v Value) Float() (float64, bool) {
	s := strings.TrimSpace(v.Resolve(nil))
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// Int returns the value as an integer (see Float); a fraction is truncated.
func (v Value) Int() (int64, bool) {
	f, ok := v.Float()
	if !ok || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// Bool returns the value as a boolean, or dflt when it is not set or not
// "true"/"false".
func (v Value) Bool(dflt bool) bool {
	switch strings.ToLower(strings.TrimSpace(v.Resolve(nil))) {
	case "true":
		return true
	case "false":
		return false
	}
	return dflt
}

// scalarTags are the property elements that hold a single value.
var scalarTags = map[string]bool{
	"stringProp": true, "intProp": true, "longProp": true, "boolProp": true,
	"doubleProp": true, "floatProp": true, "FloatProperty": true, "DoubleProperty": true,
}

// nestedTags are the property elements written in XStream's reflection form
// <doubleProp><name>K</name><value>V</value><savedValue>..</savedValue></doubleProp>.
var nestedTags = map[string]bool{"doubleProp": true, "floatProp": true, "FloatProperty": true, "DoubleProperty": true}

// PropNode returns the property element named name among the direct
// children of node (any property tag), or nil.
func PropNode(node *etree.Element, name string) *etree.Element {
	for _, t := range node.Child {
		c, ok := t.(*etree.Element)
		if !ok {
			continue
		}
		if propName(c) == name {
			return c
		}
	}
	return nil
}

// propName returns the name of a property element: its name attribute, or
// the <name> child of the nested form.
func propName(c *etree.Element) string {
	if a := c.SelectAttr("name"); a != nil {
		return a.Value
	}
	if nestedTags[c.Tag] || c.Tag == "objProp" {
		if n := c.SelectElement("name"); n != nil {
			return n.Text()
		}
	}
	return ""
}

// PropValue returns the value of the scalar property name of node.
func PropValue(node *etree.Element, name string) Value {
	c := PropNode(node, name)
	if c == nil {
		return Value{}
	}
	return valueOf(c)
}

func valueOf(c *etree.Element) Value {
	v := Value{Set: true, Tag: c.Tag}
	if nestedTags[c.Tag] && c.SelectAttr("name") == nil {
		if val := c.SelectElement("value"); val != nil {
			v.Raw = val.Text()
		}
		return v
	}
	v.Raw = c.Text()
	return v
}

// Prop returns the value of the element's scalar property name, whatever
// tag it was saved with.
func (e *Element) Prop(name string) Value { return PropValue(e.Node, name) }

// PropString returns the text of the element's property name ("" when
// missing).
func (e *Element) PropString(name string) string { return e.Prop(name).Raw }

// ElementProp returns the elementProp named name of the element, or nil.
func (e *Element) ElementProp(name string) *etree.Element {
	c := PropNode(e.Node, name)
	if c == nil || c.Tag != "elementProp" {
		return nil
	}
	return c
}

// CollectionProp returns the collectionProp named name of node, or nil.
func CollectionProp(node *etree.Element, name string) *etree.Element {
	c := PropNode(node, name)
	if c == nil || c.Tag != "collectionProp" {
		return nil
	}
	return c
}

// Rows returns the rows of a table property (a collectionProp of
// collectionProps of scalar props, as the plugins write their tables) as
// values, by position.
func Rows(table *etree.Element) [][]Value {
	if table == nil {
		return nil
	}
	var rows [][]Value
	for _, r := range table.ChildElements() {
		if r.Tag != "collectionProp" {
			continue
		}
		var row []Value
		for _, c := range r.ChildElements() {
			if scalarTags[c.Tag] {
				row = append(row, valueOf(c))
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// SetProp sets the element's property name to value and reports whether
// anything changed. An existing property keeps its tag when the value fits
// it (a number in an intProp, ...); otherwise, and for a value holding
// ${...}, it becomes a stringProp, which every JMeter version reads. A
// missing property is added as a stringProp (boolProp for "true"/"false").
func (e *Element) SetProp(name, value string) bool {
	return e.Plan.SetProp(e.Node, name, value)
}

// SetProp sets property name of node (see Element.SetProp).
func (p *Plan) SetProp(node *etree.Element, name, value string) bool {
	c := PropNode(node, name)
	if c == nil {
		tag := "stringProp"
		if value == "true" || value == "false" {
			tag = "boolProp"
		}
		p.AppendChild(node, NewProp(tag, name, value))
		return true
	}
	cur := valueOf(c)
	if cur.Raw == value && fits(c.Tag, value) {
		return false
	}
	if !fits(c.Tag, value) {
		p.ReplaceNode(c, NewProp("stringProp", name, value))
		return true
	}
	if nestedTags[c.Tag] && c.SelectAttr("name") == nil {
		if v := c.SelectElement("value"); v != nil {
			setText(v, value)
			return true
		}
		p.ReplaceNode(c, NewProp("stringProp", name, value))
		return true
	}
	setText(c, value)
	return true
}

// fits reports whether value can be written in a property element of tag.
func fits(tag, value string) bool {
	switch tag {
	case "stringProp":
		return true
	case "intProp", "longProp":
		_, err := strconv.ParseInt(value, 10, 64)
		return err == nil
	case "boolProp":
		return value == "true" || value == "false"
	case "doubleProp", "floatProp", "FloatProperty", "DoubleProperty":
		_, err := strconv.ParseFloat(value, 64)
		return err == nil
	}
	return false
}

// setText replaces the text content of a leaf element.
func setText(e *etree.Element, s string) {
	for i := len(e.Child) - 1; i >= 0; i-- {
		if _, ok := e.Child[i].(*etree.CharData); ok {
			e.RemoveChildAt(i)
		}
	}
	if s != "" {
		e.AddChild(etree.NewText(s))
	}
}

// RemoveProp removes the element's property name and reports whether it was
// there.
func (e *Element) RemoveProp(name string) bool {
	c := PropNode(e.Node, name)
	if c == nil {
		return false
	}
	e.Plan.RemoveNode(c)
	return true
}
