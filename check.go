package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/internal/criteria"
	"jmtune/internal/junit"
	"jmtune/internal/verify"
)

const checkDescription = `Fails the build when a JMeter run is bad: judges result files against
pass/fail criteria, and/or checks a rerun against what an earlier analysis
promised. JMeter itself exits 0 even when every sample failed.

  jmtune check -l results.jtl -c 'rc429 < 0.5%' -c 'p95 of "GET script" < 300ms'
  jmtune check -l results.jtl --criteria gate.txt --junit TEST-jmtune.xml
  jmtune check -l rerun.jtl --against analysis.json

A criterion reads: subject [of LABEL] op threshold [for DURATION]

  subjects   rc429 rc4xx rc4?? (a count, or a share with %), errors (count or %),
             p50 p90 p95 p99 (any pNN) and avg of elapsed (ms or s),
             throughput (/s or /min), samples (a count)
  of LABEL   a glob on the sampler label (* ? [a-z]); quote blanks: of "GET script"
  op         < <= > >=
  for 30s    the criterion must hold in every full 30 s window from the run start
             (default: over the whole run)

A criteria file holds one criterion per line; # starts a comment.

Verify mode (--against FILE, the JSON of jmtune analyze on the earlier run)
checks: throttled share below --max-429, accepted throughput within
--rate-tolerance of the recommended target, no window/bucket/concurrency
overrun of the inferred limiter, no retry before its Retry-After, no rising p95.

Exit status: 0 all passed, 3 a criterion or check failed (or had no data),
1 an error (unreadable file), 2 a usage error (bad criterion, missing -l).
The requests inside a transaction count (in XML the children of a "Generate
parent sample" transaction, recursively); Transaction Controller parents and
the 5.x sub-result rows of an HTTP sample (redirects, embedded resources) are
left out unless --transactions / --sub-results.`

// stringList is a repeatable flag value that, unlike cli.StringSliceFlag,
// does not split on commas: criteria and file names may contain them.
type stringList struct{ v []string }

// stringListPrefix marks the serialised form String returns: urfave/cli
// copies a flag's value to its aliases with Set(String()), which must
// replace the list rather than add the joined values as one more item.
const stringListPrefix = "\x00list:"

// Set adds one value (or restores a serialised list).
func (l *stringList) Set(s string) error {
	if rest, ok := strings.CutPrefix(s, stringListPrefix); ok {
		return json.Unmarshal([]byte(rest), &l.v)
	}
	l.v = append(l.v, s)
	return nil
}

// String serialises the list ("" when empty, so that help shows no default).
func (l *stringList) String() string {
	if len(l.v) == 0 {
		return ""
	}
	b, _ := json.Marshal(l.v)
	return stringListPrefix + string(b)
}

// checkCommand returns the "check" command.
func checkCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.GenericFlag{Name: "logfile", Aliases: []string{"l"}, Value: &stringList{}, Usage: "result `FILE` to check (repeatable; - for standard input; file names may also follow the flags)"},
		&cli.GenericFlag{Name: "criterion", Aliases: []string{"c"}, Value: &stringList{}, Usage: "a criterion `EXPR`, e.g. 'rc429 < 0.5%' (repeatable)"},
		&cli.GenericFlag{Name: "criteria", Value: &stringList{}, Usage: "criteria `FILE`, one per line, # comments (repeatable)"},
		&cli.StringFlag{Name: "against", Aliases: []string{"analysis"}, Usage: "verify mode: the analysis `JSON` of the earlier run (jmtune analyze --format json)"},
		&cli.StringFlag{Name: "junit", Usage: "also write a JUnit XML `FILE` (one test case per criterion and check)"},
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output `FORMAT`: text or json"},
		&cli.StringFlag{Name: "max-429", Value: "0.5%", Usage: "verify: largest throttled `SHARE` that passes, in percent"},
		&cli.StringFlag{Name: "rate-tolerance", Value: "15%", Usage: "verify: allowed deviation of the accepted rate from the target, in `PERCENT`"},
		&cli.StringFlag{Name: "max-latency-rise", Value: "50%", Usage: "verify: p95 rise over the run that fails the trend check, in `PERCENT` (and at least 50 ms)"},
		&cli.BoolFlag{Name: "any-phase", Usage: "verify: judge fixed windows at every alignment, not at the analysis' phase (the server restarted between the runs)"},
		&cli.BoolFlag{Name: "transactions", Usage: "count Transaction Controller parent samples"},
		&cli.BoolFlag{Name: "sub-results", Usage: "count the sub-result rows of HTTP samples in JMeter 5.x CSV files (redirect hops, embedded resources)"},
	}
	flags = append(flags, inputFlags()...)
	return &cli.Command{
		Name:        "check",
		Usage:       "fail the build when a run breaks pass/fail criteria or the limit it was tuned for (exit 3)",
		ArgsUsage:   "[FILE...]",
		Description: checkDescription,
		Flags:       flags,
		Action:      checkAction,
	}
}

