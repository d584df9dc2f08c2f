package jmx

import (
	"fmt"
	"path"
	"strings"
)

// Glob is a shell-style pattern over element names: * matches any run of
// characters, ? one character, [...] a class (path.Match syntax, except that
// * also matches "/", which sampler labels often contain). Several patterns
// may be given separated by "|"; a name matches when any does.
type Glob struct {
	pats []string
}

// ParseGlob compiles a pattern; an empty pattern matches nothing.
func ParseGlob(pattern string) (Glob, error) {
	var g Glob
	for _, p := range strings.Split(pattern, "|") {
		if p == "" {
			continue
		}
		// Check the syntax with path.Match, with "/" taken out.
		if _, err := path.Match(strings.ReplaceAll(p, "/", "_"), ""); err != nil {
			return Glob{}, fmt.Errorf("bad pattern %q: %v", p, err)
		}
		g.pats = append(g.pats, p)
	}
	return g, nil
}

// MustGlob is ParseGlob that panics on a bad pattern.
func MustGlob(pattern string) Glob {
	g, err := ParseGlob(pattern)
	if err != nil {
		panic(err)
	}
	return g
}

// Empty reports whether the glob has no pattern.
func (g Glob) Empty() bool { return len(g.pats) == 0 }

// Match reports whether name matches one of the patterns.
func (g Glob) Match(name string) bool {
	for _, p := range g.pats {
		// "/" is an ordinary character here: swap it for a character that
		// path.Match treats like any other, in both pattern and name.
		const slash = "\x00"
		ok, _ := path.Match(strings.ReplaceAll(p, "/", slash), strings.ReplaceAll(name, "/", slash))
		if ok {
			return true
		}
	}
	return false
}

func (g Glob) String() string { return strings.Join(g.pats, "|") }

// SelectByName returns the elements of kind k (KindOther for any kind) whose
// name matches glob.
func (p *Plan) SelectByName(glob Glob, k Kind) []*Element {
	return p.Find(func(e *Element) bool {
		return (k == KindOther || e.Kind() == k) && glob.Match(e.Name())
	})
}

// SelectByPath returns the elements whose Path matches pattern. The pattern
// is matched against the whole path with Glob rules, so "*/Agents/GET *"
// finds "GET script" in any group named Agents.
func (p *Plan) SelectByPath(pattern string) ([]*Element, error) {
	g, err := ParseGlob(pattern)
	if err != nil {
		return nil, err
	}
	return p.Find(func(e *Element) bool { return g.Match(e.Path()) }), nil
}
