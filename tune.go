package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/jmx"
	"jmtune/jmx/tune"
)

const tuneDescription = `Rewrites a JMeter plan to run at the highest rate the API allows, from the
evidence of a run (-l results, or --analysis from jmtune analyze --format json)
or a rate you give (--rate, safety already applied):

  jmtune tune -t plan.jmx -l results.jtl -o tuned.jmx
  jmtune tune -t plan.jmx --analysis analysis.json -o tuned.jmx --dry-run
  jmtune tune -t plan.jmx --rate 8/s --labels 'GET script' -o tuned.jmx
  jmtune tune -t plan.jmx --rate 40/min --scope per-thread --in-place --backup

It sets the ramp-up so that thread starts never outrun the target rate,
puts a throughput timer on every throttled sampler (retries included),
wraps each throttled sampler in a retry loop that honours Retry-After (else
capped exponential back-off with full jitter, within a retry budget) and
labels retries "<label> (retry n)", captures Retry-After and rate-limit
headers into variables, and writes <output>.user.properties (sample_variables
and the columns jmtune analyze uses): run the tuned plan with
'jmeter -n -t tuned.jmx -q tuned.jmx.user.properties -l rerun.csv' (a new
results file: JMeter appends to an existing one).

Everything it adds is named "jmtune: ..." and marked, so tuning a tuned
plan updates those elements instead of adding more. The generated elements
run on JMeter 2.13 and 5.x (except --timer precise: 4.0+). Untouched parts
of the plan keep their bytes: attribute order, comments, entities, CRLF.

Every run prints the change list (what, where, why, evidence); --dry-run
also prints a unified diff and writes nothing. The input plan is never
overwritten, except with --in-place, which needs --backup.`

// tuneCommand returns the "tune" command.
func tuneCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "plan", Aliases: []string{"t"}, Usage: "the JMeter test plan `FILE` to tune (.jmx)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the tuned plan to `FILE` (atomically; refused if it exists, unless --force)"},
		&cli.StringSliceFlag{Name: "results", Aliases: []string{"l"}, Usage: "JMeter results `FILE` of a run of the plan (repeatable; more files may follow the flags)"},
		&cli.StringFlag{Name: "analysis", Usage: "analysis `FILE` written by jmtune analyze --format json"},
		&cli.StringFlag{Name: "rate", Usage: "target `RATE` of the throttled requests, safety already applied: N/s, N/min (per thread or per label with --scope)"},
		&cli.StringFlag{Name: "scope", Usage: "with --rate: whose requests share the limit, `SCOPE` shared (default), per-thread or per-label"},
		&cli.StringFlag{Name: "labels", Usage: "throttled samplers, by name `GLOB` (| separates patterns; default: the throttled labels of the evidence, else every HTTP sampler)"},
		&cli.StringFlag{Name: "threads", Usage: "thread count: `N`, or auto (Little's law from the run's response times)"},
		&cli.Float64Flag{Name: "ramp-up", DefaultText: "the shortest that keeps thread starts under the target rate, never shorter than now", Usage: "ramp-up in `SECONDS`"},
		&cli.StringFlag{Name: "timer", Usage: "throughput `TIMER`: constant (Constant Throughput Timer, default), precise (Precise Throughput Timer, JMeter >= 4.0) or shaping (jmeter-plugins Throughput Shaping Timer)"},
		&cli.StringFlag{Name: "retry-labels", Usage: "samplers that get a retry loop, by name `GLOB` (default: the throttled samplers; none: no retries)"},
		&cli.StringFlag{Name: "cache-labels", Usage: "samplers to run once per thread, by name `GLOB` (fetch once per session)"},
		&cli.IntFlag{Name: "max-attempts", DefaultText: "the analysis's, else 4", Usage: "`N` attempts per request, the first included"},
		&cli.StringFlag{Name: "retry-budget", Usage: "retries allowed as a `SHARE` of requests, e.g. 0.1 or 10% (default 10%)"},
		&cli.Float64Flag{Name: "max-wait", Value: 120, Usage: "longest Retry-After to wait for, in `SECONDS`; a longer one fails the sample"},
		&cli.StringFlag{Name: "jmeter-version", Value: "5.6", Usage: "JMeter `VERSION` the plan runs on: 2.13 or 5.6 (2.13 refuses the Precise Throughput Timer)"},
		&cli.StringFlag{Name: "throttle-codes", Usage: "with -l: response `CODES` that mean throttled (default 429, and 503 with Retry-After)"},
		&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the change list and a unified diff; write nothing"},
		&cli.BoolFlag{Name: "in-place", Usage: "overwrite the plan itself (needs --backup)"},
		&cli.BoolFlag{Name: "backup", Usage: "with --in-place: first copy the plan to PLAN.bak (PLAN.bak.N if that exists)"},
		&cli.BoolFlag{Name: "force", Usage: "overwrite an existing -o file (and its .user.properties)"},
	}
	flags = append(flags, inputFlags()...)
	return &cli.Command{
		Name:        "tune",
		Usage:       "rewrite the plan: ramp-up, throughput timer, Retry-After-aware retries, header capture",
		UsageText:   "jmtune tune -t plan.jmx (-l results.jtl... | --analysis analysis.json | --rate N/s) -o tuned.jmx [--dry-run] [--in-place --backup] [--force]",
		Description: tuneDescription,
		Flags:       flags,
		Action:      tuneAction,
	}
}

