package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"jmtune/jtl"
)

// inputFlags are the flags every command that reads JTL files shares. Their
// names follow JMeter's own CLI: -J key=value and -q FILE mean what they mean
// to jmeter.
func inputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "jmeter-property", Aliases: []string{"J"}, Usage: "JMeter property `key=value` in effect when the results were written (decides header-less CSV columns)"},
		&cli.StringSliceFlag{Name: "addprop", Aliases: []string{"q"}, Usage: "extra JMeter properties `FILE` (like jmeter -q), applied after jmeter.properties and user.properties"},
		&cli.StringFlag{Name: "jmeter-properties", Aliases: []string{"p"}, Usage: "the jmeter.properties `FILE` of the run (user.properties beside it is read too)"},
		&cli.BoolFlag{Name: "strict", Usage: "stop at the first malformed row instead of skipping it with a warning"},
		&cli.StringFlag{Name: "timestamps", Value: "auto", Usage: "whether timeStamp is the sample `start`, `end`, or auto-detected"},
	}
}

// readOptions builds jtl.Options from the input flags.
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
	return opts, nil
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
		return nil, fmt.Errorf("%w", err)
	}
	return src, nil
}
