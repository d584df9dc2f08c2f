package jmx

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// NewElement returns a new enabled test element, not yet in a plan; insert
// it with Element.InsertChild or AppendChild. props are its property
// elements (see NewProp and friends).
func NewElement(tag, guiclass, testclass, name string, props ...*etree.Element) *Element {
	n := etree.NewElement(tag)
	n.CreateAttr("guiclass", guiclass)
	n.CreateAttr("testclass", testclass)
	n.CreateAttr("testname", name)
	n.CreateAttr("enabled", "true")
	for _, p := range props {
		if p != nil {
			n.AddChild(p)
		}
	}
	return &Element{Node: n}
}

// NewProp returns a scalar property element: <tag name="name">value</tag>.
// For doubleProp it returns JMeter's nested form.
func NewProp(tag, name, value string) *etree.Element {
	if nestedTags[tag] {
		d := etree.NewElement(tag)
		d.CreateElement("name").SetText(name)
		d.CreateElement("value").SetText(value)
		d.CreateElement("savedValue").SetText("0.0")
		return d
	}
	e := etree.NewElement(tag)
	e.CreateAttr("name", name)
	if value != "" {
		e.SetText(value)
	}
	return e
}

// StringProp returns <stringProp name="name">value</stringProp>.
func StringProp(name, value string) *etree.Element { return NewProp("stringProp", name, value) }

// BoolProp returns <boolProp name="name">true|false</boolProp>.
func BoolProp(name string, v bool) *etree.Element {
	return NewProp("boolProp", name, strconv.FormatBool(v))
}

// IntProp returns <intProp name="name">v</intProp>.
func IntProp(name string, v int) *etree.Element {
	return NewProp("intProp", name, strconv.Itoa(v))
}

// LongProp returns <longProp name="name">v</longProp>.
func LongProp(name string, v int64) *etree.Element {
	return NewProp("longProp", name, strconv.FormatInt(v, 10))
}

// DoubleProp returns the nested doubleProp form JMeter writes for double
// bean properties (the Constant Throughput Timer's throughput, ...).
func DoubleProp(name string, v float64) *etree.Element {
	return NewProp("doubleProp", name, FormatDouble(v))
}

// FormatDouble formats v the way Java prints a double ("480.0", "0.5").
func FormatDouble(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// CollectionPropOf returns <collectionProp name="name"> holding items.
func CollectionPropOf(name string, items ...*etree.Element) *etree.Element {
	c := etree.NewElement("collectionProp")
	c.CreateAttr("name", name)
	for _, it := range items {
		c.AddChild(it)
	}
	return c
}

// ElementPropOf returns <elementProp name="name" elementType="typ"> with
// extra attributes (key, value pairs) and the given properties.
func ElementPropOf(name, typ string, attrs []string, props ...*etree.Element) *etree.Element {
	c := etree.NewElement("elementProp")
	c.CreateAttr("name", name)
	c.CreateAttr("elementType", typ)
	for i := 0; i+1 < len(attrs); i += 2 {
		c.CreateAttr(attrs[i], attrs[i+1])
	}
	for _, p := range props {
		c.AddChild(p)
	}
	return c
}