// list returns the values of a stringList flag.
func list(c *cli.Context, name string) []string {
	if l, ok := c.Generic(name).(*stringList); ok {
		return l.v
	}
	return nil
}

// percentFlag parses a percentage flag: "0.5%" or "0.5" both mean 0.5%.
func percentFlag(c *cli.Context, name string) (float64, error) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(c.String(name)), "%"))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v != v {
		return 0, usageErrorf("--%s: want a percentage such as 0.5%% or 15, got %q", name, c.String(name))
	}
	return v, nil
}

func checkAction(c *cli.Context) error {
	files := append(append([]string(nil), list(c, "logfile")...), c.Args().Slice()...)
	if err := checkFlagsBeforeFiles(c.Args().Slice()); err != nil {
		return err
	}
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageErrorf("--format: want text or json, got %q", format)
	}
	if len(files) == 0 {
		return usageErrorf("check: no result files: name them with -l results.jtl")
	}
	crits, err := checkCriteria(c)
	if err != nil {
		return err
	}
	against := c.String("against")
	if len(crits) == 0 && against == "" {
		return usageErrorf("check: nothing to check: give criteria (-c 'rc429 < 0.5%%' or --criteria FILE) or an analysis to verify against (--against analysis.json)")
	}
	cfg := verify.DefaultConfig()
	if cfg.Max429Pct, err = percentFlag(c, "max-429"); err != nil {
		return err
	}
	tol, err := percentFlag(c, "rate-tolerance")
	if err != nil {
		return err
	}
	rise, err := percentFlag(c, "max-latency-rise")
	if err != nil {
		return err
	}
	cfg.RateTolerance, cfg.MaxLatencyRise = tol/100, rise/100
	cfg.Transactions, cfg.SubResults = c.Bool("transactions"), c.Bool("sub-results")
	cfg.AnyPhase = c.Bool("any-phase")

	var ver *verify.Verifier
	if against != "" {
		prev, err := readAnalysis(against)
		if err != nil {
			return err
		}
		ver = verify.New(prev, cfg)
	}

	src, err := openInputs(c, files)
	if err != nil {
		return err
	}
	defer src.Close()
	ev := criteria.NewEvaluator(crits, criteria.Options{Transactions: cfg.Transactions, SubResults: cfg.SubResults})
	for src.Scan() {
		s := src.Sample()
		ev.Add(s)
		if ver != nil {
			ver.Add(s)
		}
	}
	if err := src.Err(); err != nil {
		return err
	}
	printWarnings(c.App.ErrWriter, "check", src)
	if ev.Samples() == 0 {
		return fmt.Errorf("check: no samples in %s: did JMeter write any results? (%d transaction/sub-result rows left out)", strings.Join(files, ", "), ev.Excluded())
	}

	rep := newCheckReport(files, against, ev, ver)
	switch format {
	case "json":
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	default:
		rep.writeText(c.App.Writer)
	}
	if path := c.String("junit"); path != "" {
		if err := rep.junit().WriteFile(path); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%w: %d of %d did not pass", errCheckFailed, rep.Failed, rep.Total)
	}
	return nil
}

// checkCriteria parses the -c criteria and the --criteria files. Syntax
// errors are usage errors (exit 2); an unreadable file is an error (exit 1).
func checkCriteria(c *cli.Context) ([]*criteria.Criterion, error) {
	var (
		crits []*criteria.Criterion
		errs  []error
	)
	for i, text := range list(c, "criterion") {
		cr, err := criteria.Parse(text, fmt.Sprintf("criterion %d", i+1))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		crits = append(crits, cr)
	}
	for _, name := range list(c, "criteria") {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--criteria: %w", err)
		}
		cs, err := criteria.ParseFile(name, f)
		f.Close()
		var se *criteria.SyntaxError
		if err != nil && !errors.As(err, &se) {
			return nil, fmt.Errorf("--criteria: %w", err)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(cs) == 0 {
			return nil, usageErrorf("--criteria %s: no criteria in the file (one per line, e.g. rc429 < 0.5%%)", name)
		}
		crits = append(crits, cs...)
	}
	if len(errs) > 0 {
		return nil, usageErrorf("%v", errors.Join(errs...))
	}
	return crits, nil
}

