package analysis_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"jmtune/analysis"
	"jmtune/internal/testenv"
	"jmtune/jtl"
)

// labelCounts returns label -> samples of a result.
func labelCounts(res *analysis.Result) map[string]int {
	m := map[string]int{}
	for _, l := range res.Labels {
		m[l.Label] = l.Samples
	}
	return m
}

// TestLeafSamples checks that requests are counted on the leaf samples of
// transactions, once each: Transaction Controller parents ("Generate parent
// sample") are replaced by their children, nested controllers too, while
// an HTTP sample's redirect hops and embedded resources (XML sub-samples,
// CSV "<label>-<n>" rows, before or after their sample) are not counted
// again.
func TestLeafSamples(t *testing.T) {
	type want struct {
		requests, throttled, errors int
		labels                      map[string]int
	}
	cases := []struct {
		name, path string
		shared     bool
		opts       jtl.Options
		want       want
	}{
		{
			// Real JMeter 2.13 run: 4 transactions "TX fetch" (parent
			// mode), each GET login (which followed a 302 to /home, two
			// nested hops) and GET script (429). The parents carry rc 429.
			name: "jmeter 2.13 TC parent (XML)", path: filepath.Join("..", "jtl", "testdata", "xml", "jmeter213.jtl"),
			want: want{requests: 8, throttled: 4, labels: map[string]int{"GET login": 4, "GET script": 4}},
		},
		{
			// Taurus fixture: 01_LoginPage holds a request and a Parallel
			// Controller (itself a transaction) with graphql and a 429 on
			// channelsearch; 02_ChannelSearch holds a request and two 429s;
			// 03_Health is a top-level 500.
			name: "taurus nested transaction > parallel controller (XML)", shared: true,
			path: "corpus/jtl/Blazemeter__taurus__error-tc-generate-parent.jtl",
			want: want{requests: 7, throttled: 3, errors: 1,
				labels: map[string]int{"https://www.blazedemo.com/": 2, "graphql": 1, "channelsearch": 3, "03_Health": 1}},
		},
		{
			// Hand-written in JMeter 5.5+'s layout (jtl-format.md section
			// 6): per iteration and thread, the TX row, GET login's two
			// hops (GET login-0, -1) before GET login, GET script (429 in
			// the last iteration), then GET health followed by its hops.
			name: "JMeter 5.5+ TC parent with sub-result rows (CSV)", path: filepath.Join("testdata", "leaf", "tc-parent-5x.csv"),
			opts: jtl.Options{Timestamps: jtl.TimestampStart},
			want: want{requests: 18, throttled: 2, labels: map[string]int{"GET login": 6, "GET script": 6, "GET health": 6}},
		},
		{
			// The layout of a corpus file (jenkinsci/performance-plugin
			// filewithtransactions.csv): TC children renamed "HP-<n>" and
			// written before the TC row "HP"; one thread, three iterations,
			// so the reader takes each iteration's HP-0 for a sub-result of
			// the previous HP row. That row is a transaction: HP-0 counts.
			name: "TC children renamed before the TC row (CSV)", path: filepath.Join("testdata", "leaf", "tc-children-renamed.csv"),
			opts: jtl.Options{Timestamps: jtl.TimestampStart},
			want: want{requests: 9, throttled: 1, labels: map[string]int{"HP-0": 3, "HP-1": 3, "HP-2": 3}},
		},
		{
			// No "s" attribute means success in JMeter: a JSR223 sample
			// without a response code is then neither a request nor an
			// error; a timeout (s="false", no HTTP code) and a 500 are
			// errors; the 429 is throttled.
			name: "missing success attribute (XML)", path: filepath.Join("testdata", "leaf", "missing-success.jtl"),
			want: want{requests: 3, throttled: 1, errors: 2, labels: map[string]int{"JSR223 set token": 1, "GET script": 4}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if c.shared {
				path = filepath.Join(testenv.Shared(t), path)
			}
			src, err := jtl.Open([]string{path}, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			res, err := analysis.Analyze(src, analysis.Config{})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Run
			if r.Requests != c.want.requests || r.Throttled != c.want.throttled || r.Errors != c.want.errors {
				t.Errorf("requests %d, throttled %d, errors %d; want %d, %d, %d",
					r.Requests, r.Throttled, r.Errors, c.want.requests, c.want.throttled, c.want.errors)
			}
			got := labelCounts(res)
			if len(got) != len(c.want.labels) {
				t.Errorf("labels %v, want %v", got, c.want.labels)
			}
			for l, n := range c.want.labels {
				if got[l] != n {
					t.Errorf("label %q: %d samples, want %d (all: %v)", l, got[l], n, got)
				}
			}
			if !slices.Contains(res.Limit.Labels, "GET script") && c.want.labels["GET script"] > 0 && c.want.throttled > 0 {
				t.Errorf("limited labels %v, want GET script among them", res.Limit.Labels)
			}
		})
	}
}

// TestTooLittleEvidence: a run whose throttled label was never admitted
// (JMeter 2.13's TC-parent file: 4 GET script, all 429) fits no limit; the
// verdict says why instead of "not reached", and the recommendation keeps
// a usable target (below what the run had admitted) rather than 0 req/s.
func TestTooLittleEvidence(t *testing.T) {
	res := analyzeFile(t, filepath.Join("..", "jtl", "testdata", "xml", "jmeter213.jtl"))
	if res.Limit.Detected {
		t.Fatalf("limit detected (%s) from 4 throttles and no admitted request", res.Limit.Algorithm)
	}
	if len(res.Verdict) == 0 || !strings.HasPrefix(res.Verdict[0], "Limit: too little evidence") {
		t.Errorf("verdict %q, want it to start with \"Limit: too little evidence\"", res.Verdict)
	}
	rec := res.Recommendation
	if !(rec.TargetRatePerS > 0 && rec.TargetRatePerS < res.Run.AcceptedRatePerS) {
		t.Errorf("target %g req/s, want above 0 and below the admitted %g req/s", rec.TargetRatePerS, res.Run.AcceptedRatePerS)
	}
}
