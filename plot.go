package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/jtl"
	"jmtune/report"
)

const plotDescription = `Draws the charts of a run as PNG and SVG files, and with --after the same
charts of the run after tuning plus before/after overlays:

  throughput          accepted, throttled and failed requests per second, the
                      inferred limit (dashed), its 95% interval, the windows of
                      a fixed-window limiter and the onset of throttling
  load                offered rate against the limit; active threads and
                      requests in flight
  response-times      p50/p90/p99 of accepted responses per second
  retry-after         Retry-After of each throttled response over time (a
                      sawtooth under a window limiter) and its histogram
  codes               responses per second by response code
  compare-throughput, compare-response-times
                      before (solid) and after (dashed) on one time axis,
                      each run from its own start

The after run's own charts are named after-throughput.png and so on. Time
axes count from the start of each run. A run with more seconds than the chart
has pixel columns is drawn as one mean per column over a band from the
column's minimum to its maximum, so that a one-second peak in a day-long run
still shows (under a fixed-window limit the columns are whole windows).

  jmtune plot -l before.jtl -o charts
  jmtune plot -l before.jtl --after after.jtl -o charts --format png
  jmtune plot -l engine1.jtl -l engine2.jtl -o charts      (one distributed run)
  jmtune plot -l before.jtl --label '^GET ' --from 2m --to 10m -o charts

--label, --from and --to choose the samples of every run drawn (an offset
counts from each run's own start), as they do for jmtune stats and analyze.

DIR is created when missing. An existing DIR must be empty unless --force is
given; --force replaces only the files this command writes and keeps all
others. Every file is written to a temporary name and renamed into place.`

// runFlags are the flags of plot and report that name the runs and the
// output (-l, --after, --predicted, -o, --force, --format, --width,
// --height), the sample filter (--label, --from, --to) and the input flags.
func runFlags(defaultFormats ...string) []cli.Flag {
	flags := []cli.Flag{
		&cli.StringSliceFlag{Name: "results", Aliases: []string{"l", "logfile"}, Usage: "JTL `FILE` of the run (before tuning; CSV or XML, - for standard input); repeat for the files of one distributed run"},
		&cli.StringSliceFlag{Name: "after", Usage: "JTL `FILE` of the run after tuning; repeat like -l"},
		&cli.StringFlag{Name: "predicted", Usage: "the predicted after side: a simulated JTL `FILE`, or an analysis JSON with series (jmtune analyze --format json --series)"},
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "output `DIR` (created when missing)"},
		&cli.BoolFlag{Name: "force", Usage: "write into a non-empty DIR, replacing only the files this command writes"},
		&cli.StringSliceFlag{Name: "format", Value: cli.NewStringSlice(defaultFormats...), Usage: "chart `FORMAT`s: png, svg"},
		&cli.IntFlag{Name: "width", Value: report.DefaultSize.WidthPx, Usage: "chart width in `PIXELS`"},
		&cli.IntFlag{Name: "height", Value: report.DefaultSize.HeightPx, Usage: "height of a one-panel chart in `PIXELS` (two-panel charts are 1.5 times as tall)"},
	}
	flags = append(flags, filterFlags()...)
	return append(flags, inputFlags()...)
}

// plotCommand returns the "plot" command.
func plotCommand() *cli.Command {
	return &cli.Command{
		Name:        "plot",
		Usage:       "draw charts of a run, or of a run before and after tuning (PNG, SVG)",
		UsageText:   "jmtune plot -l before.jtl [--after after.jtl | --predicted FILE] -o DIR [--label REGEX] [--from TIME] [--to TIME] [--format png,svg] [--force]",
		Description: plotDescription,
		Flags:       runFlags(report.FormatPNG, report.FormatSVG),
		Action: func(c *cli.Context) error {
			runs, opt, err := loadRuns(c, "plot")
			if err != nil {
				return err
			}
			dir, err := openOutDir(c, runs)
			if err != nil {
				return err
			}
			notes, err := report.WriteCharts(dir, runs.before, runs.after, opt)
			for _, p := range dir.Written() {
				fmt.Fprintf(c.App.Writer, "wrote %s\n", p)
			}
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintf(c.App.ErrWriter, "jmtune plot: note: %s\n", n)
			}
			if opt.Filter != "" {
				fmt.Fprintf(c.App.ErrWriter, "jmtune plot: note: the charts show only the samples kept by %s\n", opt.Filter)
			}
			return nil
		},
	}
}