// readAnalysis reads the analysis JSON of the earlier run.
func readAnalysis(name string) (*analysis.Result, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--against: %w", err)
	}
	var probe struct {
		SchemaVersion *int `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("--against %s: not a JSON analysis: %v (write one with: jmtune analyze --format json results.jtl > analysis.json)", name, err)
	}
	if probe.SchemaVersion == nil {
		return nil, fmt.Errorf("--against %s: no schema_version: not the JSON of jmtune analyze (write one with: jmtune analyze --format json results.jtl > analysis.json)", name)
	}
	if *probe.SchemaVersion > analysis.SchemaVersion {
		return nil, fmt.Errorf("--against %s: analysis schema version %d is newer than this jmtune understands (%d): upgrade jmtune", name, *probe.SchemaVersion, analysis.SchemaVersion)
	}
	var res analysis.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("--against %s: %v", name, err)
	}
	return &res, nil
}

// checkReport is the outcome of jmtune check; its JSON keys are stable.
type checkReport struct {
	Tool      string          `json:"tool"`
	Passed    bool            `json:"passed"`
	Total     int             `json:"total"`  // criteria + verify checks judged (skipped ones not counted)
	Failed    int             `json:"failed"` // failed or without data
	Inputs    []string        `json:"inputs"`
	Samples   int64           `json:"samples"`
	Excluded  int64           `json:"excluded"` // transaction parents and sub-results left out
	Start     string          `json:"start"`
	End       string          `json:"end"`
	DurationS float64         `json:"duration_s"`
	Criteria  []criterionJSON `json:"criteria"`
	Verify    *verifyJSON     `json:"verify,omitempty"`
	outcomes  []criteria.Outcome
}

// criterionJSON is one criterion's result.
type criterionJSON struct {
	Criterion string `json:"criterion"` // as written
	Source    string `json:"source"`    // "criterion 1" or "file:line"
	Canonical string `json:"canonical"`
	Status    string `json:"status"` // pass | fail | nodata
	// Measured is in Unit, the canonical unit: ms, %, /s or count.
	Measured     *float64 `json:"measured"`
	Unit         string   `json:"unit"`
	Op           string   `json:"op"`
	Threshold    float64  `json:"threshold"`
	Label        string   `json:"label,omitempty"`
	WindowS      float64  `json:"window_s,omitempty"`
	Windows      int      `json:"windows,omitempty"`
	FailedWins   int      `json:"failed_windows,omitempty"`
	WorstWindow  string   `json:"worst_window,omitempty"`
	Samples      int64    `json:"samples"`
	Matching     int64    `json:"matching,omitempty"`
	Detail       string   `json:"detail"`
	measuredText string
}

// verifyJSON is the verify-mode part of the report.
type verifyJSON struct {
	Analysis string         `json:"analysis"`
	Promise  string         `json:"promise"`
	Checks   []verify.Check `json:"checks"`
}

// unitName is the JSON name of a canonical unit.
func unitName(u criteria.Unit) string {
	switch u.Canonical() {
	case criteria.Percent:
		return "%"
	case criteria.Millis:
		return "ms"
	case criteria.PerSecond:
		return "/s"
	}
	return "count"
}

func newCheckReport(files []string, against string, ev *criteria.Evaluator, ver *verify.Verifier) *checkReport {
	start, end := ev.Span()
	rep := &checkReport{
		Tool: "jmtune " + version, Inputs: files, Samples: ev.Samples(), Excluded: ev.Excluded(),
		Start: time.UnixMilli(start).UTC().Format(time.RFC3339), End: time.UnixMilli(end).UTC().Format(time.RFC3339),
		DurationS: float64(end-start) / 1000, Criteria: []criterionJSON{},
	}
	rep.outcomes = ev.Outcomes()
	for _, o := range rep.outcomes {
		cr := o.Criterion
		j := criterionJSON{
			Criterion: cr.Text, Source: cr.Source, Canonical: cr.String(), Status: string(o.Status),
			Unit: unitName(cr.Unit), Op: cr.Op.String(), Threshold: cr.Threshold, Label: cr.Label,
			WindowS: cr.Window.Seconds(), Windows: o.Windows, FailedWins: o.Failed,
			Samples: o.Samples, Matching: o.Matching, Detail: o.Detail, measuredText: o.MeasuredText(),
		}
		if o.HasValue {
			m := o.Measured
			j.Measured = &m
		}
		if cr.Window > 0 && o.HasValue {
			j.WorstWindow = time.UnixMilli(o.WorstStartMs).UTC().Format(time.RFC3339)
		}
		rep.Total++
		if o.Status != criteria.Pass {
			rep.Failed++
		}
		rep.Criteria = append(rep.Criteria, j)
	}
	if ver != nil {
		rep.Verify = &verifyJSON{Analysis: against, Promise: ver.Promise(), Checks: ver.Checks()}
		for _, ch := range rep.Verify.Checks {
			switch ch.Status {
			case verify.Pass:
				rep.Total++
			case verify.Fail:
				rep.Total++
				rep.Failed++
			}
		}
	}
	rep.Passed = rep.Failed == 0
	return rep
}

// statusWord is the text-output verdict of a criterion.
func statusWord(s string) string {
	switch s {
	case "pass":
		return "PASS"
	case "fail":
		return "FAIL"
	case "skip":
		return "SKIP"
	}
	return "NODATA"
}

// writeText writes the report for a terminal or a CI log.
func (r *checkReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "jmtune check: %d samples in %s, %s to %s (%s s)\n",
		r.Samples, strings.Join(r.Inputs, ", "), r.Start, r.End, criteria.FormatNumber(r.DurationS))
	if len(r.Criteria) > 0 {
		fmt.Fprintln(w)
		for _, cr := range r.Criteria {
			fmt.Fprintf(w, "%-6s  %s: %s\n", statusWord(cr.Status), cr.Criterion, cr.textResult())
		}
	}
	if v := r.Verify; v != nil {
		fmt.Fprintf(w, "\nverify against %s: %s\n", v.Analysis, v.Promise)
		for _, ch := range v.Checks {
			fmt.Fprintf(w, "%-6s  %s: %s\n", statusWord(string(ch.Status)), ch.Title, ch.Summary)
			for _, e := range ch.Evidence {
				fmt.Fprintf(w, "          %s\n", e)
			}
		}
	}
	fmt.Fprintln(w)
	if r.Failed == 0 {
		fmt.Fprintf(w, "all %d passed\n", r.Total)
	} else {
		fmt.Fprintf(w, "%d of %d did not pass\n", r.Failed, r.Total)
	}
}

// textResult is the measured value and its explanation.
func (cr *criterionJSON) textResult() string {
	if cr.Measured == nil {
		return cr.Detail
	}
	if cr.WindowS > 0 {
		return fmt.Sprintf("worst %s (%s)", cr.measuredText, cr.Detail)
	}
	return fmt.Sprintf("%s (%s)", cr.measuredText, cr.Detail)
}

// junit returns the JUnit report: one test case per criterion (classname
// jmtune.check) and per verify check (jmtune.verify). The suite's time is
// the run's duration.
func (r *checkReport) junit() *junit.Report {
	suite := junit.Suite{Name: "jmtune check", Time: junit.Seconds(r.DurationS),
		Timestamp: strings.TrimSuffix(r.Start, "Z")}
	suite.Properties = append(suite.Properties, junit.Property{Name: "inputs", Value: strings.Join(r.Inputs, " ")},
		junit.Property{Name: "samples", Value: strconv.FormatInt(r.Samples, 10)})
	for _, cr := range r.Criteria {
		tc := junit.Case{Classname: "jmtune.check", Name: cr.Criterion}
		res := cr.textResult()
		switch cr.Status {
		case "pass":
			tc.SystemOut = res
		case "fail":
			tc.Failure = &junit.Outcome{Type: "threshold",
				Message: fmt.Sprintf("measured %s, want %s", cr.measuredText, cr.Canonical), Text: res}
		default:
			tc.Error = &junit.Outcome{Type: "nodata", Message: "no data: " + cr.Detail, Text: cr.Detail}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	if v := r.Verify; v != nil {
		suite.Properties = append(suite.Properties, junit.Property{Name: "analysis", Value: v.Analysis},
			junit.Property{Name: "promise", Value: v.Promise})
		for _, ch := range v.Checks {
			tc := junit.Case{Classname: "jmtune.verify", Name: ch.Title}
			text := ch.Summary
			if len(ch.Evidence) > 0 {
				text += "\n" + strings.Join(ch.Evidence, "\n")
			}
			switch ch.Status {
			case verify.Pass:
				tc.SystemOut = text
			case verify.Fail:
				tc.Failure = &junit.Outcome{Type: ch.ID, Message: ch.Summary, Text: text}
			default:
				tc.Skipped = &junit.Outcome{Message: ch.Summary}
			}
			suite.Cases = append(suite.Cases, tc)
		}
	}
	return &junit.Report{Name: "jmtune", Suites: []junit.Suite{suite}}
}
