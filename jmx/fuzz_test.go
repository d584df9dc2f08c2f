package jmx

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader. A document it accepts must
// come back byte for byte, and survive edits: the edited output must parse
// again with the same elements. A document it refuses must get a
// SyntaxError with a line.
func FuzzParse(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte(strings.ReplaceAll(small, "\n", "\r\n")))
	f.Add([]byte("\xef\xbb\xbf<jmeterTestPlan><hashTree><TestPlan testname='p'/><hashTree/></hashTree></jmeterTestPlan>"))
	f.Add([]byte("<jmeterTestPlan><hashTree><![CDATA[x]]><!-- c --><?pi x?></hashTree></jmeterTestPlan>"))
	f.Add([]byte("<jmeterTestPlan>\n<hashTree>\n</TestPlan>"))
	f.Add([]byte("<jmeterTestPlan/><x/>"))
	if seed, err := os.ReadFile("../testdata/jmx/seed.jmx"); err == nil {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.jmx", data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a SyntaxError: %v", err)
			}
			if se.Line < 1 || !strings.HasPrefix(err.Error(), "fuzz.jmx:") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		if got := p.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("round trip changed the document:\n%q\n%q", data, got)
		}
		before := p.CheckPairs()
		var names []string
		p.Walk(func(e *Element) bool {
			names = append(names, e.Name()+"&<'\"\r\n")
			return true
		})
		// Edit: rename everything, add a child to every element that has a
		// hashTree, set a property with characters that need escaping.
		i := 0
		p.Walk(func(e *Element) bool {
			e.SetName(names[i])
			i++
			return true
		})
		var withTree []*Element
		p.Walk(func(e *Element) bool {
			if e.Tree != nil {
				withTree = append(withTree, e)
			}
			return true
		})
		for _, e := range withTree {
			e.AppendChild(NewElement("ConstantTimer", "ConstantTimerGui", "ConstantTimer", "t<&>", StringProp("ConstantTimer.delay", "a\r\nb&c]]>")))
			e.SetProp("x.y", "${__P(a,1)} & <b>")
		}
		out := p.Bytes()
		q, err := Parse("out.jmx", out)
		if err != nil {
			t.Fatalf("edited output does not parse: %v\n%s", err, out)
		}
		var got []string
		q.Walk(func(e *Element) bool {
			if e.Name() != "t<&>" {
				got = append(got, e.Name())
			}
			return true
		})
		if strings.Join(got, "|") != strings.Join(names, "|") {
			t.Fatalf("names changed:\n%q\n%q", names, got)
		}
		if after := q.CheckPairs(); len(before) == 0 && len(after) > 0 {
			t.Fatalf("edits broke the pairing: %v\n%s", after, out)
		}
		for _, e := range withTree {
			if v := e.Prop("x.y"); v.Raw != "${__P(a,1)} & <b>" {
				t.Fatalf("property value %q", v.Raw)
			}
		}
	})
}
