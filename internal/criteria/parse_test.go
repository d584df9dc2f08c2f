package criteria

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Criterion // Text and Source are not compared
	}{
		{"rc429 < 0.5%", Criterion{Subject: Subject{Kind: KindCode, Code: "429"}, Op: Less, Threshold: 0.5, Value: 0.5, Unit: Percent}},
		{"rc429 < 10", Criterion{Subject: Subject{Kind: KindCode, Code: "429"}, Op: Less, Threshold: 10, Value: 10, Unit: Count}},
		{"rc4xx<=1%", Criterion{Subject: Subject{Kind: KindCode, Code: "4??"}, Op: LessEq, Threshold: 1, Value: 1, Unit: Percent}},
		{"RC4?? >= 0", Criterion{Subject: Subject{Kind: KindCode, Code: "4??"}, Op: GreaterEq, Threshold: 0, Value: 0, Unit: Count}},
		{"rc5X0 > 2 %", Criterion{Subject: Subject{Kind: KindCode, Code: "5?0"}, Op: Greater, Threshold: 2, Value: 2, Unit: Percent}},
		{"errors < 1%", Criterion{Subject: Subject{Kind: KindErrors}, Op: Less, Threshold: 1, Value: 1, Unit: Percent}},
		{"errors <= 3", Criterion{Subject: Subject{Kind: KindErrors}, Op: LessEq, Threshold: 3, Value: 3, Unit: Count}},
		{"p50 < 100ms", Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 50}, Op: Less, Threshold: 100, Value: 100, Unit: Millis}},
		{"p90 < 1.5s", Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 90}, Op: Less, Threshold: 1500, Value: 1.5, Unit: Seconds}},
		{"p95 <= 300 ms", Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 95}, Op: LessEq, Threshold: 300, Value: 300, Unit: Millis}},
		{"p99 < 2s", Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 99}, Op: Less, Threshold: 2000, Value: 2, Unit: Seconds}},
		{"p99.9 < .5s", Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 99.9}, Op: Less, Threshold: 500, Value: 0.5, Unit: Seconds}},
		{"avg < 250ms", Criterion{Subject: Subject{Kind: KindAvg}, Op: Less, Threshold: 250, Value: 250, Unit: Millis}},
		{"throughput >= 20/s", Criterion{Subject: Subject{Kind: KindThroughput}, Op: GreaterEq, Threshold: 20, Value: 20, Unit: PerSecond}},
		{"throughput <= 1200/min", Criterion{Subject: Subject{Kind: KindThroughput}, Op: LessEq, Threshold: 20, Value: 1200, Unit: PerMinute}},
		{"samples > 1000", Criterion{Subject: Subject{Kind: KindSamples}, Op: Greater, Threshold: 1000, Value: 1000, Unit: Count}},
		{`p95 of "GET script" < 300ms`, Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 95}, Label: "GET script", Op: Less, Threshold: 300, Value: 300, Unit: Millis}},
		{`p95 of 'GET script' < 300ms`, Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 95}, Label: "GET script", Op: Less, Threshold: 300, Value: 300, Unit: Millis}},
		{`rc429 OF login* < 1`, Criterion{Subject: Subject{Kind: KindCode, Code: "429"}, Label: "login*", Op: Less, Threshold: 1, Value: 1, Unit: Count}},
		{`avg of /api/v2/scripts/* < 1s`, Criterion{Subject: Subject{Kind: KindAvg}, Label: "/api/v2/scripts/*", Op: Less, Threshold: 1000, Value: 1, Unit: Seconds}},
		{`samples of "say \"hi\" \\o/" > 0`, Criterion{Subject: Subject{Kind: KindSamples}, Label: `say "hi" \o/`, Op: Greater, Threshold: 0, Value: 0, Unit: Count}},
		{`samples of "a # b" > 0 # a label with a hash`, Criterion{Subject: Subject{Kind: KindSamples}, Label: "a # b", Op: Greater, Threshold: 0, Value: 0, Unit: Count}},
		{"throughput of GET <= 20/s for 20s", Criterion{Subject: Subject{Kind: KindThroughput}, Label: "GET", Op: LessEq, Threshold: 20, Value: 20, Unit: PerSecond, Window: 20 * time.Second}},
		{"rc429 < 10 for 1min", Criterion{Subject: Subject{Kind: KindCode, Code: "429"}, Op: Less, Threshold: 10, Value: 10, Unit: Count, Window: time.Minute}},
		{"p95 < 300ms FOR 500 ms", Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 95}, Op: Less, Threshold: 300, Value: 300, Unit: Millis, Window: 500 * time.Millisecond}},
		{"errors < 1% for 1.5h   # trailing comment", Criterion{Subject: Subject{Kind: KindErrors}, Op: Less, Threshold: 1, Value: 1, Unit: Percent, Window: 90 * time.Minute}},
		{"\tp95<300ms", Criterion{Subject: Subject{Kind: KindPercentile, Percentile: 95}, Op: Less, Threshold: 300, Value: 300, Unit: Millis}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in, "criterion 1")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.Source != "criterion 1" {
				t.Errorf("Source = %q", got.Source)
			}
			if strings.Contains(got.Text, "#") && !strings.Contains(tt.in, `"a # b"`) {
				t.Errorf("Text %q kept the comment", got.Text)
			}
			g := *got
			g.Text, g.Source = "", ""
			if g != tt.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, g, tt.want)
			}
			// The canonical form parses back to the same criterion.
			again, err := Parse(got.String(), "again")
			if err != nil {
				t.Fatalf("Parse(String()=%q): %v", got.String(), err)
			}
			a := *again
			a.Text, a.Source = "", ""
			if a != g {
				t.Errorf("round trip via %q\n got %+v\nwant %+v", got.String(), a, g)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	// col is the 1-based column of the caret; msg a substring of the message.
	tests := []struct {
		in  string
		col int
		msg string
	}{
		{"p95 <> 300ms", 6, `expected a number after "<"`},
		{"p95 << 300ms", 6, `expected a number after "<"`},
		{"p95 >== 300ms", 7, `expected a number after ">="`},
		{"p95 = 300ms", 5, "unsupported operator"},
		{"p95 == 300ms", 5, "unsupported operator"},
		{"p95 != 300ms", 5, "unsupported operator"},
		{"p95 300ms", 5, "expected an operator"},
		{"p95 <", 6, `expected a number after "<", found the end`},
		{"p95 < 300", 10, "expected a time unit after 300: ms or s"},
		{"p95 < 300/s", 10, "expected a time unit"},
		{"p95 < 300 kg", 11, `unknown unit "kg"`},
		{"avg < 3%", 8, "expected a time unit"},
		{"throughput > 20", 16, "expected a rate unit after 20"},
		{"throughput > 20ms", 16, "expected a rate unit"},
		{"throughput > 20/h", 17, "expected s or min after"},
		{"samples > 10%", 13, "samples is a count"},
		{"samples > 1.5", 11, "whole number"},
		{"rc429 < 0.5", 9, "write 0.5% for a share"},
		{"rc429 < 150%", 9, "at most 100%"},
		{"rc429 < 5ms", 10, "rc429 is a count"},
		{"rc42 < 1%", 3, "three-character response code"},
		{"rc4295 < 1%", 3, "three-character response code"},
		{"rcabc < 1%", 3, "three-character response code"},
		{"p100 < 1s", 2, "between 0 and 100"},
		{"p0 < 1s", 2, "between 0 and 100"},
		{"p9.9.9 < 1s", 2, "between 0 and 100"},
		{"avg-rt < 1s", 1, `did you mean avg`},
		{"hits > 10", 1, `did you mean samples`},
		{"latency < 1s", 1, `unknown subject "latency"`},
		{"< 1s", 1, "expected a subject"},
		{"p95 of < 1s", 8, `expected a label after "of"`},
		{"p95 of", 7, `expected a label after "of"`},
		{`p95 of "GET script < 1s`, 8, "unterminated label"},
		{`p95 of "" < 1s`, 8, "empty label"},
		{"p95 of GET script < 300ms", 12, `quote labels with blanks: of "GET script"`},
		{"p95 of a[b < 1s", 8, "unclosed ["},
		{"p95 < 300ms for", 16, `expected a duration after "for"`},
		{"p95 < 300ms for 30", 19, "expected a unit after 30"},
		{"p95 < 300ms for 30 days", 20, `unknown duration unit "days"`},
		{"p95 < 300ms for 0s", 17, "at least 1ms"},
		{"p95 < 300ms within 30s", 13, `"within" windows are not supported`},
		{"p95 < 300ms extra", 13, `unexpected 'e'`},
		{"p95 < 300ms, stop", 12, `unexpected ','`},
		{"", 1, "empty criterion"},
		{"   # only a comment", 1, "empty criterion"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in, "criterion 3")
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", tt.in, err)
			}
			if !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.msg)
			}
			if se.Column() != tt.col {
				t.Errorf("caret at column %d, want %d\n%v", se.Column(), tt.col, err)
			}
			if se.Source != "criterion 3" {
				t.Errorf("Source = %q", se.Source)
			}
		})
	}
}

