package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/internal/demodata"
	"jmtune/internal/sim"
	"jmtune/jmx"
	"jmtune/jmx/tune"
	"jmtune/jtl"
	"jmtune/report"
)

const demoDescription = `Runs the whole loop on a built-in seed case, offline, with no input: 200
contact-centre agents log in and fetch their agent script against an API that
allows 1500 requests per 15 s for the whole organisation; their JMeter run
(embedded, JMeter 5.6 CSV) has 40% 429s with a Retry-After of 1..12 s, and
their client retries after 1, 2, 4 s whatever Retry-After says.

The demo analyses that run and prints the verdict, tunes the plan that made
it, plays the tuned plan in the simulator against the limit it found (the
after side is a prediction, and says so), and writes into DIR:

  seed-run.csv, seed-plan.jmx   the failing run and its plan (the inputs)
  analysis.json                 jmtune analyze --format json of the run
  tuned.jmx                     the tuned plan (+ tuned.jmx.user.properties)
  predicted.jtl                 the simulated results of the tuned plan
  report/index.html             before vs predicted after: verdict, table, charts

Every step is the command of the same name; the demo prints them, so that
you can run them on your own results.

DIR (default ./jmtune-demo) is created when missing; an existing DIR that
is not empty is refused unless --force, which replaces only the files the
demo writes.`

// demoCommand returns the "demo" command.
func demoCommand() *cli.Command {
	return &cli.Command{
		Name:        "demo",
		Usage:       "run the whole loop on a built-in seed case: verdict, tuned plan, before/predicted report (offline)",
		UsageText:   "jmtune demo [-o DIR] [--force]",
		Description: demoDescription,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "jmtune-demo", Usage: "output `DIR` (created when missing)"},
			&cli.BoolFlag{Name: "force", Usage: "write into a non-empty DIR, replacing only the files the demo writes"},
		},
		Action: demoAction,
	}
}

// demoSeed is the simulator seed of the prediction: the demo's output is the
// same on every run.
const demoSeed = 1