// runs are the runs plot and report draw.
type runs struct {
	before report.Run
	after  *report.Run
	// inputs are the files read (protected from being overwritten).
	inputs []string
}

// loadRuns reads and analyses the runs named by -l, --after and
// --predicted, and builds the chart options from the flags.
func loadRuns(c *cli.Context, cmd string) (*runs, report.Options, error) {
	opt := report.Options{Tool: "jmtune " + version, Formats: c.StringSlice("format"),
		Size: report.Size{WidthPx: c.Int("width"), HeightPx: c.Int("height")}}
	if c.Args().Len() > 0 {
		return nil, opt, usageErrorf("%s: unexpected argument %q: name result files with -l FILE (and --after FILE)", cmd, c.Args().First())
	}
	for _, f := range opt.Formats {
		if f != report.FormatPNG && f != report.FormatSVG {
			return nil, opt, usageErrorf("--format: want png or svg, got %q", f)
		}
	}
	if opt.Size.WidthPx < 300 || opt.Size.HeightPx < 200 || opt.Size.WidthPx > 10000 || opt.Size.HeightPx > 10000 {
		return nil, opt, usageErrorf("--width/--height: want 300..10000 by 200..10000 pixels, got %dx%d", opt.Size.WidthPx, opt.Size.HeightPx)
	}
	before, after := c.StringSlice("results"), c.StringSlice("after")
	predicted := c.String("predicted")
	if len(before) == 0 {
		return nil, opt, usageErrorf("%s: no results given: name the run's JTL file with -l FILE", cmd)
	}
	if c.String("out") == "" {
		return nil, opt, usageErrorf("%s: no output directory given: add -o DIR", cmd)
	}
	if len(after) > 0 && predicted != "" {
		return nil, opt, usageErrorf("%s: --after and --predicted both name the after side; give one", cmd)
	}
	filter, err := newSampleFilter(c)
	if err != nil {
		return nil, opt, err
	}
	opt.Filter = filter.describe().String()
	if stdin := countStdin(before) + countStdin(after); stdin > 1 {
		return nil, opt, usageErrorf("%s: standard input (-) can be read only once", cmd)
	}
	rs := &runs{inputs: append(append([]string{}, before...), after...)}
	name := runName(before)
	if len(after) > 0 || predicted != "" {
		name = "before"
	}
	rs.before.Name = name
	if rs.before.Result, err = analyzeFiles(c, cmd, before); err != nil {
		return nil, opt, err
	}
	switch {
	case len(after) > 0:
		res, err := analyzeFiles(c, cmd, after)
		if err != nil {
			return nil, opt, err
		}
		rs.after = &report.Run{Name: "after", Result: res}
	case predicted != "":
		var res *analysis.Result
		if isJSONFile(predicted) {
			res, err = readResultJSON(predicted)
			if opt.Filter != "" {
				fmt.Fprintf(c.App.ErrWriter, "jmtune %s: note: %s is an analysis, not samples: %s does not apply to it\n", cmd, predicted, opt.Filter)
			}
		} else {
			res, err = analyzeFiles(c, cmd, []string{predicted})
		}
		if err != nil {
			return nil, opt, err
		}
		rs.after = &report.Run{Name: "predicted", Result: res, Predicted: true}
		rs.inputs = append(rs.inputs, predicted)
	}
	return rs, opt, nil
}

func countStdin(files []string) int {
	n := 0
	for _, f := range files {
		if f == "-" {
			n++
		}
	}
	return n
}

