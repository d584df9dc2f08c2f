package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/internal/atomicfile"
	"jmtune/internal/limiter"
	"jmtune/internal/sim"
	"jmtune/jmx"
	"jmtune/jtl"
)

const simulateDescription = `Predicts the results of a plan before running it: plays the plan's thread
groups (threads, ramp-up, loops or duration, timers, think times, Once Only
logins, the retry loop jmtune tune writes) in virtual time against the limit
an analysis found, and writes the JMeter results the run would give:

  jmtune simulate -t tuned.jmx --analysis analysis.json -o predicted.jtl
  jmtune simulate -t tuned.jmx --analysis analysis.json -o predicted.xml --format xml
  jmtune simulate -t plan.jmx --analysis analysis.json -o predicted.csv -J threads=50 --duration 120

Then show the prediction next to the run it was made from:
  jmtune report -l before.jtl --predicted predicted.jtl -t tuned.jmx -o report
(or let report simulate the plan itself: jmtune report -l before.jtl -t tuned.jmx -o report).

The server model is the analysis's limit (algorithm, parameters, scope,
Retry-After), response times follow a lognormal fitted to the run's mean and
p90 of accepted samples, with 5 ms ± 2 ms one-way network delay. The result
is deterministic for a --seed. The output is written atomically and never
overwrites a file unless --force.`

// simulateCommand returns the "simulate" command.
func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:        "simulate",
		Usage:       "predict a plan's results against the inferred limit (virtual time, seconds for a 10-minute test)",
		UsageText:   "jmtune simulate -t plan.jmx --analysis analysis.json -o predicted.jtl [--format csv|csv213|xml] [--seed N] [--duration S] [-J name=value]",
		Description: simulateDescription,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "plan", Aliases: []string{"t"}, Usage: "the JMeter test plan `FILE` (.jmx) to play"},
			&cli.StringFlag{Name: "analysis", Usage: "analysis `FILE` written by jmtune analyze --format json (the limit and response times)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the predicted results to `FILE` (atomically)"},
			&cli.StringFlag{Name: "format", Value: "csv", Usage: "result `FORMAT`: csv (JMeter 5.x columns with a header), csv213 (JMeter 2.13 default, no header) or xml (with response headers)"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random `SEED`: the same seed gives the same results"},
			&cli.Float64Flag{Name: "duration", Usage: "run every thread group for `SECONDS` (from the test start), overriding the plan's loops and duration"},
			&cli.StringSliceFlag{Name: "jmeter-property", Aliases: []string{"J"}, Usage: "JMeter property `name=value` for ${__P(name,default)} in the plan"},
			&cli.StringSliceFlag{Name: "addprop", Aliases: []string{"q"}, Usage: "JMeter properties `FILE` (like jmeter -q) for ${__P(name,default)}; -J wins"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing output file"},
		},
		Action: simulateAction,
	}
}

func simulateAction(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usageErrorf("simulate: unexpected argument %q (name the plan with -t and the analysis with --analysis)", c.Args().First())
	}
	planFile, anaFile, out := c.String("plan"), c.String("analysis"), c.String("output")
	switch {
	case planFile == "":
		return usageErrorf("simulate: name the plan with -t plan.jmx")
	case anaFile == "":
		return usageErrorf("simulate: name the analysis with --analysis analysis.json (from jmtune analyze --format json)")
	case out == "":
		return usageErrorf("simulate: name the output with -o predicted.jtl")
	}
	format := c.String("format")
	if format != "csv" && format != "csv213" && format != "xml" {
		return usageErrorf("simulate: --format: want csv, csv213 or xml, got %q", format)
	}
	props := map[string]string{}
	for _, f := range c.StringSlice("addprop") {
		if err := readPropsFile(f, props); err != nil {
			return err
		}
	}
	for _, kv := range c.StringSlice("jmeter-property") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return usageErrorf("simulate: -J %q: want name=value", kv)
		}
		props[strings.TrimSpace(k)] = v
	}
	dur := c.Float64("duration")
	if dur < 0 {
		return usageErrorf("simulate: --duration must be positive, got %g", dur)
	}
	if !c.Bool("force") {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("simulate: %s already exists; pass --force to overwrite it, or choose another -o", out)
		}
	}
	if same, _ := sameFile(out, planFile); same {
		return usageErrorf("simulate: -o %s is the plan", out)
	}
	res, err := readSimAnalysis(anaFile)
	if err != nil {
		return err
	}
	p, err := jmx.Load(planFile)
	if err != nil {
		return err
	}
	cfg, notes, err := planToSim(p, res, simOptions{Props: props, Duration: time.Duration(dur * float64(time.Second)), Seed: c.Uint64("seed")})
	if err != nil {
		return err
	}
	run, err := sim.Simulate(cfg)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	write := run.WriteCSV
	switch format {
	case "csv213":
		write = run.WriteCSV213
	case "xml":
		write = run.WriteXML
	}
	if err := atomicfile.Write(out, 0o644, write); err != nil {
		return fmt.Errorf("simulate: writing %s: %w", out, err)
	}
	printSimulation(c.App.Writer, cfg, run, notes)
	fmt.Fprintf(c.App.Writer, "wrote %s (%s, %d samples)\n", out, format, run.Len())
	return nil
}