func tuneAction(c *cli.Context) error {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	planFile := c.String("plan")
	if planFile == "" {
		return usageErrorf("tune: name the plan to tune with -t plan.jmx")
	}
	results := append(c.StringSlice("results"), c.Args().Slice()...)
	if err := checkFlagsBeforeFiles(c.Args().Slice()); err != nil {
		return err
	}
	sources := 0
	for _, on := range []bool{len(results) > 0, c.String("analysis") != "", c.String("rate") != ""} {
		if on {
			sources++
		}
	}
	if sources != 1 {
		return usageErrorf("tune: give exactly one source of evidence: -l results.jtl, --analysis analysis.json or --rate N/s")
	}
	out, inPlace, dry := c.String("output"), c.Bool("in-place"), c.Bool("dry-run")
	switch {
	case inPlace && out != "":
		return usageErrorf("tune: --in-place and -o exclude each other")
	case inPlace && !c.Bool("backup"):
		return usageErrorf("tune: --in-place overwrites %s: add --backup (a copy goes to %s.bak first)", planFile, planFile)
	case !inPlace && out == "" && !dry:
		return usageErrorf("tune: name the output with -o tuned.jmx (or use --dry-run, or --in-place --backup)")
	case c.Bool("backup") && !inPlace:
		return usageErrorf("tune: --backup goes with --in-place")
	}
	if inPlace {
		out = planFile
	}
	if out != "" && !inPlace {
		if same, _ := sameFile(out, planFile); same {
			return usageErrorf("tune: -o %s is the input plan; the input is never overwritten (use --in-place --backup to update it)", out)
		}
		if !dry && !c.Bool("force") {
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf("tune: %s already exists; pass --force to overwrite it, or choose another -o", out)
			}
		}
	}

	s := tune.Settings{Version: version, Output: out, MaxWaitS: c.Float64("max-wait"), JMeterVersion: c.String("jmeter-version")}
	if s.Output == "" {
		s.Output = planFile
	}
	if err := tuneEvidence(c, results, &s); err != nil {
		return err
	}
	if err := tuneOverrides(c, &s); err != nil {
		return err
	}

	p, err := jmx.Load(planFile)
	if err != nil {
		return err
	}
	before := p.CheckPairs()
	for _, pe := range before {
		fmt.Fprintf(stderr, "jmtune tune: warning: %s:%d: %s, in %s (JMeter may read this part of the plan differently)\n", planFile, pe.Line, pe.Msg, pe.Path)
	}
	res, err := tune.Tune(p, s)
	if err != nil {
		return fmt.Errorf("tune %s: %w", planFile, err)
	}
	tuned := p.Bytes()
	// Safety net: the output must parse and keep the pairing rule.
	q, err := jmx.Parse(s.Output, tuned)
	if err != nil {
		return fmt.Errorf("tune: internal error, the tuned plan does not parse (nothing written): %w", err)
	}
	if perrs := q.CheckPairs(); len(perrs) > len(before) {
		return fmt.Errorf("tune: internal error, the tuned plan breaks the element/hashTree pairing at %v (nothing written)", perrs[len(perrs)-1])
	}

	changed := !bytes.Equal(tuned, p.Original())
	printChanges(stdout, planFile, out, s.Evidence, res, changed)
	propsFile := s.Output + ".user.properties"
	if dry {
		if d := jmx.UnifiedDiff("a/"+planFile, "b/"+s.Output, p.Original(), tuned, 3); d != "" {
			fmt.Fprintf(stdout, "\n%s", d)
		}
		if out == "" {
			fmt.Fprintf(stdout, "\ndry run: nothing written\n")
		} else {
			fmt.Fprintf(stdout, "\ndry run: nothing written (would write %s and %s)\n", out, propsFile)
		}
		return nil
	}
	if err := checkPropsFile(propsFile, c.Bool("force")); err != nil {
		return err
	}
	if inPlace {
		if !changed {
			fmt.Fprintf(stdout, "%s unchanged: nothing to write\n", planFile)
		} else {
			bak, err := backupFile(planFile)
			if err != nil {
				return fmt.Errorf("tune: backing up %s: %w (nothing written)", planFile, err)
			}
			fmt.Fprintf(stdout, "backed up %s to %s\n", planFile, bak)
			if err := jmx.WriteFileAtomic(planFile, tuned, 0o644); err != nil {
				return fmt.Errorf("tune: writing %s: %w", planFile, err)
			}
		}
	} else if err := jmx.WriteFileAtomic(out, tuned, 0o644); err != nil {
		return fmt.Errorf("tune: writing %s: %w", out, err)
	}
	if err := jmx.WriteFileAtomic(propsFile, []byte(res.UserProperties), 0o644); err != nil {
		return fmt.Errorf("tune: writing %s: %w", propsFile, err)
	}
	fmt.Fprintf(stdout, "wrote %s and %s\nrun it with: jmeter -n -t %s -q %s -l %s\n  (%s)\n", s.Output, propsFile, s.Output, propsFile, rerunResults, rerunResultsWhy)
	printPropertyDefaults(stdout, res.PropertyDefaults)
	return nil
}

