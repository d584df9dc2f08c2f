// Command jmtune reads Apache JMeter results, infers the rate limit of the API
// under test, rewrites the plan to run at the highest rate the API allows, and
// plots and reports before/after.
//
// Every command lives in its own file beside this one (stats.go, analyze.go,
// tune.go, plot.go, report.go, simulate.go, demo.go, check.go); the work is done
// by the packages jtl, analysis, jmx and report. main only calls run and maps
// its error to an exit code:
//
//	0  success
//	1  failure (bad input, I/O, ...)
//	2  usage error (unknown flag, missing argument)
//	3  a check failed (jmtune check)
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(exitCode(run(os.Args, os.Stdout, os.Stderr), os.Stderr))
}

// run builds the CLI app and runs it with args (args[0] is the program name).
// Output goes to stdout, diagnostics to stderr. Tests call it in-process.
func run(args []string, stdout, stderr io.Writer) error {
	app := newApp(stdout, stderr)
	return app.Run(args)
}

// newApp returns the jmtune CLI application.
func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "jmtune",
		Usage:   "find the rate limit behind your JMeter 429s and tune the plan to stay under it",
		Version: version,
		Description: "jmtune reads JMeter results (JTL, CSV or XML, any version 2.13-5.6),\n" +
			"infers the API's rate limit and Retry-After behaviour, rewrites the test plan\n" +
			"(ramp-up, throughput timer, Retry-After-aware retries) and reports before/after.\n\n" +
			"Start with: jmtune demo",
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		HideHelpCommand:      false,
		Commands: []*cli.Command{
			demoCommand(),
			statsCommand(),
			analyzeCommand(),
			tuneCommand(),
			simulateCommand(),
			plotCommand(),
			reportCommand(),
			checkCommand(),
			serveCommand(),
		},
		// Usage errors (unknown flags, bad values) are reported by urfave/cli;
		// wrap them so that main exits with 2.
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageErrorf("%v", err)
		},
		ExitErrHandler: func(c *cli.Context, err error) {},
	}
	for _, cmd := range app.Commands {
		if cmd.OnUsageError == nil {
			cmd.OnUsageError = app.OnUsageError
		}
	}
	return app
}

// usageError marks an error in how jmtune was called; main exits with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usageErrorf returns a usageError with a formatted message.
func usageErrorf(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// errCheckFailed is returned (wrapped) when a criterion of jmtune check failed;
// main exits with 3.
var errCheckFailed = errors.New("check failed")

// exitCode maps an error returned by run to a process exit code and prints it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "jmtune: %v\nRun 'jmtune --help' for usage.\n", err)
		return 2
	case errors.Is(err, errCheckFailed):
		fmt.Fprintf(stderr, "jmtune: %v\n", err)
		return 3
	default:
		fmt.Fprintf(stderr, "jmtune: %v\n", err)
		return 1
	}
}
