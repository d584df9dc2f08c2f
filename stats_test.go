package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"jmtune/analysis"
	"jmtune/internal/testenv"
	"jmtune/jmx"
	"jmtune/jtl"
)

// update rewrites golden files instead of comparing with them (go test -run
// TestStats -update). It is the -update flag of every test in package main.
var update = flag.Bool("update", false, "rewrite golden files")

// runCLI runs jmtune in-process with args (without the program name).
func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := run(append([]string{"jmtune"}, args...), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// compareGolden compares got with the golden file path. With -update it
// rewrites the file (an empty got removes it: a missing golden file reads as
// empty). On a mismatch it writes the output beside it as
// <name>.got-<ext> (git-ignored) and shows a unified diff.
func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if got == "" {
			os.Remove(path)
			return
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	ext := filepath.Ext(path)
	gotPath := strings.TrimSuffix(path, ext) + ".got-" + strings.TrimPrefix(ext, ".")
	if string(want) == got {
		os.Remove(gotPath)
		return
	}
	os.WriteFile(gotPath, []byte(got), 0o644)
	t.Errorf("output differs from %s (written to %s; go test -run %s -update accepts it):\n%s",
		path, gotPath, t.Name(), jmx.UnifiedDiff(path, gotPath, want, []byte(got), 2))
}

// statsGolden compares got with testdata/stats/<name>.<ext>.
func statsGolden(t *testing.T, name, ext, got string) {
	t.Helper()
	compareGolden(t, filepath.Join("testdata", "stats", name+"."+ext), got)
}

func TestStatsGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"agents", []string{"testdata/stats/agents.csv"}},
		{"agents-json", []string{"--format", "json", "testdata/stats/agents.csv"}},
		{"agents-csv", []string{"--format", "csv", "testdata/stats/agents.csv"}},
		{"agents-filter", []string{"--label", "^get", "--from", "3s", "--to", "7500ms", "testdata/stats/agents.csv"}},
		{"agents-filter-json", []string{"-f", "json", "--label", "token", "--from", "1718000003000", "--to", "2024-06-10T06:13:27Z", "testdata/stats/agents.csv"}},
		{"statistical", []string{"testdata/stats/statistical.csv"}},
		{"agents-xml", []string{"testdata/stats/agents.xml"}},
		{"two-files", []string{"testdata/stats/agents.csv", "testdata/stats/statistical.csv"}},
		{"xml-transactions", []string{"jtl/testdata/xml/jmeter213.jtl"}},                            // leaves of "Generate parent sample" transactions count
		{"xml-transactions-label", []string{"--label", "^GET s", "jtl/testdata/xml/jmeter213.jtl"}}, // --label finds them inside the parents
		{"bad", []string{"testdata/stats/bad.csv"}},
		{"bad-json", []string{"--format", "json", "testdata/stats/bad.csv"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(append([]string{"stats"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			ext := "txt"
			for i, a := range tc.args {
				if (a == "--format" || a == "-f") && i+1 < len(tc.args) {
					ext = tc.args[i+1]
				}
			}
			statsGolden(t, tc.name, ext, stdout)
			statsGolden(t, tc.name, "stderr", stderr)
		})
	}
}

func TestStatsExitCodes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		msg  string // regexp that stderr must match
	}{
		{"missing file", []string{"stats", "testdata/stats/no-such.jtl"}, 1, `no-such\.jtl.*(no such file|not exist)`},
		{"unknown flag", []string{"stats", "--nosuch", "testdata/stats/agents.csv"}, 2, `nosuch`},
		{"bad format", []string{"stats", "--format", "xml", "testdata/stats/agents.csv"}, 2, `--format: want text, json or csv, got "xml"`},
		{"bad regexp", []string{"stats", "--label", "(", "testdata/stats/agents.csv"}, 2, `--label: "\(" is not a valid regular expression`},
		{"bare number", []string{"stats", "--from", "30", "testdata/stats/agents.csv"}, 2, `--from: "30": give an offset with a unit`},
		{"not a time", []string{"stats", "--to", "yesterday", "testdata/stats/agents.csv"}, 2, `--to: "yesterday" is not a time`},
		{"negative offset", []string{"stats", "--from", "-5s", "testdata/stats/agents.csv"}, 2, `cannot be negative`},
		{"to before from", []string{"stats", "--from", "1m", "--to", "30s", "testdata/stats/agents.csv"}, 2, `--to 30s is not after --from 1m`},
		{"flag after files", []string{"stats", "testdata/stats/agents.csv", "--format", "json"}, 2, `"--format" comes after the file names`},
		{"no files", []string{"stats"}, 2, `no result files given`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if !regexp.MustCompile(tc.msg).MatchString(stderr) {
				t.Errorf("stderr does not match %q:\n%s", tc.msg, stderr)
			}
			if tc.code != 0 && stdout != "" {
				t.Errorf("a failed run printed a report:\n%s", stdout)
			}
		})
	}
}