// printPropertyDefaults warns that -J on the JMeter command line overrides
// the property defaults tune set.
func printPropertyDefaults(w io.Writer, defs []tune.PropertyDefault) {
	if len(defs) == 0 {
		return
	}
	var names, values []string
	seen := map[string]bool{}
	for _, d := range defs {
		if seen[d.Name] {
			continue // two groups, two values: the change list has each
		}
		seen[d.Name] = true
		names = append(names, "-J"+d.Name)
		values = append(values, "-J"+d.Name+"="+d.Value)
	}
	fmt.Fprintf(w, "  without %s: the tuned values are those properties' defaults, and -J on the command line overrides them (to pass them anyway: %s)\n",
		strings.Join(names, " or "), strings.Join(values, " "))
}

// rerunResults is the results file tune suggests for a run of the tuned
// plan, and rerunResultsWhy why a new one: JMeter appends to an existing
// results file, and the analysis would take the two runs for one.
const (
	rerunResults    = "rerun.csv"
	rerunResultsWhy = "a new results file: JMeter appends to an existing one, and two runs in one file would be analysed as one"
)

// tuneEvidence fills the limit and recommendation from -l, --analysis or
// --rate.
func tuneEvidence(c *cli.Context, results []string, s *tune.Settings) error {
	var res *analysis.Result
	switch {
	case c.String("rate") != "":
		rate, err := parseRate(c.String("rate"))
		if err != nil {
			return usageErrorf("--rate: %v", err)
		}
		scope := c.String("scope")
		switch scope {
		case "":
			scope = analysis.ScopeShared
		case analysis.ScopeShared, analysis.ScopePerThread, analysis.ScopePerLabel:
		default:
			return usageErrorf("--scope: want shared, per-thread or per-label, got %q", scope)
		}
		s.Limit = analysis.Limit{Scope: scope}
		s.Rec = analysis.Recommendation{TargetRatePerS: rate, SafetyFactor: 1, Scope: scope}
		s.Evidence = fmt.Sprintf("--rate %s (%s)", c.String("rate"), scope)
		return nil
	case c.String("analysis") != "":
		if c.String("scope") != "" {
			return usageErrorf("--scope goes with --rate; the analysis gives the scope")
		}
		r, err := readResultJSON(c.String("analysis"))
		if err != nil {
			return err
		}
		res = r
		s.Evidence = "analysis " + filepath.Base(c.String("analysis")) + ": " + describeLimit(res)
	default:
		if c.String("scope") != "" {
			return usageErrorf("--scope goes with --rate; the analysis gives the scope")
		}
		codes, err := parseThrottleCodes(c.String("throttle-codes"))
		if err != nil {
			return err
		}
		src, err := openInputs(c, results)
		if err != nil {
			return err
		}
		defer src.Close()
		r, err := analysis.Analyze(src, analysis.Config{ThrottleCodes: codes, Tool: "jmtune " + version})
		printWarnings(c.App.ErrWriter, "tune", src)
		if err != nil {
			return fmt.Errorf("analysing %s: %w", strings.Join(results, ", "), err)
		}
		res = r
		names := make([]string, len(results))
		for i, f := range results {
			names[i] = filepath.Base(f)
		}
		s.Evidence = "analysis of " + strings.Join(names, ", ") + ": " + describeLimit(res)
	}
	s.Limit, s.Rec, s.Run, s.RetryAfter = res.Limit, res.Recommendation, res.Run, res.RetryAfter
	if !(s.Rec.TargetRatePerS > 0) {
		why := "no throttling was detected"
		if res.Limit.Detected {
			why = "the analysis made no rate recommendation"
		}
		if res.Limit.LowerBoundPerS != nil {
			why += fmt.Sprintf(" (the API accepted at least %s)", tuneRate(*res.Limit.LowerBoundPerS))
		}
		return fmt.Errorf("tune: %s, so there is no target rate; give one with --rate N/s", why)
	}
	return nil
}

