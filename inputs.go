package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"jmtune/jtl"
)

// inputFlags are the flags every command that reads JTL files shares. Their
// names follow JMeter's own CLI: -J key=value, -q FILE and -p FILE mean what
// they mean to jmeter.
func inputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "jmeter-property", Aliases: []string{"J"}, Usage: "JMeter property `key=value` in effect when the results were written (decides header-less CSV columns)"},
		&cli.StringSliceFlag{Name: "addprop", Aliases: []string{"q"}, Usage: "extra JMeter properties `FILE` (like jmeter -q), applied after jmeter.properties and user.properties"},
		&cli.StringFlag{Name: "jmeter-properties", Aliases: []string{"p"}, Usage: "the jmeter.properties `FILE` of the run (user.properties beside it is read too); default $JMETER_HOME/bin/jmeter.properties when JMETER_HOME is set"},
		&cli.BoolFlag{Name: "strict", Usage: "stop at the first malformed row instead of skipping it with a warning"},
		&cli.StringFlag{Name: "timestamps", Value: "auto", Usage: "whether timeStamp is the sample `start`, `end`, or auto-detected"},
	}
}

// readOptions builds jtl.Options from the input flags. The JMeter
// properties are loaded as JMeter does: jmeter.properties (-p, else
// $JMETER_HOME/bin/jmeter.properties), user.properties beside it, the -q
// files, then the -J overrides.
func readOptions(c *cli.Context) (jtl.Options, error) {
	opts := jtl.Options{Strict: c.Bool("strict")}
	switch c.String("timestamps") {
	case "auto", "":
		opts.Timestamps = jtl.TimestampAuto
	case "start":
		opts.Timestamps = jtl.TimestampStart
	case "end":
		opts.Timestamps = jtl.TimestampEnd
	default:
		return opts, usageErrorf("--timestamps: want auto, start or end, got %q", c.String("timestamps"))
	}
	pf := jtl.PropertyFiles{
		JMeterProperties: c.String("jmeter-properties"),
		AddProps:         c.StringSlice("addprop"),
		Overrides:        c.StringSlice("jmeter-property"),
	}
	if pf.JMeterProperties == "" {
		pf.JMeterProperties = jmeterHomeProperties()
	}
	props, err := jtl.LoadProperties(pf)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return opts, fmt.Errorf("%w (check -p/--jmeter-properties and -q)", err)
		}
		return opts, usageErrorf("%v", err)
	}
	opts.Props = props
	return opts, nil
}

// jmeterHomeProperties returns $JMETER_HOME/bin/jmeter.properties when
// JMETER_HOME is set and the file exists, as JMeter's own tools find it.
func jmeterHomeProperties() string {
	home := os.Getenv("JMETER_HOME")
	if home == "" {
		return ""
	}
	p := filepath.Join(home, "bin", "jmeter.properties")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// openInputs opens the JTL files named on the command line as one Source.
func openInputs(c *cli.Context, files []string) (jtl.Source, error) {
	if len(files) == 0 {
		return nil, usageErrorf("%s: no result files given (name one or more JTL files, or - for standard input)", c.Command.Name)
	}
	opts, err := readOptions(c)
	if err != nil {
		return nil, err
	}
	src, err := jtl.Open(files, opts)
	if err != nil {
		return nil, err
	}
	return src, nil
}

// maxPrintedWarnings is how many reader warnings printWarnings shows.
const maxPrintedWarnings = 20

// printWarnings prints the reader warnings of src to w, one per line
// prefixed with "jmtune <cmd>: warning: ", at most maxPrintedWarnings of
// them, then how many more there were and how many rows were skipped.
// Every command that reads results calls it once, after reading.
func printWarnings(w io.Writer, cmd string, src jtl.Source) {
	ws := src.Warnings()
	total := len(ws)
	if c, ok := src.(interface{ WarningCount() int }); ok && c.WarningCount() > total {
		total = c.WarningCount()
	}
	for i, wr := range ws {
		if i == maxPrintedWarnings {
			break
		}
		fmt.Fprintf(w, "jmtune %s: warning: %s\n", cmd, wr.Error())
	}
	if more := total - maxPrintedWarnings; more > 0 {
		fmt.Fprintf(w, "jmtune %s: warning: ... and %d more warnings\n", cmd, more)
	}
	if n := src.Skipped(); n > 0 {
		fmt.Fprintf(w, "jmtune %s: warning: %d malformed rows skipped (use --strict to stop at the first)\n", cmd, n)
	}
}
