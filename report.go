package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

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

The after side is the run given with --after (measured), or the prediction
given with --predicted: a JTL file written by a simulation of the tuned plan,
or an analysis JSON with series. A prediction is labelled "predicted"
everywhere (titles, legends, table headers, the verdict and a banner). -t
names the tuned plan the prediction is for; it is shown in the report.
Without --after or --predicted the report shows the one run.

  jmtune report -l before.jtl -o report
  jmtune report -l before.jtl --after after.jtl -o report
  jmtune report -l before.jtl --predicted simulated.jtl -t tuned.jmx -o report

DIR is created when missing. An existing DIR must be empty unless --force is
given; --force replaces only the files this command writes and keeps all
others. Every file is written to a temporary name and renamed into place.`

// reportCommand returns the "report" command.
func reportCommand() *cli.Command {
	flags := append(runFlags(report.FormatPNG),
		&cli.StringFlag{Name: "plan", Aliases: []string{"t"}, Usage: "the tuned plan `FILE` (JMX) the predicted after side is for"})
	return &cli.Command{
		Name:        "report",
		Usage:       "write a self-contained before/after report (index.html, report.md, summary.json, charts)",
		UsageText:   "jmtune report -l before.jtl [--after after.jtl | --predicted predicted.json] [-t plan.jmx] -o DIR [--force]",
		Description: reportDescription,
		Flags:       flags,
		Action: func(c *cli.Context) error {
			runs, opt, err := loadRuns(c, "report")
			if err != nil {
				return err
			}
			opt.Plan = c.String("plan")
			if opt.Plan != "" && (runs.after == nil || !runs.after.Predicted) {
				fmt.Fprintf(c.App.ErrWriter, "jmtune report: note: -t %s is shown only with a predicted after side (--predicted FILE)\n", opt.Plan)
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