// describeLimit summarises the inferred limit for the evidence line.
func describeLimit(r *analysis.Result) string {
	l, rec := r.Limit, r.Recommendation
	var parts []string
	if l.Detected {
		d := l.Algorithm
		switch {
		case l.Limit != nil && l.WindowS != nil:
			d += fmt.Sprintf(" %s per %s s", tuneNum(*l.Limit), tuneNum(*l.WindowS))
		case l.RatePerS != nil:
			d += " " + tuneRate(*l.RatePerS)
		}
		if l.Burst != nil {
			d += fmt.Sprintf(" burst %s", tuneNum(*l.Burst))
		}
		if l.Concurrency != nil {
			d += fmt.Sprintf(" concurrency %s", tuneNum(*l.Concurrency))
		}
		parts = append(parts, d, l.Scope, "confidence "+l.Confidence)
	} else {
		parts = append(parts, "no limit detected")
	}
	if rec.TargetRatePerS > 0 {
		t := "target " + tuneRate(rec.TargetRatePerS)
		if rec.SafetyFactor > 0 && rec.SafetyFactor != 1 {
			t += fmt.Sprintf(" (safety %s)", tuneNum(rec.SafetyFactor))
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, ", ")
}

// tuneOverrides applies the flags that override the recommendation.
func tuneOverrides(c *cli.Context, s *tune.Settings) error {
	var err error
	glob := func(flag string) (jmx.Glob, error) {
		g, err := jmx.ParseGlob(c.String(flag))
		if err != nil {
			return g, usageErrorf("--%s: %v", flag, err)
		}
		return g, nil
	}
	if s.Labels, err = glob("labels"); err != nil {
		return err
	}
	if c.IsSet("retry-labels") {
		s.RetrySet = true
		if v := strings.TrimSpace(c.String("retry-labels")); v != "none" && v != "" {
			if s.RetryLabels, err = glob("retry-labels"); err != nil {
				return err
			}
		}
	}
	if s.CacheLabels, err = glob("cache-labels"); err != nil {
		return err
	}
	if c.IsSet("cache-labels") && s.CacheLabels.Empty() {
		return usageErrorf("--cache-labels: give a name pattern, e.g. 'GET script'")
	}
	switch v := strings.TrimSpace(c.String("threads")); v {
	case "":
	case "auto":
		s.ThreadsAuto = true
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return usageErrorf("--threads: want a positive number or auto, got %q", v)
		}
		s.Threads = n
	}
	if c.IsSet("ramp-up") {
		if v := c.Float64("ramp-up"); v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return usageErrorf("--ramp-up: want seconds > 0, got %v", v)
		}
		s.RampUpS = c.Float64("ramp-up")
	}
	switch v := c.String("timer"); v {
	case "", analysis.TimerConstant, analysis.TimerPrecise, analysis.TimerShaping:
		s.Timer = v
	default:
		return usageErrorf("--timer: want constant, precise or shaping, got %q", v)
	}
	if c.IsSet("max-attempts") {
		if c.Int("max-attempts") < 1 {
			return usageErrorf("--max-attempts: want 1 or more")
		}
		s.MaxAttempts = c.Int("max-attempts")
	}
	if v := strings.TrimSpace(c.String("retry-budget")); v != "" {
		f, err := parseShare(v)
		if err != nil {
			return usageErrorf("--retry-budget: %v", err)
		}
		s.RetryBudget = f
	}
	if v := c.Float64("max-wait"); v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return usageErrorf("--max-wait: want seconds > 0")
	}
	switch s.JMeterVersion {
	case "2.13", "5.6":
	default:
		return usageErrorf("--jmeter-version: want 2.13 or 5.6, got %q", s.JMeterVersion)
	}
	if s.JMeterVersion == "2.13" && s.Timer == analysis.TimerPrecise {
		return usageErrorf("--timer precise: JMeter 2.13 refuses to load a plan with a Precise Throughput Timer (it came with JMeter 4.0); use --timer constant, or --jmeter-version 5.6")
	}
	return nil
}

