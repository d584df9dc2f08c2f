package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/internal/atomicfile"
	"jmtune/jtl"
)

const analyzeDescription = `Infers the API's rate limit from JMeter results: is it a hard limit per
organisation or per user, what algorithm (fixed window, sliding window, token
bucket, leaky queue, concurrency cap), what rate, what Retry-After means, and
what rate, threads, ramp-up, timer and retry policy to use instead.

  jmtune analyze results.jtl
  jmtune analyze --format markdown -o analysis.md results.jtl
  jmtune analyze --format json --series results.xml > analysis.json
  jmtune analyze --label '^GET ' --throttle-codes 429,503 run1.jtl run2.jtl

Text and Markdown start with a verdict of a few lines to paste into a
ticket, then the evidence: the limit with confidence and intervals, the
onset of throttling, Retry-After explained, rate-limit headers, client
behaviour (retries, time lost), the recommendation, the models compared,
per-label counts. JSON has stable keys (see README).

Save Retry-After and rate-limit headers for the best result: XML results
with response headers, or CSV with sample_variables (retryAfter, rlLimit,
rlRemaining, rlReset). Flags go before the file names.`

// analyzeCommand returns the "analyze" command.
func analyzeCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output `FORMAT`: text, markdown or json"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the analysis to `FILE` (atomically) instead of standard output"},
		&cli.StringFlag{Name: "throttle-codes", Usage: "response `CODES` that mean throttled, comma-separated (default 429, and 503 with Retry-After)"},
		&cli.BoolFlag{Name: "series", Usage: "include the per-second series in JSON output"},
	}
	flags = append(flags, filterFlags()...)
	flags = append(flags, inputFlags()...)
	return &cli.Command{
		Name:        "analyze",
		Usage:       "infer the rate limit (algorithm, scope, rate, Retry-After meaning) and what to change",
		ArgsUsage:   "FILE...",
		Description: analyzeDescription,
		Flags:       flags,
		Action:      analyzeAction,
	}
}

func analyzeAction(c *cli.Context) error {
	files := c.Args().Slice()
	if err := checkFlagsBeforeFiles(files); err != nil {
		return err
	}
	format := c.String("format")
	switch format {
	case "text", "markdown", "md", "json":
	default:
		return usageErrorf("--format: want text, markdown or json, got %q", format)
	}
	codes, err := parseThrottleCodes(c.String("throttle-codes"))
	if err != nil {
		return err
	}
	out := c.String("output")
	if out != "" && out != "-" {
		if err := checkNotInput(out, files); err != nil {
			return err
		}
	}
	filter, err := newSampleFilter(c)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("analyze: no result files given (name one or more JTL files, or - for standard input)")
	}
	opts, err := readOptions(c)
	if err != nil {
		return err
	}
	// The analysis spends about a microsecond per row while reading: decoding
	// on a second core pays here (it does not for jmtune stats).
	opts.Parallel = true
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(analyzeMemoryLimit(files))
	}
	src, err := jtl.Open(files, opts)
	if err != nil {
		return err
	}
	defer src.Close()
	var in jtl.Source = src
	if filter.active {
		// jtl.Filter keeps the readers visible to the analysis (input format,
		// layout, timestamp mode); KeepTree keeps a transaction parent that
		// holds a matching sample, and Config.Label picks the samples inside.
		in = jtl.Filter(src, filter.KeepTree)
	}
	res, err := analysis.Analyze(in, analysis.Config{ThrottleCodes: codes, Series: c.Bool("series"), Tool: "jmtune " + version, Label: filter.label})
	if err != nil {
		return err
	}
	stderr := c.App.ErrWriter
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "jmtune analyze: warning: %s\n", w)
	}
	var buf bytes.Buffer
	switch format {
	case "text":
		err = res.WriteText(&buf)
	case "markdown", "md":
		err = res.WriteMarkdown(&buf)
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(res)
	}
	if err != nil {
		return err
	}
	if out == "" || out == "-" {
		_, err = c.App.Writer.Write(buf.Bytes())
		return err
	}
	if err := atomicfile.WriteBytes(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}

// analyzeMemoryLimit is the soft heap limit of jmtune analyze: 340 MiB, or
// half a byte per input byte (eight for gzip input) when that is more. The
// analysis holds about 40 bytes per row (a CSV row is 100 to 160 bytes);
// without a limit the garbage collector lets the heap grow to twice that
// before collecting. The limit is soft: a larger input is still analysed,
// with more collection. GOMEMLIMIT, when set, takes precedence.
func analyzeMemoryLimit(files []string) int64 {
	var total int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		n := fi.Size()
		if strings.HasSuffix(strings.ToLower(f), ".gz") {
			n *= 8
		}
		total += n
	}
	return max(340<<20, total/2)
}

// parseThrottleCodes parses "429,503"; "" means the default (nil).
func parseThrottleCodes(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var codes []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 100 || n > 999 {
			return nil, usageErrorf("--throttle-codes: %q is not an HTTP status code (want e.g. 429,503)", f)
		}
		codes = append(codes, n)
	}
	return codes, nil
}

// checkNotInput refuses an output path that names one of the inputs.
func checkNotInput(out string, inputs []string) error {
	oi, err := os.Stat(out)
	if err != nil {
		return nil // does not exist yet
	}
	for _, in := range inputs {
		if in == "-" {
			continue
		}
		if ii, err := os.Stat(in); err == nil && os.SameFile(oi, ii) {
			return usageErrorf("-o %s is one of the input files: choose another output file", out)
		}
	}
	return nil
}