// TestSyntaxErrorCaret checks the printed form: the criterion on its own line
// and the caret under the offending character, whatever precedes the message.
func TestSyntaxErrorCaret(t *testing.T) {
	_, err := Parse("p95 <> 300ms", "criterion 1")
	want := "criterion 1: expected a number after \"<\", found '>'\n" +
		"    p95 <> 300ms\n" +
		"         ^"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	lines := strings.Split(err.Error(), "\n")
	textCol := strings.Index(lines[1], "p95")
	caretCol := strings.Index(lines[2], "^")
	if got := lines[1][caretCol]; got != '>' || caretCol-textCol != 5 {
		t.Errorf("caret under %q at offset %d, want under '>' at 5", got, caretCol-textCol)
	}

	// Tabs before the offending character are kept so that the caret lines
	// up in a terminal; other characters (also multi-byte) become one blank.
	_, err = Parse("\tp95 of \"é\" <> 3ms", "f:2")
	lines = strings.Split(err.Error(), "\n")
	if want := "    \t            ^"; lines[2] != want {
		t.Errorf("caret line %q, want %q", lines[2], want)
	}
}

func TestParseFile(t *testing.T) {
	in := "\ufeff# CI gate for the agent-script run\n" +
		"\n" +
		"rc429 < 0.5%          # throttling\n" +
		"p95 of \"GET script\" < 300ms\n" +
		"   \n" +
		"throughput of \"GET script\" <= 20/s for 20s\n"
	crits, err := ParseFile("gate.txt", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range crits {
		got = append(got, c.Source+" "+c.Text)
	}
	want := []string{
		"gate.txt:3 rc429 < 0.5%",
		`gate.txt:4 p95 of "GET script" < 300ms`,
		`gate.txt:6 throughput of "GET script" <= 20/s for 20s`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Every bad line is reported, each with its line number.
	_, err = ParseFile("bad.txt", strings.NewReader("p95 < 1s\np95 <> 1s\nerrors < 1%\nfoo > 1\n"))
	if err == nil {
		t.Fatal("no error for a file with two bad lines")
	}
	msg := err.Error()
	for _, w := range []string{"bad.txt:2: expected a number", "bad.txt:4: unknown subject \"foo\""} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
	if strings.Contains(msg, "bad.txt:1") || strings.Contains(msg, "bad.txt:3") {
		t.Errorf("good lines reported as bad: %q", msg)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"GET script", "GET script", true},
		{"GET script", "GET script (retry 1)", false},
		{"GET script*", "GET script (retry 1)", true},
		{"*", "", true},
		{"*", "POST /oauth/token", true},
		{"POST /*", "POST /oauth/token", true},
		{"*token", "POST /oauth/token", true},
		{"*/oauth/*", "POST /oauth/token", true},
		{"GET ?cript", "GET script", true},
		{"GET ?cript", "GET cript", false},
		{"[GP]*", "GET x", true},
		{"[GP]*", "PUT x", true},
		{"[!GP]*", "GET x", false},
		{"[!GP]*", "DELETE x", true},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"a\\*b", "a*b", true},
		{"a\\*b", "axb", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"é?", "éü", true},
		{"get script", "GET script", false},
		{"[]]x", "]x", true},
	}
	for _, tt := range tests {
		if err := checkGlob(tt.pattern); err != nil {
			t.Errorf("checkGlob(%q): %v", tt.pattern, err)
			continue
		}
		if got := matchGlob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("matchGlob(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
	for _, bad := range []string{"a[b", "x\\", "[!"} {
		if checkGlob(bad) == nil {
			t.Errorf("checkGlob(%q) accepted a malformed glob", bad)
		}
	}
}

// FuzzParse checks that Parse never panics, that an error always points
// inside the criterion, and that a parsed criterion round-trips through its
// canonical form.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"rc429 < 0.5%", `p95 of "GET script" <= 300ms for 30s`, "throughput >= 20/s",
		"p95 <> 300ms", "samples > 10", "errors < 1% # c", `avg of 'a\'b' < 1s`,
		"rc4?? < 1 for 1min", "p99.9 < 2s", `samples of "\\" > 0`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(in, "fuzz")
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T is not a *SyntaxError", in, err)
			}
			if se.Offset < 0 || se.Offset > len(se.Text) {
				t.Fatalf("Parse(%q): offset %d outside %q", in, se.Offset, se.Text)
			}
			_ = se.Error()
			return
		}
		again, err := Parse(c.String(), "again")
		if err != nil {
			t.Fatalf("Parse(%q) ok but its canonical form %q fails: %v", in, c.String(), err)
		}
		a, g := *again, *c
		a.Text, a.Source, g.Text, g.Source = "", "", "", ""
		if a != g {
			t.Fatalf("round trip of %q via %q: got %+v want %+v", in, c.String(), a, g)
		}
	})
}