// parseRate parses "8", "8/s", "480/min", "28800/h" into requests per second.
func parseRate(v string) (float64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(v), "/")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("want a positive rate such as 8/s or 480/min, got %q", v)
	}
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "", "s", "sec", "second":
		return f, nil
	case "m", "min", "minute":
		return f / 60, nil
	case "h", "hour":
		return f / 3600, nil
	}
	return 0, fmt.Errorf("unit %q: want /s, /min or /h", unit)
}

// parseShare parses "0.1" or "10%".
func parseShare(v string) (float64, error) {
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("want a share such as 0.1 or 10%%, got %q", v)
	}
	if pct {
		f /= 100
	}
	if f > 1 {
		return 0, fmt.Errorf("%q is more than 100%%", v)
	}
	return f, nil
}

func tuneRate(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.1f/s", r)
	}
	return fmt.Sprintf("%.2f/s", r)
}

func tuneNum(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
}

// printChanges prints the change list.
func printChanges(w io.Writer, in, out, evidence string, res *tune.Result, changed bool) {
	target := out
	if target == "" {
		target = "(dry run)"
	}
	fmt.Fprintf(w, "jmtune tune: %s -> %s\n", in, target)
	fmt.Fprintf(w, "evidence: %s\n", evidence)
	if len(res.Throttled) > 0 {
		fmt.Fprintf(w, "throttled samplers: %s\n", strings.Join(res.Throttled, "; "))
	}
	var edits, notes []tune.Change
	for _, ch := range res.Changes {
		if ch.Action == "note" || ch.Action == "keep" {
			notes = append(notes, ch)
		} else {
			edits = append(edits, ch)
		}
	}
	if len(edits) == 0 {
		fmt.Fprintf(w, "changes: none (the plan is already tuned for this evidence)\n")
	} else {
		fmt.Fprintf(w, "changes:\n")
	}
	for i, ch := range edits {
		fmt.Fprintf(w, "%3d. %s %s\n", i+1, ch.Action, ch.What)
		fmt.Fprintf(w, "     where: %s\n", ch.Where)
		if ch.Why != "" {
			fmt.Fprintf(w, "     why:   %s\n", ch.Why)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "notes:\n")
	}
	for _, ch := range notes {
		where := ""
		if ch.Where != "" {
			where = " (" + ch.Where + ")"
		}
		fmt.Fprintf(w, "  - %s%s: %s\n", ch.What, where, ch.Why)
	}
	if !changed && len(edits) > 0 {
		fmt.Fprintf(w, "(the plan's bytes are unchanged)\n")
	}
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) (bool, error) {
	ai, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	bi, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ai, bi), nil
}

// propsMarker starts every user.properties snippet jmtune writes.
const propsMarker = "# Written by jmtune "

// checkPropsFile refuses to overwrite a user.properties file that jmtune did
// not write, unless forced.
func checkPropsFile(name string, force bool) error {
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) || force {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tune: %w", err)
	}
	if !bytes.HasPrefix(data, []byte(propsMarker)) {
		return fmt.Errorf("tune: %s exists and was not written by jmtune; pass --force to overwrite it (nothing written)", name)
	}
	return nil
}

// backupFile copies file to file.bak, or file.bak.N when that exists, and
// returns the name used. The copy is written atomically.
func backupFile(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	name := file + ".bak"
	for i := 1; ; i++ {
		if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s.bak.%d", file, i)
	}
	return name, jmx.WriteFileAtomic(name, data, 0o644)
}
