package tune

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"jmtune/jmx"
	"jmtune/jtl"
)

// capturedHeaders maps the sample variables jmtune fills (jtl.Var*) to the
// response headers they hold, first match wins.
var capturedHeaders = []struct {
	Var     string
	Headers []string
}{
	{jtl.VarRetryAfter, []string{"retry-after"}},
	{jtl.VarRLLimit, []string{"x-ratelimit-limit", "x-rate-limit-limit", "ratelimit-limit", "inin-ratelimit-allowed"}},
	{jtl.VarRLRemaining, []string{"x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining"}},
	{jtl.VarRLReset, []string{"x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset", "inin-ratelimit-reset"}},
	{jtl.VarRLPolicy, []string{"ratelimit-policy"}},
	{jtl.VarRateLimit, []string{"ratelimit"}},
	{jtl.VarDate, []string{"date"}},
}

// SampleVariables returns the sample_variables value for the captured
// headers.
func SampleVariables() string {
	var names []string
	for _, h := range capturedHeaders {
		names = append(names, h.Var)
	}
	return strings.Join(names, ",")
}

// captureScript is the Groovy script of the plan-level header capture. It
// sets every variable, to "" when the header is absent, so that no sample
// row carries a value left over from an earlier response. (A Regular
// Expression Extractor would do on 5.x, but JMeter 2.13 ignores an empty
// default and keeps stale values.)
func captureScript() string {
	var b strings.Builder
	b.WriteString("// jmtune: copy rate-limit response headers into variables for sample_variables.\n")
	b.WriteString("String h = prev.getResponseHeaders() ?: ''\n")
	b.WriteString("def header = { String re -> def m = h =~ re; m.find() ? m.group(1).trim() : '' }\n")
	for _, c := range capturedHeaders {
		fmt.Fprintf(&b, "vars.put('%s', header(/(?im)^(?:%s):[ \\t]*([^\\r\\n]*)/))\n", c.Var, strings.Join(c.Headers, "|"))
	}
	return b.String()
}

// cacheKey returns a JSR223 cache key unique to script: JMeter 2.13 caches
// compiled scripts under this key (an empty key recompiles every time), 4.0
// and later cache unless it is "false".
func cacheKey(role, script string) string {
	sum := sha256.Sum256([]byte(script))
	return "jmtune-" + role + "-" + hex.EncodeToString(sum[:6])
}

// jsr223 returns a JSR223 element running a Groovy script.
func (t *tuner) jsr223(testclass, name string, m mark, what, params, script string) *jmx.Element {
	return jmx.NewElement(testclass, "TestBeanGUI", testclass, name,
		jmx.StringProp("scriptLanguage", "groovy"),
		jmx.StringProp("parameters", params),
		jmx.StringProp("filename", ""),
		jmx.StringProp("cacheKey", cacheKey(m.role, script)),
		jmx.StringProp("script", script),
		t.markProp(m, what),
	)
}

// capture adds (or updates) the plan-level header capture.
func (t *tuner) capture() {
	tp := t.p.TestPlan()
	m := mark{role: RoleCapture}
	want := t.jsr223("JSR223PostProcessor", NamePrefix+"capture rate-limit headers", m,
		"Copies Retry-After, rate-limit and Date response headers into sample variables.", "", captureScript())
	el, action := t.syncChild(tp, m, want, 0)
	if action != "" {
		t.note(action, "JSR223 PostProcessor capturing Retry-After, X-RateLimit-*/RateLimit-*/inin-ratelimit-* and Date into "+SampleVariables(),
			el.Path(), "at plan level it runs after every sampler, so each result row carries its own response's rate-limit headers (empty when absent); run JMeter with the user.properties snippet so that CSV results keep them")
	}
}

// UserProperties returns the user.properties snippet written beside the
// tuned plan (as <plan>.user.properties).
func UserProperties(plan, version string) string {
	base := filepath.Base(plan)
	lines := []string{
		fmt.Sprintf("# Written by jmtune %s for %s.", version, base),
		"# Run the tuned plan with it so that the CSV results carry what jmtune analyze needs:",
		fmt.Sprintf("#   jmeter -n -t %s -q %s.user.properties -l rerun.csv", base, base),
		"# (a new results file: JMeter appends to an existing one, and the analysis would take two runs for one).",
		"# (JMeter 2.13 and 5.x; -q adds these properties after jmeter.properties and user.properties).",
		"sample_variables=" + SampleVariables(),
		"jmeter.save.saveservice.output_format=csv",
		"jmeter.save.saveservice.print_field_names=true",
		"jmeter.save.saveservice.timestamp_format=ms",
		"jmeter.save.saveservice.time=true",
		"jmeter.save.saveservice.label=true",
		"jmeter.save.saveservice.response_code=true",
		"jmeter.save.saveservice.response_message=true",
		"jmeter.save.saveservice.successful=true",
		"jmeter.save.saveservice.thread_name=true",
		"jmeter.save.saveservice.thread_counts=true",
		"jmeter.save.saveservice.latency=true",
		"jmeter.save.saveservice.connect_time=true",
		"jmeter.save.saveservice.bytes=true",
		"jmeter.save.saveservice.sent_bytes=true",
		"jmeter.save.saveservice.url=true",
		"jmeter.save.saveservice.idle_time=true",
		"jmeter.save.saveservice.hostname=true",
		"jmeter.save.saveservice.assertion_results_failure_message=true",
		"sampleresult.timestamp.start=true",
	}
	return strings.Join(lines, "\n") + "\n"
}
