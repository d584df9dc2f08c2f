package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jmtune/analysis"
	"jmtune/internal/limiter"
	"jmtune/internal/sim"
	"jmtune/internal/testenv"
)

// checkRunCSV is a 60 s run whose statistics are known by construction
// (TestCheckFixture writes it with -update and otherwise checks that the
// committed file still is what checkRunRows describes):
//
//   - "GET script": 600 samples, one every 100 ms from 2026-11-26T19:00:00Z;
//     sample i takes 10 + i%100 ms (every value 10..109 ms 6 times), runs on
//     thread "Agents 1-(i%4+1)"; samples i = 200, 205, ..., 395 (40, all in
//     the second 20 s window) are 429s, the rest 200s.
//   - "POST /oauth/token": 4 samples of 200 ms at +50 ms, +1050, +2050,
//     +3050 on "Agents 1-9"; the third is a 500.
//
// Rows are in end-time order, as JMeter writes them.
const checkRunCSV = "testdata/check/run.csv"

// checkT0 is 2026-11-26T19:00:00Z in epoch ms.
const checkT0 = int64(1795719600000)

// checkRunRows returns the CSV of checkRunCSV.
func checkRunRows() string {
	type row struct {
		start, elapsed int64
		label, code    string
		thread         string
	}
	var rows []row
	for i := int64(0); i < 600; i++ {
		r := row{checkT0 + i*100, 10 + i%100, "GET script", "200", fmt.Sprintf("Agents 1-%d", i%4+1)}
		if i >= 200 && i < 400 && i%5 == 0 {
			r.code = "429"
		}
		rows = append(rows, r)
	}
	for j := int64(0); j < 4; j++ {
		r := row{checkT0 + 50 + j*1000, 200, "POST /oauth/token", "200", "Agents 1-9"}
		if j == 2 {
			r.code = "500"
		}
		rows = append(rows, r)
	}
	// Stable insertion sort by end time.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].start+rows[j].elapsed < rows[j-1].start+rows[j-1].elapsed; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	var b strings.Builder
	b.WriteString("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n")
	msg := map[string]string{"200": "OK", "429": "Too Many Requests", "500": "Internal Server Error"}
	for _, r := range rows {
		ok := r.code == "200"
		url := "http://api.example.test/api/v2/scripts/7"
		if r.label != "GET script" {
			url = "http://api.example.test/oauth/token"
		}
		fmt.Fprintf(&b, "%d,%d,%s,%s,%s,%s,text,%v,,3356,180,5,5,%s,%d,0,0\n",
			r.start, r.elapsed, r.label, r.code, msg[r.code], r.thread, ok, url, r.elapsed/2)
	}
	return b.String()
}

func TestCheckFixture(t *testing.T) {
	want := checkRunRows()
	if *update {
		if err := os.WriteFile(checkRunCSV, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(checkRunCSV)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is not what checkRunRows describes; run go test -run TestCheckFixture -update", checkRunCSV)
	}
}

// checkGolden compares got with testdata/check/<name> (see compareGolden).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	compareGolden(t, filepath.Join("testdata", "check", name), got)
}