func demoAction(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usageErrorf("demo: unexpected argument %q: the demo needs no input (name the output directory with -o DIR)", c.Args().First())
	}
	w, ew := c.App.Writer, c.App.ErrWriter
	began := time.Now()
	tool := "jmtune " + version

	out, err := report.OpenOutDir(c.String("out"), c.Bool("force"))
	if err != nil {
		if errors.Is(err, report.ErrDirNotEmpty) {
			return fmt.Errorf("demo: %w", err)
		}
		return err
	}
	dir := out.Path()
	// The inputs, written out so that every step can be repeated by hand.
	run, err := demodata.Run()
	if err != nil {
		return fmt.Errorf("demo: the built-in run: %w", err)
	}
	csv, err := io.ReadAll(run)
	if err != nil {
		return fmt.Errorf("demo: the built-in run: %w", err)
	}
	runPath, err := out.WriteFile(demodata.RunFile, csv)
	if err != nil {
		return err
	}
	planPath, err := out.WriteFile(demodata.PlanFile, demodata.Plan())
	if err != nil {
		return err
	}

	// 1. Analyse the failing run.
	before, err := demoAnalyze(runPath, tool)
	if err != nil {
		return err
	}
	anaPath, err := writeAnalysisJSON(out, "analysis.json", before)
	if err != nil {
		return err
	}
	r := before.Run
	fmt.Fprintf(w, "jmtune demo: the built-in seed case: %d contact-centre agents against an API limited per organisation,\n"+
		"their run of %.0f s (%d requests, %s throttled; played by jmtune's simulator, written as JMeter 5.6 CSV)\n\n",
		r.MaxThreads, r.DurationS, r.Requests, demoPct(r.Share429))
	fmt.Fprintf(w, "$ jmtune analyze %s\n", runPath)
	for _, v := range before.Verdict {
		fmt.Fprintln(w, v)
	}

	// 2. Tune the plan that made it.
	tunedPath := filepath.Join(dir, "tuned.jmx")
	p, err := jmx.Parse(planPath, demodata.Plan())
	if err != nil {
		return fmt.Errorf("demo: the built-in plan: %w", err)
	}
	s := tune.Settings{Version: version, Output: tunedPath, MaxWaitS: 120, JMeterVersion: "5.6",
		Limit: before.Limit, Rec: before.Recommendation, Run: before.Run, RetryAfter: before.RetryAfter,
		Evidence: "analysis " + filepath.Base(anaPath) + ": " + describeLimit(before)}
	tres, err := tune.Tune(p, s)
	if err != nil {
		return fmt.Errorf("demo: tuning %s: %w", planPath, err)
	}
	if _, err := out.WriteFile("tuned.jmx", p.Bytes()); err != nil {
		return err
	}
	if _, err := out.WriteFile("tuned.jmx.user.properties", []byte(tres.UserProperties)); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n$ jmtune tune -t %s --analysis %s -o %s\n", planPath, anaPath, tunedPath)
	n := 0
	var tnotes []string
	for _, ch := range tres.Changes {
		if ch.Action == "note" || ch.Action == "keep" {
			tnotes = append(tnotes, ch.What+": "+ch.Why)
			continue
		}
		n++
		fmt.Fprintf(w, "%3d. %s %s\n", n, ch.Action, ch.What)
	}
	for _, note := range tnotes {
		fmt.Fprintf(w, "  note: %s\n", note)
	}

	// 3. Predict the tuned plan's run against the limit found.
	q, err := jmx.Parse(tunedPath, p.Bytes())
	if err != nil {
		return fmt.Errorf("demo: the tuned plan does not parse: %w", err)
	}
	cfg, notes, err := planToSim(q, before, simOptions{Props: map[string]string{}, Seed: demoSeed})
	if err != nil {
		return fmt.Errorf("demo: simulating %s: %w", tunedPath, err)
	}
	srun, err := sim.Simulate(cfg)
	if err != nil {
		return fmt.Errorf("demo: simulating %s: %w", tunedPath, err)
	}
	var pred bytes.Buffer
	if err := srun.WriteCSV(&pred); err != nil {
		return err
	}
	predPath, err := out.WriteFile("predicted.jtl", pred.Bytes())
	if err != nil {
		return err
	}
	after, err := demoAnalyze(predPath, tool)
	if err != nil {
		return err
	}
	a := after.Run
	fmt.Fprintf(w, "\n$ jmtune simulate -t %s --analysis %s -o %s\n", tunedPath, anaPath, predPath)
	fmt.Fprintf(w, "predicted (simulated, not measured): %s throttled (was %s), %.1f req/s accepted (was %.1f), %d retries (was %d)\n",
		demoPct(a.Share429), demoPct(r.Share429), a.AcceptedRatePerS, r.AcceptedRatePerS, after.Retries.Count, before.Retries.Count)
	for _, note := range notes {
		fmt.Fprintf(ew, "jmtune demo: simulate: note: %s\n", note)
	}

	// 4. The report: before vs predicted after.
	rep, err := report.OpenOutDir(filepath.Join(dir, "report"), c.Bool("force"))
	if err != nil {
		return err
	}
	if _, err := report.WriteReport(rep, report.Run{Name: "before", Result: before},
		&report.Run{Name: "predicted", Result: after, Predicted: true},
		report.Options{Tool: tool, Formats: []string{report.FormatPNG}, Plan: tunedPath}); err != nil {
		return fmt.Errorf("demo: report: %w", err)
	}
	fmt.Fprintf(w, "\n$ jmtune report -l %s --predicted %s -t %s -o %s\n", runPath, predPath, tunedPath, rep.Path())

	fmt.Fprintf(w, "\nWhere to look (written in %.1f s):\n", time.Since(began).Seconds())
	for _, l := range [][2]string{
		{filepath.Join(rep.Path(), "index.html"), "the report: verdict, before vs predicted after, charts (open it in a browser)"},
		{tunedPath, "the tuned plan; run it with: jmeter -n -t " + tunedPath + " -q " + tunedPath + ".user.properties -l rerun.csv"},
		{anaPath, "everything the analysis found, as JSON"},
		{predPath, "the predicted results of the tuned plan (JMeter CSV)"},
	} {
		fmt.Fprintf(w, "  %-*s  %s\n", demoWidth(dir), l[0], l[1])
	}
	fmt.Fprintf(w, "\nWith your own run and plan:\n"+
		"  jmtune analyze results.jtl                                 (the verdict; --format json -o analysis.json to keep it)\n"+
		"  jmtune tune -t plan.jmx --analysis analysis.json -o tuned.jmx\n"+
		"  jmeter -n -t tuned.jmx -q tuned.jmx.user.properties -l rerun.csv\n"+
		"  jmtune check -l rerun.csv --against analysis.json         (did the rerun keep the promise?)\n"+
		"  jmtune report -l results.jtl --after rerun.csv -o report\n")
	return nil
}

// demoAnalyze analyses a result file with series (for the report's charts).
func demoAnalyze(name, tool string) (*analysis.Result, error) {
	src, err := jtl.Open([]string{name}, jtl.Options{})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	res, err := analysis.Analyze(src, analysis.Config{Series: true, Tool: tool})
	if err != nil {
		return nil, fmt.Errorf("demo: analysing %s: %w", name, err)
	}
	return res, nil
}

// writeAnalysisJSON writes res as jmtune analyze --format json does
// (without the per-second series) and returns the path.
func writeAnalysisJSON(out *report.OutDir, name string, res *analysis.Result) (string, error) {
	r := *res
	r.Series = nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&r); err != nil {
		return "", err
	}
	return out.WriteFile(name, buf.Bytes())
}

// demoPct formats a share (0..1) as a percentage.
func demoPct(share float64) string {
	if share > 0 && share < 0.001 {
		return fmt.Sprintf("%.2f%%", 100*share)
	}
	return fmt.Sprintf("%.1f%%", 100*share)
}

// demoWidth is the width of the file column of "where to look".
func demoWidth(dir string) int {
	return len(filepath.Join(dir, "report", "index.html"))
}
