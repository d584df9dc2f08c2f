// Command gen writes the seed case that jmtune demo embeds: seed-plan.jmx, a
// JMeter 5.6 plan of the contact-centre agents, and seed-run.csv.gz, the
// results of that plan played by the simulator against the seed API's
// limiter (fixed window of 1500 requests per 15 s shared by the
// organisation, Retry-After to the window's end). The plan and the
// simulated load come from the same constants below, so they match.
//
// Run it through go generate in internal/demodata (it writes into the
// current directory):
//
//	go generate ./internal/demodata
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"jmtune/internal/limiter"
	"jmtune/internal/sim"
	"jmtune/jtl"
)

// The seed case. Changing a value here changes both files.
const (
	host        = "api.contact-centre.example"
	threads     = 200
	rampUpS     = 60
	durationS   = 240
	thinkMs     = 280 // Uniform Random Timer: 280 ms + U(0, 100 ms)
	thinkRangeM = 100
	retries     = 3    // exponential back-off: 1 s, 2 s, 4 s, ignoring Retry-After
	backoffMs   = 1000 // first back-off
	loginLabel  = "POST /oauth/token"
	scriptLabel = "GET agent script"
	limit       = 1500
	window      = 15 * time.Second
	phase       = 6400 * time.Millisecond // windows start 6.4 s after the test start (+ k × 15 s)
	seed        = 2026
)

func main() {
	dir := flag.String("o", ".", "output `directory`")
	flag.Parse()
	if err := writePlan(filepath.Join(*dir, "seed-plan.jmx")); err != nil {
		fail(err)
	}
	n, size, err := writeRun(filepath.Join(*dir, "seed-run.csv.gz"))
	if err != nil {
		fail(err)
	}
	fmt.Printf("gen: wrote seed-plan.jmx and seed-run.csv.gz (%d samples, %d bytes compressed)\n", n, size)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "gen: %v\n", err)
	os.Exit(1)
}

// config is the simulation of the plan against the seed API.
func config() sim.Config {
	login := sim.Sampler{Label: loginLabel, Method: "POST", Path: "/oauth/token",
		Service: sim.Lognormal(35*time.Millisecond, 0.3), Bytes: 412}
	script := sim.Sampler{Label: scriptLabel, Method: "GET", Path: "/api/v2/scripts/{id}", Limited: true,
		Service: sim.Lognormal(120*time.Millisecond, 0.4), Bytes: 3356,
		Think: []sim.Timer{sim.UniformTimer(thinkMs*time.Millisecond, thinkRangeM*time.Millisecond)}}
	return sim.Config{
		Seed: seed,
		Groups: []sim.Group{{
			Name: "Agents", Threads: threads, RampUp: rampUpS * time.Second, Loops: -1, Duration: durationS * time.Second,
			Once: []sim.Sampler{login}, Samplers: []sim.Sampler{script},
			Retry: sim.Retry{Policy: sim.RetryExponential, MaxAttempts: retries + 1, Base: backoffMs * time.Millisecond,
				Cap: backoffMs * time.Millisecond << (retries - 1), Codes: []int{429}},
		}},
		Server: sim.Server{
			Levels: []limiter.Level{{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: limit, Window: window, Phase: phase},
				Scope: limiter.ScopeShared}},
			Responder: limiter.Responder{RetryAfter: limiter.RetryAfter{Mode: limiter.RetryAfterReset}},
			Host:      host,
		},
		Network: sim.Network{OneWay: 25 * time.Millisecond, Jitter: 15 * time.Millisecond},
		Output:  sim.Output{Variables: []string{jtl.VarRetryAfter}, NoHeaders: true},
	}
}

