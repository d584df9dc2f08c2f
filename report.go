package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/internal/sim"
	"jmtune/jmx"
	"jmtune/report"
)

const reportDescription = `Writes a self-contained report of a run, or of a run before and after
tuning, into DIR:

  index.html    the verdict, the before/after table (429 share, accepted
                throughput, p95, run time, retries, ...), what the analysis
                found (limit, onset, Retry-After, recommendation), every chart
                embedded as an image, per-label tables, warnings, and the
                tool version and inputs; no scripts and no external files, so
                it opens offline and can be attached to a ticket
  report.md     the same in Markdown, linking the PNG files
  summary.json  the same as data (keys documented in the README)
  *.png         the charts of jmtune plot (with --format svg also as SVG)

The after side is, in this order:
  --after FILE      a measured run after tuning;
  --predicted FILE  a prediction: a JTL file written by jmtune simulate, or an
                    analysis JSON with series (-t then only names the plan);
  -t tuned.jmx      the tuned plan, played in the simulator against the limit
                    found in the -l run (as jmtune simulate does, seed 1;
                    ${__P(name)} from -q files and -J);
and without any of them the report shows the one run. A prediction is
labelled "predicted" everywhere: titles, legends, table headers, the verdict
and a banner.

  jmtune report -l before.jtl -o report
  jmtune report -l before.jtl --after after.jtl -o report
  jmtune report -l before.jtl -t tuned.jmx -q tuned.jmx.user.properties -o report
  jmtune report -l before.jtl --predicted predicted.jtl -t tuned.jmx -o report
  jmtune report -l before.jtl --after after.jtl --label '^GET ' --from 2m -o report

--label, --from and --to choose the samples of every run (an offset counts
from each run's own start; a simulated -t run included); the report says
which filter it was made with.

DIR is created when missing. An existing DIR must be empty unless --force is
given; --force replaces only the files this command writes and keeps all
others. Every file is written to a temporary name and renamed into place.`

// reportCommand returns the "report" command.
func reportCommand() *cli.Command {
	flags := append(runFlags(report.FormatPNG),
		&cli.StringFlag{Name: "plan", Aliases: []string{"t"}, Usage: "the tuned plan `FILE` (JMX): without --after or --predicted it is simulated against the -l run's limit and shown as the predicted after side"})
	return &cli.Command{
		Name:        "report",
		Usage:       "write a self-contained before/after report (index.html, report.md, summary.json, charts)",
		UsageText:   "jmtune report -l before.jtl [--after after.jtl | -t tuned.jmx | --predicted predicted.jtl] -o DIR [--label REGEX] [--from TIME] [--to TIME] [--force]",
		Description: reportDescription,
		Flags:       flags,
		Action: func(c *cli.Context) error {
			runs, opt, err := loadRuns(c, "report")
			if err != nil {
				return err
			}
			opt.Plan = c.String("plan")
			switch {
			case opt.Plan == "":
			case runs.after == nil:
				res, err := predictPlan(c, opt.Plan, runs.before.Result)
				if err != nil {
					return err
				}
				runs.before.Name = "before"
				runs.after = &report.Run{Name: "predicted", Result: res, Predicted: true}
				runs.inputs = append(runs.inputs, opt.Plan)
			case !runs.after.Predicted:
				fmt.Fprintf(c.App.ErrWriter, "jmtune report: note: -t %s is not simulated: the measured --after run is the after side\n", opt.Plan)
				opt.Plan = ""
			}
			dir, err := openOutDir(c, runs)
			if err != nil {
				return err
			}
			sum, err := report.WriteReport(dir, runs.before, runs.after, opt)
			for _, p := range dir.Written() {
				fmt.Fprintf(c.App.Writer, "wrote %s\n", p)
			}
			if err != nil {
				return err
			}
			for _, v := range sum.Verdict {
				fmt.Fprintf(c.App.Writer, "%s\n", v)
			}
			return nil
		},
	}
}

// predictSeed is the simulator seed of report -t: the same inputs give the
// same prediction.
const predictSeed = 1

// predictPlan plays plan in the simulator against the limit of the before
// run's analysis (as jmtune simulate does) and analyses the simulated
// samples: the predicted after side. ${__P(name)} in the plan take their
// values from -q files and -J; the filter flags choose the simulated samples
// as they do the measured ones (offsets from the simulated run's start).
func predictPlan(c *cli.Context, plan string, before *analysis.Result) (*analysis.Result, error) {
	props := map[string]string{}
	for _, f := range c.StringSlice("addprop") {
		if err := readPropsFile(f, props); err != nil {
			return nil, err
		}
	}
	for _, kv := range c.StringSlice("jmeter-property") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(k) != "" {
			props[strings.TrimSpace(k)] = v
		}
	}
	p, err := jmx.Load(plan)
	if err != nil {
		return nil, err
	}
	cfg, notes, err := planToSim(p, before, simOptions{Props: props, Seed: predictSeed})
	if err != nil {
		return nil, fmt.Errorf("predicting %s: %w", plan, err)
	}
	for _, n := range notes {
		fmt.Fprintf(c.App.ErrWriter, "jmtune report: note: %s\n", n)
	}
	run, err := sim.Simulate(cfg)
	if err != nil {
		return nil, fmt.Errorf("predicting %s: %w", plan, err)
	}
	filter, err := newSampleFilter(c)
	if err != nil {
		return nil, err
	}
	src, kept := tapSource(run.Source(filepath.Base(plan)+" (simulated)"), nil, filter)
	res, err := analysis.Analyze(src, analysis.Config{Series: true, Tool: "jmtune " + version, Label: filter.label})
	if filter.active && *kept == 0 {
		return nil, fmt.Errorf("predicting %s: no simulated sample matched %s", plan, filter.describe())
	}
	if err != nil {
		return nil, fmt.Errorf("analysing the prediction of %s: %w", plan, err)
	}
	return res, nil
}