// readSimAnalysis reads the analysis JSON file of simulate --analysis.
func readSimAnalysis(name string) (*analysis.Result, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var res analysis.Result
	if err := json.Unmarshal(b, &res); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + strings.Count(string(b[:min(int(se.Offset), len(b))]), "\n")
			return nil, fmt.Errorf("%s:%d: not an analysis JSON file: %v (write one with jmtune analyze --format json)", name, line, err)
		}
		return nil, fmt.Errorf("%s: not an analysis JSON file: %v (write one with jmtune analyze --format json)", name, err)
	}
	if res.SchemaVersion == 0 {
		return nil, fmt.Errorf("%s: no schema_version: not written by jmtune analyze --format json", name)
	}
	if res.SchemaVersion > analysis.SchemaVersion {
		return nil, fmt.Errorf("%s: schema version %d is newer than this jmtune understands (%d); upgrade jmtune", name, res.SchemaVersion, analysis.SchemaVersion)
	}
	return &res, nil
}

// readPropsFile adds the key=value (or key: value) lines of a Java
// properties file to props; # and ! start comments.
func readPropsFile(name string, props map[string]string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("simulate: -q: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			props[line] = ""
			continue
		}
		props[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	return sc.Err()
}

// simOptions adjust the translation of a plan.
type simOptions struct {
	Props    map[string]string // JMeter properties for ${__P(name,default)}
	Duration time.Duration     // overrides every group's loops and duration when > 0
	Seed     uint64
}

// Network assumptions of a prediction: the analysis does not measure the
// network, so a LAN-like path is assumed and taken out of response times.
const (
	simOneWay = 5 * time.Millisecond
	simJitter = 2 * time.Millisecond
)

// planToSim translates a plan and an analysis into a simulation. notes say
// what was approximated or left out.
func planToSim(p *jmx.Plan, res *analysis.Result, o simOptions) (sim.Config, []string, error) {
	cfg := sim.Config{Seed: o.Seed, StartUnixMs: res.Run.StartMs,
		Network: sim.Network{OneWay: simOneWay, Jitter: simJitter}}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	t := &planTranslator{p: p, res: res, o: o, service: serviceDist(res.Run)}
	var err error
	if cfg.Server, err = serverFromAnalysis(res); err != nil {
		return cfg, nil, err
	}
	if !res.Limit.Detected {
		t.note("the analysis found no limit: the prediction has no throttling")
	}
	t.limited = map[string]bool{}
	for _, l := range res.Limit.Labels {
		t.limited[l] = true
	}
	for _, tg := range p.ThreadGroups() {
		if !tg.Active() {
			continue
		}
		g, ok, err := t.group(tg)
		if err != nil {
			return cfg, nil, err
		}
		if ok {
			cfg.Groups = append(cfg.Groups, g)
		}
	}
	if len(cfg.Groups) == 0 {
		return cfg, nil, fmt.Errorf("%s: no enabled thread group with HTTP samplers to simulate", p.File)
	}
	return cfg, t.notes, nil
}

// planTranslator walks a plan into sim groups.
type planTranslator struct {
	p       *jmx.Plan
	res     *analysis.Result
	o       simOptions
	service sim.Dist
	limited map[string]bool // throttled labels of the analysis (empty: every non-login HTTP sampler)
	notes   []string
	noted   map[string]bool
}

func (t *planTranslator) note(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	if t.noted == nil {
		t.noted = map[string]bool{}
	}
	if !t.noted[s] {
		t.noted[s] = true
		t.notes = append(t.notes, s)
	}
}

// num resolves a property value (${__P(name,default)} with -J overrides)
// to a number.
func (t *planTranslator) num(v jmx.Value) (float64, bool) {
	s := strings.TrimSpace(v.Resolve(t.o.Props))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// group translates one thread group; ok is false when it is left out.
func (t *planTranslator) group(tg *jmx.ThreadGroup) (sim.Group, bool, error) {
	g := sim.Group{Name: tg.Name(), Loops: -1}
	where := fmt.Sprintf("%s:%d: thread group %q", t.p.File, tg.Line(), tg.Name())
	switch tg.Type() {
	case jmx.GroupStandard:
		n, ok := t.num(tg.Prop(jmx.PropNumThreads))
		if !ok || n < 1 {
			return g, false, fmt.Errorf("%s: the number of threads %q is not a number (set it with -J)", where, tg.PropString(jmx.PropNumThreads))
		}
		g.Threads = int(n)
		if v := tg.Prop(jmx.PropRampTime); v.Set {
			r, ok := t.num(v)
			if !ok {
				return g, false, fmt.Errorf("%s: the ramp-up %q is not a number (set it with -J)", where, v.Raw)
			}
			g.RampUp = seconds(r)
		}
		loops := int64(-1)
		if main := tg.ElementProp(jmx.PropMainCtl); main != nil {
			if v := jmx.PropValue(main, jmx.PropLoops); v.Set {
				l, ok := t.num(v)
				if !ok {
					return g, false, fmt.Errorf("%s: the loop count %q is not a number (set it with -J)", where, v.Raw)
				}
				loops = int64(l)
			}
			if jmx.PropValue(main, "LoopController.continue_forever").Bool(false) && loops < 0 {
				loops = -1
			}
		}
		if loops == 0 || loops < -1 {
			loops = -1
		}
		g.Loops = int(loops)
		if tg.Scheduler() {
			if d, ok := t.num(tg.Prop(jmx.PropDuration)); ok && d > 0 {
				g.Duration = seconds(d)
			}
			if d, ok := t.num(tg.Prop(jmx.PropDelay)); ok && d > 0 {
				g.Delay = seconds(d)
			}
		}
	case jmx.GroupConcurrency:
		n, ok := tg.Threads()
		ramp, ok2 := tg.RampUpS()
		dur, ok3 := tg.DurationS()
		if !ok || !ok2 || !ok3 || n < 1 {
			return g, false, fmt.Errorf("%s: the Concurrency Thread Group's target, ramp-up or hold is not a number", where)
		}
		g.Threads, g.RampUp, g.Duration = n, seconds(ramp), seconds(dur)
		if steps, _ := tg.Steps(); steps > 0 {
			t.note("%s: ramp-up steps are simulated as a smooth ramp", where)
		}
	case jmx.GroupSetup, jmx.GroupTeardown:
		t.note("%s: %v left out (it runs before or after the load)", where, tg.Type())
		return g, false, nil
	default:
		t.note("%s: %v is not simulated", where, tg.Type())
		return g, false, nil
	}
	if t.o.Duration > 0 {
		g.Duration, g.Loops = t.o.Duration, -1
	}
	if g.Loops == -1 && g.Duration == 0 {
		return g, false, usageErrorf("simulate: %s loops forever without a scheduler duration: give --duration SECONDS", where)
	}
	w := &groupWalker{t: t}
	w.walk(tg.Children(), false)
	if len(w.pending) > 0 && len(w.main) > 0 {
		// A pause at the end of the iteration comes before the next one's
		// first sampler.
		w.main[0].Think = append(w.main[0].Think, w.pending...)
	}
	g.Once, g.Samplers = w.once, w.main
	if len(g.Samplers) == 0 && len(g.Once) == 0 {
		t.note("%s: no HTTP sampler, left out", where)
		return g, false, nil
	}
	if len(g.Samplers) == 0 {
		g.Loops, g.Duration = 1, 0
	}
	return g, true, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// groupWalker collects the samplers of one thread group in execution order.
type groupWalker struct {
	t       *planTranslator
	once    []sim.Sampler
	main    []sim.Sampler
	pending []sim.Timer // think time of Flow Control Actions before the next sampler
}

// jmtuneMark matches the comment jmtune tune writes on its elements.
var jmtuneMark = regexp.MustCompile(`Managed by jmtune \(role: ([a-z-]+)`)

// role returns the jmtune role of e ("" for the plan's own elements).
func role(e *jmx.Element) string {
	if !strings.HasPrefix(e.Name(), "jmtune: ") {
		return ""
	}
	if m := jmtuneMark.FindStringSubmatch(e.PropString("TestPlan.comments")); m != nil {
		return m[1]
	}
	return ""
}

func (w *groupWalker) walk(es []*jmx.Element, once bool) {
	for _, e := range es {
		if !e.Enabled() {
			continue
		}
		switch e.Kind() {
		case jmx.KindController:
			w.controller(e, once)
		case jmx.KindSampler:
			w.sampler(e, once)
		}
	}
}

func (w *groupWalker) controller(e *jmx.Element, once bool) {
	switch r := role(e); {
	case r == "retry-pause":
		return // the back-off pause is part of the retry policy
	case r == "retry-loop" || r == "cache-once":
		w.walk(e.Children(), once || r == "cache-once")
		return
	}
	switch e.TestClass() {
	case "OnceOnlyController":
		w.walk(e.Children(), true)
	case "LoopController":
		n, ok := w.t.num(e.Prop(jmx.PropLoops))
		if !ok || n < 1 || n > 100 {
			w.t.note("%s: loop controller %q simulated as one pass", w.t.p.File, e.Name())
			n = 1
		}
		for i := 0; i < int(n); i++ {
			w.walk(e.Children(), once)
		}
	case "TransactionController", "GenericController", "RecordingController", "RecordController":
		w.walk(e.Children(), once)
	default:
		w.t.note("%s:%d: %s %q simulated as running its children once per pass", w.t.p.File, e.Line(), e.TestClass(), e.Name())
		w.walk(e.Children(), once)
	}
}

func (w *groupWalker) sampler(e *jmx.Element, once bool) {
	t := w.t
	if e.TestClass() == "TestAction" {
		if a, ok := t.num(e.Prop("ActionProcessor.action")); ok && a != 1 {
			t.note("%s:%d: Flow Control Action %q (not a pause) left out", t.p.File, e.Line(), e.Name())
			return
		}
		if d, ok := t.num(e.Prop("ActionProcessor.duration")); ok && d > 0 {
			w.pending = append(w.pending, sim.ConstantTimer(time.Duration(d*float64(time.Millisecond))))
		}
		w.pending = append(w.pending, w.timers(e)...)
		return
	}
	if !e.IsHTTPSampler() {
		t.note("%s:%d: %s %q is not an HTTP request: left out", t.p.File, e.Line(), e.TestClass(), e.Name())
		return
	}
	s := sim.Sampler{Label: e.Name(), Method: strings.ToUpper(e.PropString("HTTPSampler.method")),
		Path: simPath(e.PropString("HTTPSampler.path")), Service: t.service, Think: w.pending, Timers: w.timers(e)}
	if s.Method == "" {
		s.Method = "GET"
	}
	w.pending = nil
	if len(t.limited) > 0 {
		s.Limited = t.limited[s.Label]
	} else {
		s.Limited = !once
	}
	if r, ok := w.retryOf(e); ok {
		s.Retry = &r
	}
	if once {
		w.once = append(w.once, s)
	} else {
		w.main = append(w.main, s)
	}
}

// jmeterExpr matches a JMeter expression such as ${__Random(1,50)}.
var jmeterExpr = regexp.MustCompile(`\$\{[^}]*\}`)

// simPath turns an HTTP sampler path into a URL path for the results: the
// first ${...} becomes a random id, the others "x".
func simPath(p string) string {
	if p == "" {
		return "/"
	}
	first := true
	return jmeterExpr.ReplaceAllStringFunc(p, func(string) string {
		if first {
			first = false
			return "{id}"
		}
		return "x"
	})
}

// timers translates the timers whose scope covers sampler e.
func (w *groupWalker) timers(e *jmx.Element) []sim.Timer {
	t := w.t
	var out []sim.Timer
	for _, x := range e.InScope(jmx.KindTimer) {
		ms := func(name string) (time.Duration, bool) {
			v, ok := t.num(x.Prop(name))
			return time.Duration(v * float64(time.Millisecond)), ok
		}
		switch x.TestClass() {
		case "ConstantTimer":
			if d, ok := ms("ConstantTimer.delay"); ok {
				out = append(out, sim.ConstantTimer(d))
				continue
			}
		case "UniformRandomTimer":
			d, ok1 := ms("ConstantTimer.delay")
			r, ok2 := ms("RandomTimer.range")
			if ok1 && ok2 {
				out = append(out, sim.UniformTimer(d, r))
				continue
			}
		case "GaussianRandomTimer":
			d, ok1 := ms("ConstantTimer.delay")
			r, ok2 := ms("RandomTimer.range")
			if ok1 && ok2 {
				out = append(out, sim.GaussianTimer(d, r))
				continue
			}
		case "PoissonRandomTimer":
			d, ok1 := ms("ConstantTimer.delay")
			r, ok2 := ms("RandomTimer.range")
			if ok1 && ok2 {
				out = append(out, sim.UniformTimer(d, 2*r))
				t.note("%s:%d: Poisson Random Timer %q simulated as uniform with the same mean", t.p.File, x.Line(), x.Name())
				continue
			}
		}
		if tt := x.AsThroughputTimer(); tt != nil {
			switch {
			case tt.IsConstant():
				if pm, ok := t.num(tt.Prop("throughput")); ok && pm > 0 {
					out = append(out, sim.ConstantThroughputTimer(pm, tt.CalcMode()))
					continue
				}
			case tt.IsPrecise():
				tp, period, ok := tt.PreciseRate()
				if v := tt.Prop("throughput"); v.Set {
					tp, ok = t.num(v)
				}
				if ok && tp > 0 && period > 0 {
					out = append(out, sim.PreciseThroughputTimer(tp, seconds(period)))
					continue
				}
			case tt.IsShaping():
				var steps []sim.ShapingStep
				good := true
				for _, r := range tt.ShapingRows() {
					good = good && r.OK && r.DurationS > 0
					steps = append(steps, sim.ShapingStep{From: r.StartRPS, To: r.EndRPS, Duration: seconds(r.DurationS)})
				}
				if good && len(steps) > 0 {
					out = append(out, sim.Timer{Kind: sim.TimerShaping, Schedule: steps})
					continue
				}
			}
		}
		t.note("%s:%d: timer %s %q not simulated (unknown type or a value that is not a number)", t.p.File, x.Line(), x.TestClass(), x.Name())
	}
	return out
}

// retryOf returns the retry policy of a sampler inside a jmtune retry loop,
// read from its decide PostProcessor's parameters: key maxAttempts baseMs
// capMs jitterMs budgetShare maxWaitMs.
func (w *groupWalker) retryOf(e *jmx.Element) (sim.Retry, bool) {
	if e.Parent == nil || role(e.Parent) != "retry-loop" {
		return sim.Retry{}, false
	}
	for _, c := range e.Children() {
		if role(c) != "retry-decide" || !c.Enabled() {
			continue
		}
		f := strings.Fields(c.PropString("parameters"))
		if len(f) < 7 {
			break
		}
		var n [6]float64
		ok := true
		for i := range n {
			v, err := strconv.ParseFloat(f[i+1], 64)
			ok = ok && err == nil
			n[i] = v
		}
		if !ok {
			break
		}
		ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
		return sim.Retry{Policy: sim.RetryHonour, MaxAttempts: int(n[0]), Base: ms(n[1]), Cap: ms(n[2]),
			Jitter: ms(n[3]), BudgetShare: n[4], MaxWait: ms(n[5]), LabelRetries: true}, true
	}
	w.t.note("%s:%d: jmtune retry loop around %q without a readable decide script: retries not simulated", w.t.p.File, e.Line(), e.Name())
	return sim.Retry{}, false
}

// serviceDist fits a lognormal service time to the run's mean and p90
// response times of accepted samples, less the assumed network round trip.
func serviceDist(rs analysis.RunStats) sim.Dist {
	rtt := 2 * simOneWay.Seconds()
	mean, p90 := rs.ResponseMeanS-rtt, rs.ResponseP90S-rtt
	if mean <= 0.001 {
		return sim.Lognormal(100*time.Millisecond, 0.4)
	}
	sigma := 0.4
	if p90 > mean {
		// ln(p90/mean) = 1.2816 s - s²/2: the smaller root.
		k := math.Log(p90 / mean)
		const z = 1.2815516
		if d := z*z - 2*k; d >= 0 {
			sigma = z - math.Sqrt(d)
		} else {
			sigma = z
		}
	}
	median := mean / math.Exp(sigma*sigma/2)
	return sim.Lognormal(seconds(median), sigma)
}

// serverFromAnalysis builds the server model from the analysis's limit.
func serverFromAnalysis(res *analysis.Result) (sim.Server, error) {
	var srv sim.Server
	ra := res.RetryAfter
	switch {
	case ra.Semantics == analysis.RASemAbsent || (!ra.Present && res.Limit.Detected):
		srv.Responder.RetryAfter = limiter.RetryAfter{Mode: limiter.RetryAfterAbsent}
	case ra.HTTPDate:
		srv.Responder.RetryAfter = limiter.RetryAfter{Mode: limiter.RetryAfterDate}
	case ra.Semantics == analysis.RASemConstant && ra.MedianS != nil:
		srv.Responder.RetryAfter = limiter.RetryAfter{Mode: limiter.RetryAfterFixed, Fixed: int(math.Round(*ra.MedianS))}
	}
	for _, f := range res.Headers.Families {
		switch strings.ToLower(f) {
		case "x-ratelimit", "x-rate-limit":
			srv.Responder.Family = limiter.FamilyXRateLimit
		case "ratelimit", "ietf":
			srv.Responder.Family = limiter.FamilyIETF
		case "inin":
			srv.Responder.Family = limiter.FamilyInin
		}
	}
	l := res.Limit
	if !l.Detected {
		return srv, nil
	}
	need := func(name string, v *float64) (float64, error) {
		if v == nil || *v <= 0 {
			return 0, fmt.Errorf("simulate: the analysis's %s limit has no %s: nothing to simulate against", l.Algorithm, name)
		}
		return *v, nil
	}
	var c limiter.Config
	var err error
	var limit, window, rate, burst, conc float64
	switch l.Algorithm {
	case analysis.AlgoFixedWindow, analysis.AlgoSlidingWindow:
		c.Algorithm = limiter.FixedWindow
		if l.Algorithm == analysis.AlgoSlidingWindow {
			c.Algorithm = limiter.SlidingLog
			if l.Variant == "counter" {
				c.Algorithm = limiter.SlidingCounter
			}
		}
		if limit, err = need("limit", l.Limit); err != nil {
			return srv, err
		}
		if window, err = need("window", l.WindowS); err != nil {
			return srv, err
		}
		c.Limit, c.Window = int(math.Round(limit)), seconds(window)
		if l.PhaseS != nil && c.Algorithm != limiter.SlidingLog {
			// Boundaries at phase + k*window epoch seconds, anchored at the
			// run's start (the simulation's start) so that a window length
			// known to a few ms does not drift over 1.8e9 s of epoch.
			start := float64(res.Run.StartMs) / 1000
			ph := math.Mod(*l.PhaseS-math.Mod(start, window), window)
			if ph < 0 {
				ph += window
			}
			c.Align, c.Origin, c.Phase = limiter.AlignStart, res.Run.StartMs*1e6, seconds(ph)
		}
	case analysis.AlgoTokenBucket, analysis.AlgoLeakyQueue:
		c.Algorithm = limiter.TokenBucket
		if l.Algorithm == analysis.AlgoLeakyQueue {
			c.Algorithm = limiter.LeakyQueue
		}
		if rate, err = need("rate", l.RatePerS); err != nil {
			return srv, err
		}
		burst = 1
		if l.Burst != nil && *l.Burst > 0 {
			burst = *l.Burst
		}
		c.Rate, c.Burst = rate, int(math.Round(burst))
	case analysis.AlgoConcurrency:
		c.Algorithm = limiter.Concurrency
		if conc, err = need("concurrency", l.Concurrency); err != nil {
			return srv, err
		}
		c.Concurrency = int(math.Round(conc))
	default:
		return srv, fmt.Errorf("simulate: the analysis's limit algorithm %q cannot be simulated (fixed-window, sliding-window, token-bucket, leaky-queue or concurrency)", l.Algorithm)
	}
	scope := limiter.ScopeShared
	switch l.Scope {
	case analysis.ScopePerThread:
		scope = limiter.ScopeToken
	case analysis.ScopePerLabel:
		scope = limiter.ScopeLabel
	}
	srv.Levels = []limiter.Level{{Config: c, Scope: scope}}
	return srv, nil
}

// printSimulation prints what was simulated and the predicted outcome.
func printSimulation(w io.Writer, cfg sim.Config, run *sim.Run, notes []string) {
	for _, g := range cfg.Groups {
		length := fmt.Sprintf("%d loops", g.Loops)
		if g.Duration > 0 {
			length = fmt.Sprintf("%g s", g.Duration.Seconds())
		}
		fmt.Fprintf(w, "thread group %q: %d threads, ramp-up %g s, %s; samplers:", g.Name, g.Threads, g.RampUp.Seconds(), length)
		for _, s := range g.Once {
			fmt.Fprintf(w, " %q (once)", s.Label)
		}
		for _, s := range g.Samplers {
			lim := ""
			if s.Limited {
				lim = " (limited)"
			}
			fmt.Fprintf(w, " %q%s", s.Label, lim)
		}
		fmt.Fprintln(w)
		for _, s := range g.Samplers {
			if r := s.Retry; r != nil && r.Policy != sim.RetryNone {
				fmt.Fprintf(w, "  %q retries: %v, at most %d attempts, jitter %v, budget %g%% (+10)\n", s.Label, r.Policy, r.MaxAttempts, r.Jitter, r.BudgetShare*100)
			}
		}
	}
	if len(cfg.Server.Levels) == 0 {
		fmt.Fprintln(w, "server: no limit")
	}
	for _, lv := range cfg.Server.Levels {
		fmt.Fprintf(w, "server: %s; Retry-After %v\n", describeLevel(lv), cfg.Server.Responder.RetryAfter)
	}
	ex := sim.Expect(run)
	ob := ex.Observed
	acc := 0
	var first, last int64 = math.MaxInt64, 0
	var s jtl.Sample
	for i := 0; i < run.Len(); i++ {
		run.Sample(i, &s)
		first, last = min(first, s.Start), max(last, s.End())
		if s.Success {
			acc++
		}
	}
	span := math.Max(float64(last-first)/1000, 0.001)
	fmt.Fprintf(w, "predicted: %d samples in %.0f s, %d throttled (%.2f%%), %d retries, %.1f accepted/s, up to %d threads\n",
		ob.Rows, span, ob.Throttled, 100*ob.ThrottledShare, ob.Retries, float64(acc)/span, ob.MaxThreads)
	sort.Strings(notes)
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// describeLevel describes a limiter level in words.
func describeLevel(lv limiter.Level) string {
	c := lv.Config
	scope := map[limiter.Scope]string{limiter.ScopeShared: "shared", limiter.ScopeToken: "per thread",
		limiter.ScopeLabel: "per label", limiter.ScopeTokenLabel: "per thread and label"}[lv.Scope]
	switch c.Algorithm {
	case limiter.FixedWindow:
		return fmt.Sprintf("fixed window %d per %g s, %s", c.Limit, c.Window.Seconds(), scope)
	case limiter.SlidingLog:
		return fmt.Sprintf("sliding window %d per %g s, %s", c.Limit, c.Window.Seconds(), scope)
	case limiter.SlidingCounter:
		return fmt.Sprintf("sliding window counter %d per %g s, %s", c.Limit, c.Window.Seconds(), scope)
	case limiter.TokenBucket:
		return fmt.Sprintf("token bucket %g/s, burst %d, %s", c.Rate, c.Burst, scope)
	case limiter.LeakyQueue:
		return fmt.Sprintf("leaky queue %g/s, queue %d, %s", c.Rate, c.Burst, scope)
	case limiter.Concurrency:
		return fmt.Sprintf("concurrency %d in flight, %s", c.Concurrency, scope)
	}
	return c.Algorithm.String()
}