// refRow is the reference computation of one report row.
type refRow struct {
	samples, errors, bytes, sent int64
	first, end                   int64
	elapsed                      []float64
	codes                        map[string]int64
}

func (r *refRow) add(ts, el int64, code string, ok bool, by, sby int64) {
	if r.codes == nil {
		r.codes = map[string]int64{}
		r.first, r.end = ts, ts+el
	}
	r.samples++
	if !ok {
		r.errors++
	}
	r.bytes += by
	r.sent += sby
	r.first = min(r.first, ts)
	r.end = max(r.end, ts+el)
	r.elapsed = append(r.elapsed, float64(el))
	r.codes[code]++
}

// referenceStats recomputes the report of a header-ful CSV file in the
// simplest possible way (all values kept and sorted), applying the rules
// stats documents: transaction parents are recognised by their
// responseMessage, sub-results by the label "<previous parent label>-<n>",
// and both are left out of the total.
func referenceStats(t *testing.T, path string) (map[string]*refRow, []string, *refRow) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	num := func(rec []string, name string) int64 {
		n, err := strconv.ParseInt(rec[col[name]], 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return n
	}
	rows := map[string]*refRow{}
	var order []string
	total := &refRow{}
	parent := ""
	subRe := regexp.MustCompile(`^(.*)-\d+$`)
	for _, rec := range recs[1:] {
		label := rec[col["label"]]
		tx := strings.HasPrefix(rec[col["responseMessage"]], "Number of samples in transaction")
		m := subRe.FindStringSubmatch(label)
		sub := m != nil && m[1] == parent
		if !sub {
			parent = label
		}
		if rows[label] == nil {
			rows[label] = &refRow{}
			order = append(order, label)
		}
		ts, el := num(rec, "timeStamp"), num(rec, "elapsed")
		code, ok := rec[col["responseCode"]], rec[col["success"]] == "true"
		by, sby := num(rec, "bytes"), num(rec, "sentBytes")
		rows[label].add(ts, el, code, ok, by, sby)
		if !tx && !sub {
			total.add(ts, el, code, ok, by, sby)
		}
	}
	return rows, order, total
}

// TestStatsMatchesReference checks the JSON report of the fixture against
// the reference computation, value by value.
func TestStatsMatchesReference(t *testing.T) {
	const path = "testdata/stats/agents.csv"
	stdout, stderr, code := runCLI("stats", "--format", "json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got statsOutput
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	ref, order, total := referenceStats(t, path)
	if len(got.Labels) != len(order) {
		t.Fatalf("%d labels, reference has %d", len(got.Labels), len(order))
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %v, reference %v", what, got, want)
		}
	}
	check := func(name string, g analysis.AggregateRow, r *refRow) {
		if g.Samples != r.samples || g.Errors != r.errors || g.ReceivedBytes != r.bytes || g.SentBytes != r.sent {
			t.Errorf("%s: samples/errors/bytes/sent %d/%d/%d/%d, reference %d/%d/%d/%d", name,
				g.Samples, g.Errors, g.ReceivedBytes, g.SentBytes, r.samples, r.errors, r.bytes, r.sent)
		}
		if len(g.Codes) != len(r.codes) {
			t.Errorf("%s: codes %v, reference %v", name, g.Codes, r.codes)
		}
		for c, n := range r.codes {
			if g.Code(c) != n {
				t.Errorf("%s: code %q count %d, reference %d", name, c, g.Code(c), n)
			}
		}
		span := float64(r.end-r.first) / 1000
		near(name+" span_s", g.SpanS, span, 1e-9)
		near(name+" throughput", g.ThroughputPerS, float64(r.samples)/span, 0.0005)
		near(name+" received KB/s", g.ReceivedKBPerS, float64(r.bytes)/1024/span, 0.0005)
		near(name+" error %", g.ErrorPct, 100*float64(r.errors)/float64(r.samples), 0.0005)
		sort.Float64s(r.elapsed)
		var sum float64
		for _, v := range r.elapsed {
			sum += v
		}
		near(name+" mean", g.MeanMs, sum/float64(len(r.elapsed)), 0.0005)
		near(name+" min", g.MinMs, r.elapsed[0], 0)
		near(name+" max", g.MaxMs, r.elapsed[len(r.elapsed)-1], 0)
		for _, p := range []struct {
			q   float64
			got float64
		}{{0.5, g.P50Ms}, {0.9, g.P90Ms}, {0.95, g.P95Ms}, {0.99, g.P99Ms}} {
			rank := max(1, int(math.Round(p.q*float64(len(r.elapsed)))))
			want := r.elapsed[rank-1]
			near(name+" p"+strconv.Itoa(int(100*p.q)), p.got, want, 0.01*want)
		}
	}
	for i, l := range order {
		if got.Labels[i].Label != l {
			t.Errorf("label %d is %q, reference %q (order of first appearance)", i, got.Labels[i].Label, l)
			continue
		}
		check(l, got.Labels[i], ref[l])
	}
	check("TOTAL", got.Total, total)
	kinds := map[string]string{}
	for _, r := range got.Labels {
		kinds[r.Label] = r.Kind
	}
	if kinds["agent login"] != analysis.KindTransaction || kinds["get agent script-0"] != analysis.KindSubResult || kinds["get token"] != analysis.KindSample {
		t.Errorf("kinds = %v", kinds)
	}
}