// runName names a run after its first file: "results.csv", "results.csv +2".
func runName(files []string) string {
	name := filepath.Base(files[0])
	if files[0] == "-" {
		name = "stdin"
	}
	if len(files) > 1 {
		name += fmt.Sprintf(" +%d", len(files)-1)
	}
	return name
}

// analyzeFiles reads files as one run and analyses it with series, keeping
// only the samples the filter flags choose (offsets from this run's start).
func analyzeFiles(c *cli.Context, cmd string, files []string) (*analysis.Result, error) {
	filter, err := newSampleFilter(c)
	if err != nil {
		return nil, err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The analysis keeps compact rows; bound the heap as analyze does.
		debug.SetMemoryLimit(analyzeMemoryLimit(files))
	}
	src, err := openInputs(c, files)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	prog := newProgressLine(src, c.App.ErrWriter, cmd)
	in, kept := tapSource(src, prog, filter)
	res, err := analysis.Analyze(in, analysis.Config{Series: true, Tool: "jmtune " + version, Label: filter.label})
	prog.done()
	printWarnings(c.App.ErrWriter, cmd, src)
	if filter.noTime > 0 {
		fmt.Fprintf(c.App.ErrWriter, "jmtune %s: warning: %s: %d rows without a timestamp left out by --from/--to\n", cmd, strings.Join(files, ", "), filter.noTime)
	}
	if filter.active && *kept == 0 && src.Err() == nil {
		return nil, fmt.Errorf("%s: no sample matched %s", strings.Join(files, ", "), filter.describe())
	}
	if err != nil {
		return nil, fmt.Errorf("analysing %s: %w", strings.Join(files, ", "), err)
	}
	if res == nil {
		return nil, fmt.Errorf("analysing %s: no result", strings.Join(files, ", "))
	}
	return res, nil
}

// tapSource passes the samples of src that filter keeps (all when it is
// inactive) through to Analyze, counting the rows read for the progress line
// (nil: none) and the rows kept (*kept). A transaction parent is kept when a
// sample inside it passes (KeepTree); the analysis then applies --label to
// the samples inside (Config.Label). The readers under src stay visible to
// the analysis (input formats, timestamp modes).
func tapSource(src jtl.Source, prog *progressLine, filter *sampleFilter) (jtl.Source, *int64) {
	var read, kept int64
	return jtl.Filter(src, func(s *jtl.Sample) bool {
		read++
		if read&0xffff == 0 && prog != nil {
			prog.update(read)
		}
		if filter.active && !filter.KeepTree(s) {
			return false
		}
		kept++
		return true
	}), &kept
}

// isJSONFile reports whether name starts like a JSON object (an analysis
// result) rather than a JTL file.
func isJSONFile(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	return strings.HasPrefix(strings.TrimLeft(string(head[:n]), " \t\r\n\ufeff"), "{")
}

// readResultJSON reads an analysis result written as JSON.
func readResultJSON(name string) (*analysis.Result, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var r analysis.Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not an analysis JSON file (%v); write one with jmtune analyze --format json --series", name, err)
	}
	if r.SchemaVersion == 0 {
		return nil, fmt.Errorf("%s: no schema_version: not an analysis JSON file (write one with jmtune analyze --format json --series)", name)
	}
	if r.SchemaVersion > analysis.SchemaVersion {
		return nil, fmt.Errorf("%s: schema_version %d is newer than this jmtune understands (%d); upgrade jmtune", name, r.SchemaVersion, analysis.SchemaVersion)
	}
	return &r, nil
}

// openOutDir opens -o DIR, protecting the inputs from being overwritten.
func openOutDir(c *cli.Context, rs *runs) (*report.OutDir, error) {
	dir, err := report.OpenOutDir(c.String("out"), c.Bool("force"))
	if err != nil {
		return nil, err
	}
	dir.Protect(rs.inputs...)
	return dir, nil
}