// writeRun simulates the seed case and writes its results as JMeter 5.6
// CSV, gzip-compressed (no name or time in the gzip header, so the same
// inputs give the same bytes).
func writeRun(name string) (samples, size int, err error) {
	run, err := sim.Simulate(config())
	if err != nil {
		return 0, 0, err
	}
	var csv bytes.Buffer
	cw := jtl.NewCSVWriter(&csv, jtl.CSV5x(jtl.VarRetryAfter))
	// The simulator draws a script id for every attempt; the plan keeps the
	// call's id across its retries. So a retry (the next sample of a thread
	// after a 429, while attempts remain) gets the URL of the request it
	// retries.
	type thread struct {
		url      string
		attempts int
		throttle bool
	}
	threads := map[string]*thread{}
	var s jtl.Sample
	for i := 0; i < run.Len(); i++ {
		run.Sample(i, &s)
		s.URL = strings.Replace(s.URL, "http://", "https://", 1) // the plan's protocol
		if s.Label == scriptLabel {
			th := threads[s.ThreadName]
			if th == nil {
				th = &thread{}
				threads[s.ThreadName] = th
			}
			if th.throttle && th.attempts <= retries {
				s.URL = th.url
				th.attempts++
			} else {
				th.attempts = 1
			}
			th.url, th.throttle = s.URL, s.ResponseCode == "429"
		}
		if err := cw.Write(&s); err != nil {
			return 0, 0, err
		}
	}
	if err := cw.Flush(); err != nil {
		return 0, 0, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(csv.Bytes())
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	return run.Len(), gz.Len(), os.WriteFile(name, gz.Bytes(), 0o644)
}

func writePlan(name string) error {
	var b bytes.Buffer
	err := planTemplate.Execute(&b, map[string]any{
		"Host": host, "Threads": threads, "RampUp": rampUpS, "Duration": durationS,
		"Think": thinkMs, "ThinkRange": thinkRangeM, "Retries": retries, "BackoffMs": backoffMs,
		"Login": loginLabel, "Script": scriptLabel,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

// planTemplate is the seed plan as JMeter 5.6 saves it.
var planTemplate = template.Must(template.New("plan").Delims("[[", "]]").Parse(`<?xml version="1.0" encoding="UTF-8"?>
<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.6.3">
  <hashTree>
    <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="Agent desktop: log in, load call scripts">
      <stringProp name="TestPlan.comments">[[.Threads]] contact-centre agents log in once, then load the agent script of each call. A 429 is retried after 1 s, 2 s, 4 s.</stringProp>
      <boolProp name="TestPlan.functional_mode">false</boolProp>
      <boolProp name="TestPlan.serialize_threadgroups">false</boolProp>
      <elementProp name="TestPlan.user_defined_variables" elementType="Arguments" guiclass="ArgumentsPanel" testclass="Arguments" testname="User Defined Variables">
        <collectionProp name="Arguments.arguments"/>
      </elementProp>
    </TestPlan>
    <hashTree>
      <ConfigTestElement guiclass="HttpDefaultsGui" testclass="ConfigTestElement" testname="Contact centre API">
        <stringProp name="HTTPSampler.domain">[[.Host]]</stringProp>
        <stringProp name="HTTPSampler.protocol">https</stringProp>
        <stringProp name="HTTPSampler.implementation">HttpClient4</stringProp>
        <stringProp name="HTTPSampler.connect_timeout">5000</stringProp>
        <stringProp name="HTTPSampler.response_timeout">30000</stringProp>
        <elementProp name="HTTPsampler.Arguments" elementType="Arguments" guiclass="HTTPArgumentsPanel" testclass="Arguments" testname="User Defined Variables">
          <collectionProp name="Arguments.arguments"/>
        </elementProp>
      </ConfigTestElement>
      <hashTree/>
      <HeaderManager guiclass="HeaderPanel" testclass="HeaderManager" testname="Accept JSON">
        <collectionProp name="HeaderManager.headers">
          <elementProp name="" elementType="Header">
            <stringProp name="Header.name">Accept</stringProp>
            <stringProp name="Header.value">application/json</stringProp>
          </elementProp>
        </collectionProp>
      </HeaderManager>
      <hashTree/>
      <ThreadGroup guiclass="ThreadGroupGui" testclass="ThreadGroup" testname="Agents">
        <intProp name="ThreadGroup.num_threads">[[.Threads]]</intProp>
        <intProp name="ThreadGroup.ramp_time">[[.RampUp]]</intProp>
        <longProp name="ThreadGroup.duration">[[.Duration]]</longProp>
        <longProp name="ThreadGroup.delay">0</longProp>
        <boolProp name="ThreadGroup.same_user_on_next_iteration">true</boolProp>
        <boolProp name="ThreadGroup.scheduler">true</boolProp>
        <stringProp name="ThreadGroup.on_sample_error">continue</stringProp>
        <elementProp name="ThreadGroup.main_controller" elementType="LoopController" guiclass="LoopControlPanel" testclass="LoopController" testname="Loop Controller">
          <intProp name="LoopController.loops">-1</intProp>
          <boolProp name="LoopController.continue_forever">false</boolProp>
        </elementProp>
      </ThreadGroup>
      <hashTree>
        <OnceOnlyController guiclass="OnceOnlyControllerGui" testclass="OnceOnlyController" testname="Log in once"/>
        <hashTree>
          <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="[[.Login]]">
            <stringProp name="HTTPSampler.path">/oauth/token</stringProp>
            <boolProp name="HTTPSampler.follow_redirects">false</boolProp>
            <stringProp name="HTTPSampler.method">POST</stringProp>
            <boolProp name="HTTPSampler.use_keepalive">true</boolProp>
            <boolProp name="HTTPSampler.postBodyRaw">false</boolProp>
            <elementProp name="HTTPsampler.Arguments" elementType="Arguments" guiclass="HTTPArgumentsPanel" testclass="Arguments" testname="User Defined Variables">
              <collectionProp name="Arguments.arguments">
                <elementProp name="grant_type" elementType="HTTPArgument">
                  <boolProp name="HTTPArgument.always_encode">false</boolProp>
                  <stringProp name="Argument.value">client_credentials</stringProp>
                  <stringProp name="Argument.metadata">=</stringProp>
                  <boolProp name="HTTPArgument.use_equals">true</boolProp>
                  <stringProp name="Argument.name">grant_type</stringProp>
                </elementProp>
                <elementProp name="client_id" elementType="HTTPArgument">
                  <boolProp name="HTTPArgument.always_encode">false</boolProp>
                  <stringProp name="Argument.value">agent-${__threadNum}</stringProp>
                  <stringProp name="Argument.metadata">=</stringProp>
                  <boolProp name="HTTPArgument.use_equals">true</boolProp>
                  <stringProp name="Argument.name">client_id</stringProp>
                </elementProp>
                <elementProp name="client_secret" elementType="HTTPArgument">
                  <boolProp name="HTTPArgument.always_encode">true</boolProp>
                  <stringProp name="Argument.value">${__P(clientSecret,)}</stringProp>
                  <stringProp name="Argument.metadata">=</stringProp>
                  <boolProp name="HTTPArgument.use_equals">true</boolProp>
                  <stringProp name="Argument.name">client_secret</stringProp>
                </elementProp>
              </collectionProp>
            </elementProp>
          </HTTPSamplerProxy>
          <hashTree>
            <JSONPostProcessor guiclass="JSONPostProcessorGui" testclass="JSONPostProcessor" testname="access token">
              <stringProp name="JSONPostProcessor.referenceNames">token</stringProp>
              <stringProp name="JSONPostProcessor.jsonPathExprs">$.access_token</stringProp>
              <stringProp name="JSONPostProcessor.match_numbers">1</stringProp>
              <stringProp name="JSONPostProcessor.defaultValues">NOT_LOGGED_IN</stringProp>
            </JSONPostProcessor>
            <hashTree/>
          </hashTree>
        </hashTree>
        <TestAction guiclass="TestActionGui" testclass="TestAction" testname="Agent takes a call">
          <intProp name="ActionProcessor.action">1</intProp>
          <intProp name="ActionProcessor.target">0</intProp>
          <stringProp name="ActionProcessor.duration">0</stringProp>
        </TestAction>
        <hashTree>
          <UniformRandomTimer guiclass="UniformRandomTimerGui" testclass="UniformRandomTimer" testname="call set-up time">
            <stringProp name="ConstantTimer.delay">[[.Think]]</stringProp>
            <stringProp name="RandomTimer.range">[[.ThinkRange]]</stringProp>
          </UniformRandomTimer>
          <hashTree/>
          <JSR223PreProcessor guiclass="TestBeanGUI" testclass="JSR223PreProcessor" testname="pick the call's script">
            <stringProp name="scriptLanguage">groovy</stringProp>
            <stringProp name="parameters"></stringProp>
            <stringProp name="filename"></stringProp>
            <stringProp name="cacheKey">true</stringProp>
            <stringProp name="script">vars.put('scriptId', String.valueOf(1 + new Random().nextInt(50)))
vars.put('attempt', '0')
vars.put('loadScript', 'true')
vars.put('backoffMs', '0')</stringProp>
          </JSR223PreProcessor>
          <hashTree/>
        </hashTree>
        <WhileController guiclass="WhileControllerGui" testclass="WhileController" testname="until the script is loaded">
          <stringProp name="WhileController.condition">${loadScript}</stringProp>
        </WhileController>
        <hashTree>
          <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="[[.Script]]">
            <stringProp name="HTTPSampler.path">/api/v2/scripts/${scriptId}</stringProp>
            <boolProp name="HTTPSampler.follow_redirects">true</boolProp>
            <stringProp name="HTTPSampler.method">GET</stringProp>
            <boolProp name="HTTPSampler.use_keepalive">true</boolProp>
            <boolProp name="HTTPSampler.postBodyRaw">false</boolProp>
            <elementProp name="HTTPsampler.Arguments" elementType="Arguments" guiclass="HTTPArgumentsPanel" testclass="Arguments" testname="User Defined Variables">
              <collectionProp name="Arguments.arguments"/>
            </elementProp>
          </HTTPSamplerProxy>
          <hashTree>
            <HeaderManager guiclass="HeaderPanel" testclass="HeaderManager" testname="bearer token">
              <collectionProp name="HeaderManager.headers">
                <elementProp name="" elementType="Header">
                  <stringProp name="Header.name">Authorization</stringProp>
                  <stringProp name="Header.value">Bearer ${token}</stringProp>
                </elementProp>
              </collectionProp>
            </HeaderManager>
            <hashTree/>
            <ConstantTimer guiclass="ConstantTimerGui" testclass="ConstantTimer" testname="back-off">
              <stringProp name="ConstantTimer.delay">${backoffMs}</stringProp>
            </ConstantTimer>
            <hashTree/>
            <JSR223PostProcessor guiclass="TestBeanGUI" testclass="JSR223PostProcessor" testname="retry a 429 with exponential back-off">
              <stringProp name="scriptLanguage">groovy</stringProp>
              <stringProp name="parameters">[[.Retries]] [[.BackoffMs]]</stringProp>
              <stringProp name="filename"></stringProp>
              <stringProp name="cacheKey">true</stringProp>
              <stringProp name="script">// Keep Retry-After for the results file (sample_variables=retryAfter); the back-off does not use it.
def ra = (prev.getResponseHeaders() ?: '') =~ /(?im)^retry-after:[ \t]*(\S+)/
vars.put('retryAfter', ra.find() ? ra.group(1) : '')
int attempt = (vars.get('attempt') as int) + 1
vars.put('attempt', String.valueOf(attempt))
int maxRetries = args[0] as int
long firstMs = args[1] as long
if (prev.getResponseCode() == '429' &amp;&amp; attempt &lt;= maxRetries) {
    vars.put('loadScript', 'true')
    vars.put('backoffMs', String.valueOf(firstMs &lt;&lt; (attempt - 1)))
} else {
    vars.put('loadScript', 'false')
    vars.put('backoffMs', '0')
}</stringProp>
            </JSR223PostProcessor>
            <hashTree/>
          </hashTree>
        </hashTree>
      </hashTree>
    </hashTree>
  </hashTree>
</jmeterTestPlan>
`))