// TestStatsFilterWindow checks --from/--to against the rows of the fixture:
// offsets count from the first row's timestamp, and a row is kept when it
// starts in [from, to).
func TestStatsFilterWindow(t *testing.T) {
	const path = "testdata/stats/agents.csv"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	first, _ := strconv.ParseInt(recs[1][0], 10, 64)
	from, to := first+3000, first+7500
	want := 0
	for _, rec := range recs[1:] {
		ts, _ := strconv.ParseInt(rec[0], 10, 64)
		if ts >= from && ts < to && strings.HasPrefix(rec[2], "get token") {
			want++
		}
	}
	if want == 0 {
		t.Fatal("fixture has no get token rows in the window")
	}
	// The same window written three ways must select the same rows.
	for _, args := range [][]string{
		{"--from", "3s", "--to", "7.5s"},
		{"--from", strconv.FormatInt(from, 10), "--to", strconv.FormatInt(to, 10)},
		{"--from", "2024-06-10T06:13:23.110Z", "--to", "2024-06-10T06:13:27.610Z"},
	} {
		stdout, stderr, code := runCLI(append(append([]string{"stats", "-f", "json", "--label", "^get token$"}, args...), path)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var got statsOutput
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		if got.Rows != int64(want) || got.Total.Samples != int64(want) {
			t.Errorf("%v: kept %d rows (%d samples), want %d", args, got.Rows, got.Total.Samples, want)
		}
		if got.Filter == nil || got.Filter.FromMs == nil || *got.Filter.FromMs != from || *got.Filter.ToMs != to {
			t.Errorf("%v: resolved filter %+v, want from %d to %d", args, got.Filter, from, to)
		}
	}
}

// TestStatsTextTable checks the layout promises of the text table: aligned
// columns, a units row, a 429 column, TOTAL last.
func TestStatsTextTable(t *testing.T) {
	stdout, _, code := runCLI("stats", "testdata/stats/agents.csv")
	if code != 0 {
		t.Fatal("stats failed")
	}
	lines := strings.Split(stdout, "\n")
	var table []string
	for i, l := range lines {
		if strings.HasPrefix(l, "Label ") {
			for _, m := range lines[i:] {
				if m == "" {
					break
				}
				table = append(table, m)
			}
			break
		}
	}
	if len(table) < 4 {
		t.Fatalf("no table found:\n%s", stdout)
	}
	hdr := strings.Fields(table[0])
	if !contains(hdr, "429") || !contains(hdr, "p99") || !contains(hdr, "Throughput") {
		t.Errorf("header lacks 429, p99 or Throughput: %q", table[0])
	}
	if !strings.Contains(table[1], "/s") || !strings.Contains(table[1], "ms") || !strings.Contains(table[1], "KB/s") {
		t.Errorf("units row missing: %q", table[1])
	}
	if last := table[len(table)-1]; !strings.HasPrefix(last, "TOTAL ") {
		t.Errorf("last row is not TOTAL: %q", last)
	}
	// Right-aligned numeric columns: every data row ends at the same column.
	width := len(table[0])
	for _, l := range table[2:] {
		if strings.HasPrefix(l, "---") {
			continue
		}
		if len(l) != width {
			t.Errorf("row width %d, header %d: %q", len(l), width, l)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestParseTimeBound(t *testing.T) {
	cases := []struct {
		in     string
		offset bool
		ms     int64
	}{
		{"30s", true, 30000},
		{"2m", true, 120000},
		{"1h30m", true, 5400000},
		{"1.5s", true, 1500},
		{"0s", true, 0},
		{"1718000000000", false, 1718000000000},
		{"2024-06-10T06:13:20Z", false, 1718000000000},
		{"2024-06-10T08:13:20.250+02:00", false, 1718000000250},
	}
	for _, tc := range cases {
		b, err := parseTimeBound(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !b.set || b.offset != tc.offset || b.ms != tc.ms {
			t.Errorf("%q: got %+v, want offset=%v ms=%d", tc.in, b, tc.offset, tc.ms)
		}
	}
}

// FuzzParseTimeBound: any --from/--to text either parses to a set bound
// (an offset is never negative) or is an error that names the text.
func FuzzParseTimeBound(f *testing.F) {
	for _, s := range []string{"30s", "2m", "1h30m", "1718000000000", "2024-06-10T06:13:20Z", "30", "-5s", "yesterday", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseTimeBound(s)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(strings.TrimSpace(s))) {
				t.Errorf("%q: error does not quote the input: %v", s, err)
			}
			return
		}
		if strings.TrimSpace(s) == "" {
			if b.set {
				t.Errorf("empty input gave a set bound")
			}
			return
		}
		if !b.set || (b.offset && b.ms < 0) {
			t.Errorf("%q: bad bound %+v", s, b)
		}
	})
}

// fakeProgress is a Source that reports progress.
type fakeProgress struct {
	jtl.Source
	read, size int64
}

func (f *fakeProgress) BytesRead() int64 { return f.read }
func (f *fakeProgress) Size() int64      { return f.size }

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	src := &fakeProgress{read: 75 << 20, size: 100 << 20}
	if newProgressLine(src, &buf, "jmtune stats") != nil {
		t.Error("a progress line on a non-terminal")
	}
	// Drawn directly: the line and its erasure.
	pl := &progressLine{w: &buf, p: src, cmd: "jmtune stats", begin: time.Now().Add(-3 * time.Second)}
	pl.update(3_000_000)
	pl.done()
	want := "\rjmtune stats:  75%  75 of 100 MB  3.0 M rows  1.0 M rows/s \r\x1b[K"
	if got := buf.String(); got != want {
		t.Errorf("progress line %q, want %q", got, want)
	}
	// Within the first half second nothing is drawn.
	buf.Reset()
	pl = &progressLine{w: &buf, p: src, cmd: "jmtune stats", begin: time.Now()}
	pl.update(10)
	pl.done()
	if buf.Len() != 0 {
		t.Errorf("drawn too early: %q", buf.String())
	}
	var nilLine *progressLine
	nilLine.done() // no progress line: a no-op
}

// TestStatsOnScenarios runs stats on the real JMeter 2.13 runs in
// ../shared/scenarios: the counts must match what expected.json observed,
// and the CSV and XML results of the same run must give the same report.
func TestStatsOnScenarios(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "scenarios")
	paths, err := filepath.Glob(filepath.Join(dir, "*", "expected.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenarios in %s", dir)
	}
	for _, p := range paths {
		scen := filepath.Dir(p)
		t.Run(filepath.Base(scen), func(t *testing.T) {
			var exp struct {
				Observed struct {
					Rows      int64 `json:"rows"`
					GetRows   int64 `json:"get_rows"`
					Throttled int64 `json:"throttled"`
				} `json:"observed"`
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &exp); err != nil {
				t.Fatal(err)
			}
			report := func(file string) statsOutput {
				t.Helper()
				stdout, stderr, code := runCLI("stats", "-f", "json", filepath.Join(scen, file))
				if code != 0 {
					t.Fatalf("%s: exit %d: %s", file, code, stderr)
				}
				var out statsOutput
				if err := json.Unmarshal([]byte(stdout), &out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			csvOut := report("results.csv")
			xmlName := "results.xml"
			if _, err := os.Stat(filepath.Join(scen, xmlName)); err != nil {
				xmlName += ".gz"
			}
			xmlOut := report(xmlName)
			for _, out := range []statsOutput{csvOut, xmlOut} {
				if out.Total.Samples != exp.Observed.Rows || out.Total.Code("429") != exp.Observed.Throttled {
					t.Errorf("%s: total %d samples, %d 429s; observed %d, %d", out.Inputs[0],
						out.Total.Samples, out.Total.Code("429"), exp.Observed.Rows, exp.Observed.Throttled)
				}
				var get int64
				for _, r := range out.Labels {
					if strings.HasPrefix(r.Label, "GET ") {
						get += r.Samples
					}
				}
				if get != exp.Observed.GetRows {
					t.Errorf("%s: %d GET samples, observed %d", out.Inputs[0], get, exp.Observed.GetRows)
				}
			}
			// Same run, two formats: every number must agree.
			if len(csvOut.Labels) != len(xmlOut.Labels) {
				t.Fatalf("CSV has %d labels, XML %d", len(csvOut.Labels), len(xmlOut.Labels))
			}
			rows := append(append([]analysis.AggregateRow(nil), csvOut.Labels...), csvOut.Total)
			xrows := append(append([]analysis.AggregateRow(nil), xmlOut.Labels...), xmlOut.Total)
			for i := range rows {
				c, x := rows[i], xrows[i]
				c.Hist, x.Hist = nil, nil
				cj, _ := json.Marshal(c)
				xj, _ := json.Marshal(x)
				if string(cj) != string(xj) {
					t.Errorf("CSV and XML reports differ:\n%s\n%s", cj, xj)
				}
			}
		})
	}
}