// TestCheckCriteria checks every subject on the fixture run, through the
// CLI. The expected values follow from how the run is built (see
// checkRunCSV): GET elapsed times 10..109 ms 6 times each give, by JMeter's
// nearest rank round(q*600), p50 = 59, p90 = 99, p95 = 104, p99 = 108 ms
// and avg 59.5 ms; 40 of its 600 samples are 429s; with the 4 POSTs
// (one 500) the run has 604 samples and 41 errors.
func TestCheckCriteria(t *testing.T) {
	tests := []struct {
		crit string
		want string // "PASS" or "FAIL", then the measured value as printed
	}{
		{`samples > 600`, "PASS 604"},
		{`samples of "GET script" >= 601`, "FAIL 600"},
		{`samples of POST* <= 4`, "PASS 4"},
		{`rc429 <= 40`, "PASS 40"},
		{`rc429 < 40`, "FAIL 40"},
		{`rc429 < 6.7%`, "PASS 6.62%"},                 // 40/604
		{`rc429 of "GET script" < 6.6%`, "FAIL 6.67%"}, // 40/600
		{`rc4xx <= 40`, "PASS 40"},
		{`rc4?? <= 40`, "PASS 40"},
		{`rc5xx < 1`, "FAIL 1"},
		{`rc50x of POST* <= 25%`, "PASS 25%"},
		{`rc2xx >= 563`, "PASS 563"}, // 560 GET + 3 POST
		{`errors <= 41`, "PASS 41"},
		{`errors < 6.5%`, "FAIL 6.79%"}, // 41/604
		{`p50 of "GET script" <= 59ms`, "PASS 59ms"},
		{`p90 of "GET script" < 99ms`, "FAIL 99ms"},
		{`p95 of "GET script" <= 104ms`, "PASS 104ms"},
		{`p99 of "GET script" < 0.108s`, "FAIL 0.108s"},
		{`avg of "GET script" < 60ms`, "PASS 59.5ms"},
		{`avg of POST* < 0.2s`, "FAIL 0.2s"},
		// 600 samples from the first start to the last end, 59.9 s + 109 ms.
		{`throughput of "GET script" >= 10/s`, "FAIL 10/s"}, // 9.9985 printed as 10
		{`throughput of "GET script" > 599/min`, "PASS 599.9/min"},
		// 20 s windows from the first sample: 3 full ones; window 2
		// (19:00:20Z) holds all 40 429s among its 200 GET samples: 20%.
		{`rc429 of "GET script" < 10% for 20s`, "FAIL worst 20%"},
		{`throughput of "GET script" >= 10/s for 20s`, "PASS worst 10/s"},
		{`p95 of "GET script" < 200ms for 20s`, "PASS worst 104ms"},
	}
	for _, tt := range tests {
		t.Run(tt.crit, func(t *testing.T) {
			stdout, stderr, code := runCLI("check", "-l", checkRunCSV, "-c", tt.crit)
			status, _, _ := strings.Cut(tt.want, " ")
			wantCode := map[string]int{"PASS": 0, "FAIL": 3}[status]
			if code != wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, wantCode, stdout, stderr)
			}
			want := fmt.Sprintf("%-6s  %s: %s", status, tt.crit, strings.TrimPrefix(tt.want, status+" "))
			if !strings.Contains(stdout, want+" (") {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		})
	}
}

func TestCheckGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"criteria.txt", []string{"-l", checkRunCSV, "--criteria", "testdata/check/gate.txt", "-c", `p95 of "GET scirpt" < 300ms`}},
		{"criteria.json", []string{"-l", checkRunCSV, "--criteria", "testdata/check/gate.txt", "--format", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(append([]string{"check"}, tt.args...)...)
			if code != 3 {
				t.Errorf("exit %d, want 3 (a criterion fails)\n%s", code, stderr)
			}
			checkGolden(t, tt.name, stdout)
		})
	}
}

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, []byte(strings.SplitAfter(checkRunRows(), "\n")[0]), 0o644)
	badCrit := filepath.Join(dir, "bad.txt")
	os.WriteFile(badCrit, []byte("# gate\nrc429 < 1%\np95 <> 300ms\n"), 0o644)
	commentsOnly := filepath.Join(dir, "none.txt")
	os.WriteFile(commentsOnly, []byte("# nothing yet\n\n"), 0o644)
	notAnalysis := filepath.Join(dir, "x.json")
	os.WriteFile(notAnalysis, []byte(`{"hello": 1}`), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string // substrings of standard error
	}{
		{"pass", []string{"-l", checkRunCSV, "-c", "rc429 <= 40", "-c", "p95 < 1s"}, 0, nil},
		{"file names after the flags", []string{"-c", "samples > 0", checkRunCSV}, 0, nil},
		{"fail", []string{"-l", checkRunCSV, "-c", "rc429 < 1"}, 3, []string{"check failed: 1 of 1 did not pass"}},
		{"no data fails", []string{"-l", checkRunCSV, "-c", `p95 of nothing* < 1s`}, 3, []string{"check failed"}},
		{"comma inside a criterion", []string{"-l", checkRunCSV, "-c", `samples of "a,b" > 0`}, 3, []string{"check failed"}},
		{"bad expression", []string{"-l", checkRunCSV, "-c", "p95 <> 300ms"}, 2,
			[]string{"jmtune: criterion 1: expected a number after \"<\", found '>'\n    p95 <> 300ms\n         ^\n"}},
		{"two bad expressions", []string{"-l", checkRunCSV, "-c", "p95 < 1s", "-c", "p95 < 300", "-c", "foo > 1"}, 2,
			[]string{"criterion 2: expected a time unit", "criterion 3: unknown subject \"foo\""}},
		{"bad criteria file", []string{"-l", checkRunCSV, "--criteria", badCrit}, 2, []string{badCrit + ":3: expected a number"}},
		{"empty criteria file", []string{"-l", checkRunCSV, "--criteria", commentsOnly}, 2, []string{"no criteria in the file"}},
		{"missing criteria file", []string{"-l", checkRunCSV, "--criteria", filepath.Join(dir, "nope.txt")}, 1, []string{"--criteria", "nope.txt"}},
		{"no results", []string{"-c", "p95 < 1s"}, 2, []string{"no result files"}},
		{"nothing to check", []string{"-l", checkRunCSV}, 2, []string{"nothing to check"}},
		{"bad format", []string{"-l", checkRunCSV, "-c", "p95 < 1s", "--format", "xml"}, 2, []string{"--format"}},
		{"bad percentage", []string{"-l", checkRunCSV, "--against", "testdata/check/analysis-fixed-400-per-20s.json", "--max-429", "lots"}, 2, []string{"--max-429"}},
		{"missing results file", []string{"-l", filepath.Join(dir, "nope.jtl"), "-c", "p95 < 1s"}, 1, []string{"nope.jtl"}},
		{"no samples", []string{"-l", empty, "-c", "samples > 0"}, 1, []string{"no samples"}},
		{"not an analysis", []string{"-l", checkRunCSV, "--against", notAnalysis}, 1, []string{"not the JSON of jmtune analyze"}},
		{"junit into a missing directory", []string{"-l", checkRunCSV, "-c", "p95 < 1s", "--junit", filepath.Join(dir, "no", "junit.xml")}, 1, []string{"--junit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(append([]string{"check"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
}

// junitReport is the shape Jenkins' junit step and GitLab's JUnit report
// parser read.
type junitReport struct {
	XMLName xml.Name `xml:"testsuites"`
	Suites  []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Errors   int     `xml:"errors,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r junitReport
	if err := xml.Unmarshal(data, &r); err != nil {
		t.Fatalf("JUnit file does not parse: %v\n%s", err, data)
	}
	if len(r.Suites) != 1 {
		t.Fatalf("%d test suites, want 1", len(r.Suites))
	}
	return r
}

func TestCheckJUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "TEST-jmtune.xml")
	_, stderr, code := runCLI("check", "-l", checkRunCSV, "--junit", path,
		"-c", "rc429 < 1%", "-c", `p95 of "GET script" <= 104ms`, "-c", `avg of nothing < 1s`)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
	r := readJUnit(t, path)
	s := r.Suites[0]
	// The run spans 2026-11-26T19:00:00Z to the last end, 59.9 s + 109 ms.
	if s.Name != "jmtune check" || s.Tests != 3 || s.Failures != 1 || s.Errors != 1 || s.Skipped != 0 || s.Time != 60.009 {
		t.Errorf("suite: %+v", s)
	}
	c := s.Cases
	if c[0].Classname != "jmtune.check" || c[0].Name != "rc429 < 1%" || c[0].Failure == nil ||
		c[0].Failure.Message != "measured 6.62%, want rc429 < 1%" || c[0].Failure.Type != "threshold" ||
		!strings.Contains(c[0].Failure.Text, "40 of 604 samples had response code 429") {
		t.Errorf("failing case: %+v %+v", c[0], c[0].Failure)
	}
	if c[1].Name != `p95 of "GET script" <= 104ms` || c[1].Failure != nil || c[1].Error != nil {
		t.Errorf("passing case: %+v", c[1])
	}
	if c[2].Error == nil || c[2].Error.Type != "nodata" || !strings.Contains(c[2].Error.Message, `no sample label matches nothing`) {
		t.Errorf("no-data case: %+v", c[2])
	}
}

// simRerun simulates a rerun against the fixed window of
// testdata/check/analysis-fixed-400-per-20s.json (400 per 20 s on wall-clock
// multiples of 20 s, Retry-After to the window end) and writes it as CSV.
func simRerun(t *testing.T, name string, g sim.Group) string {
	t.Helper()
	g.Name = "Agents"
	g.Loops = -1
	g.Once = []sim.Sampler{{Label: "POST /oauth/token", Method: "POST", Path: "/oauth/token", Service: sim.Lognormal(30*time.Millisecond, 0.3), Bytes: 193}}
	g.Samplers = []sim.Sampler{{Label: "GET script", Method: "GET", Path: "/api/v2/scripts/{id}", Limited: true,
		Service: sim.Lognormal(120*time.Millisecond, 0.3), Bytes: 3356, Think: g.Samplers[0].Think}}
	cfg := sim.Config{Seed: 11, StartUnixMs: checkT0 + 3456, Groups: []sim.Group{g},
		Server: sim.Server{Levels: []limiter.Level{{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 400,
			Window: 20 * time.Second, Align: limiter.AlignClock}}},
			Responder: limiter.Responder{RetryAfter: limiter.RetryAfter{Mode: limiter.RetryAfterReset}}},
		Network: sim.Network{OneWay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond},
		Output:  sim.Output{Variables: []string{"retryAfter"}, NoHeaders: true}}
	r, err := sim.Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteCSV(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// verifyReport runs check --against in JSON and returns the exit code and
// the verify checks by ID.
func verifyReport(t *testing.T, jtlPath, junitPath string) (int, map[string]map[string]any) {
	t.Helper()
	stdout, stderr, code := runCLI("check", "-l", jtlPath, "--against", "testdata/check/analysis-fixed-400-per-20s.json",
		"--format", "json", "--junit", junitPath)
	var rep struct {
		Passed bool `json:"passed"`
		Verify struct {
			Promise string           `json:"promise"`
			Checks  []map[string]any `json:"checks"`
		} `json:"verify"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON output: %v\n%s\n%s", err, stdout, stderr)
	}
	if rep.Verify.Promise != "fixed-window 400 per 20s, shared (very-strong); target 17/s; limited: GET script" {
		t.Errorf("promise %q", rep.Verify.Promise)
	}
	if rep.Passed != (code == 0) {
		t.Errorf("passed=%v with exit %d", rep.Passed, code)
	}
	checks := map[string]map[string]any{}
	for _, c := range rep.Verify.Checks {
		checks[c["id"].(string)] = c
		t.Logf("%v %v: %v %v", c["status"], c["title"], c["summary"], c["evidence"])
	}
	return code, checks
}

func TestCheckVerifyGoodRerun(t *testing.T) {
	// The tuned plan: 22 threads paced together at 1020/min (17/s) by a
	// shared Constant Throughput Timer, Retry-After honoured with jitter.
	g := sim.Group{Threads: 22, RampUp: 2 * time.Second, Duration: 120 * time.Second,
		Timers:   []sim.Timer{sim.ConstantThroughputTimer(1020, 4)},
		Retry:    sim.Retry{Policy: sim.RetryHonour, Jitter: time.Second, LabelRetries: true},
		Samplers: []sim.Sampler{{}}}
	path := simRerun(t, "good.csv", g)
	junitPath := filepath.Join(t.TempDir(), "junit.xml")
	code, checks := verifyReport(t, path, junitPath)
	if code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	for _, id := range []string{"throttled-share", "throughput", "limit", "retry-after", "latency-trend"} {
		if checks[id]["status"] != "pass" {
			t.Errorf("%s: %v (%v)", id, checks[id]["status"], checks[id]["summary"])
		}
	}
	// 17/s is 340 per 20 s window; a timer never lets 400 through.
	if m := checks["limit"]["measured"].(float64); m < 300 || m > 380 {
		t.Errorf("busiest window %v requests, want about 340", m)
	}
	r := readJUnit(t, junitPath)
	if s := r.Suites[0]; s.Tests != 5 || s.Failures != 0 || s.Errors != 0 {
		t.Errorf("JUnit suite %+v", s)
	}
}

func TestCheckVerifyBadRerun(t *testing.T) {
	// The untuned plan: 50 threads with ~1 s think time offer about 45/s
	// against 20/s; plain exponential backoff (1, 2, 4 s) ignores
	// Retry-After, which runs up to 20 s.
	g := sim.Group{Threads: 50, RampUp: 20 * time.Second, Duration: 120 * time.Second,
		Retry:    sim.Retry{Policy: sim.RetryExponential, Base: time.Second, LabelRetries: true},
		Samplers: []sim.Sampler{{Think: []sim.Timer{sim.UniformTimer(900*time.Millisecond, 200*time.Millisecond)}}}}
	path := simRerun(t, "bad.csv", g)
	junitPath := filepath.Join(t.TempDir(), "junit.xml")
	code, checks := verifyReport(t, path, junitPath)
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	for _, id := range []string{"throttled-share", "limit", "retry-after"} {
		if checks[id]["status"] != "fail" {
			t.Errorf("%s: %v (%v)", id, checks[id]["status"], checks[id]["summary"])
		}
	}
	if m := checks["limit"]["measured"].(float64); m <= 400 {
		t.Errorf("busiest window %v requests: the plan sends far more than 400", m)
	}
	// The analysis' phase is right (windows on multiples of 20 s): the
	// server's acceptances fit it once the network delay is allowed for.
	if ev := fmt.Sprint(checks["limit"]["evidence"]); strings.Contains(ev, "does not fit") || !strings.Contains(ev, "accepted: busiest window") {
		t.Errorf("the right phase was not used: %s", ev)
	}
	if ev := fmt.Sprint(checks["retry-after"]["evidence"]); !strings.Contains(ev, "(retry 1)") {
		t.Errorf("retry evidence does not show a labelled retry: %s", ev)
	}
	r := readJUnit(t, junitPath)
	s := r.Suites[0]
	if s.Tests != 5 || s.Failures < 3 {
		t.Errorf("JUnit suite %+v", s)
	}
	for _, c := range s.Cases {
		if c.Classname != "jmtune.verify" {
			t.Errorf("classname %q", c.Classname)
		}
		if c.Name == "no retry before its Retry-After" && (c.Failure == nil || c.Failure.Type != "retry-after") {
			t.Errorf("retry case %+v", c)
		}
	}
}

// TestCheckScenarios runs check on the real JMeter runs of ../shared/scenarios,
// CSV and XML, and compares with what the scenario generator measured
// itself (expected.json "observed": rows, GET rows, 429s) and with the
// server's true limiter (truth.json, expected.json "limit"): the server
// respected its limit, so the accepted requests conform to it at the true
// window phase; the plan (no pacing, a new GET right after a 429) sent far
// more than the limit and never waited for Retry-After.
func TestCheckScenarios(t *testing.T) {
	shared := testenv.Shared(t)
	for _, name := range []string{"P1-fixed-400-per-20s", "P2-token-30ps-b30", "P3-per-user-fixed-20-per-5s"} {
		dir := filepath.Join(shared, "scenarios", name)
		var exp struct {
			Limit struct {
				Algorithm string   `json:"algorithm"`
				Scope     string   `json:"scope"`
				RatePerS  *float64 `json:"rate_per_s"`
				Limit     *float64 `json:"limit"`
				WindowS   *float64 `json:"window_s"`
				Burst     *float64 `json:"burst"`
			} `json:"limit"`
			Observed struct {
				Rows      int `json:"rows"`
				GetRows   int `json:"get_rows"`
				Throttled int `json:"throttled"`
			} `json:"observed"`
		}
		var truth struct {
			StartUnixMs int64 `json:"start_unix_ms"`
		}
		for file, v := range map[string]any{"expected.json": &exp, "truth.json": &truth} {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, v); err != nil {
				t.Fatalf("%s/%s: %v", name, file, err)
			}
		}
		// The analysis a correct inference gives: the true limiter, windows
		// aligned to the server start, and a target of 0.85 x its rate.
		prev := analysis.Result{SchemaVersion: analysis.SchemaVersion}
		prev.Limit = analysis.Limit{Detected: true, Algorithm: exp.Limit.Algorithm, Scope: exp.Limit.Scope,
			Labels: []string{"GET script"}, RatePerS: exp.Limit.RatePerS, Limit: exp.Limit.Limit,
			WindowS: exp.Limit.WindowS, Burst: exp.Limit.Burst, Confidence: analysis.ConfVeryStrong}
		if w := exp.Limit.WindowS; w != nil {
			phase := math.Mod(float64(truth.StartUnixMs)/1000, *w)
			prev.Limit.PhaseS = &phase
		}
		prev.Recommendation = analysis.Recommendation{TargetRatePerS: 0.85 * *exp.Limit.RatePerS, Scope: exp.Limit.Scope}
		data, _ := json.Marshal(prev)
		against := filepath.Join(t.TempDir(), name+".json")
		if err := os.WriteFile(against, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"results.csv", "results.xml"} {
			path := filepath.Join(dir, file)
			if _, err := os.Stat(path); err != nil {
				path += ".gz"
			}
			t.Run(name+"/"+file, func(t *testing.T) {
				o := exp.Observed
				stdout, stderr, code := runCLI("check", "-l", path,
					"-c", fmt.Sprintf("samples >= %d", o.Rows), "-c", fmt.Sprintf("samples <= %d", o.Rows),
					"-c", fmt.Sprintf(`samples of "GET script" >= %d`, o.GetRows), "-c", fmt.Sprintf(`samples of "GET script" <= %d`, o.GetRows),
					"-c", fmt.Sprintf("rc429 >= %d", o.Throttled), "-c", fmt.Sprintf("rc429 <= %d", o.Throttled))
				if code != 0 {
					t.Errorf("criteria from expected.json observed: exit %d\n%s%s", code, stdout, stderr)
				}
				_, checks := verifyAgainst(t, path, against)
				for _, id := range []string{"throttled-share", "limit", "retry-after"} {
					if checks[id]["status"] != "fail" {
						t.Errorf("%s: %v, want fail (%v)", id, checks[id]["status"], checks[id]["summary"])
					}
				}
				ev := fmt.Sprint(checks["limit"]["evidence"])
				if strings.Contains(ev, "does not fit") || strings.Contains(ev, "more than the inferred limit") || !strings.Contains(ev, "accepted: ") {
					t.Errorf("the server respected its limit, so the accepted requests must conform to it: %s", ev)
				}
			})
		}
	}
}

// verifyAgainst runs check --against in JSON and returns the exit code and
// the verify checks by ID.
func verifyAgainst(t *testing.T, jtlPath, against string) (int, map[string]map[string]any) {
	t.Helper()
	stdout, stderr, code := runCLI("check", "-l", jtlPath, "--against", against, "--format", "json")
	var rep struct {
		Verify struct {
			Checks []map[string]any `json:"checks"`
		} `json:"verify"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON output: %v\n%s\n%s", err, stdout, stderr)
	}
	checks := map[string]map[string]any{}
	for _, c := range rep.Verify.Checks {
		checks[c["id"].(string)] = c
		t.Logf("%v %v: %v %v", c["status"], c["title"], c["summary"], c["evidence"])
	}
	return code, checks
}
