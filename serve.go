package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"jmtune/internal/atomicfile"
	"jmtune/internal/testserver"
)

// serveCommand returns the hidden "serve" command: it runs the rate-limited
// test server (internal/testserver) from flags, prints its address and
// serves until interrupted or until --for has passed.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run a rate-limited test API (POST /oauth/token, GET /api/v2/scripts/{id})",
		UsageText: "jmtune serve [--algo fixed --limit 400 --window 20s --scope org --retry-after reset --headers none ...] [--log server.log.csv] [--for 90s]",
		Description: "Serves the test API on 127.0.0.1 (a free port unless --addr is given) and prints\n" +
			"its base URL on the first line of standard output. The flags are those of the\n" +
			"scenarios' server.flags; run 'jmtune serve -h' for all of them.",
		Hidden:          true,
		SkipFlagParsing: true,
		Action:          serveAction,
	}
}

func serveAction(c *cli.Context) error {
	fs := flag.NewFlagSet("jmtune serve", flag.ContinueOnError)
	fs.SetOutput(c.App.ErrWriter)
	finish := testserver.RegisterFlags(fs)
	logFile := fs.String("log", "", "write the decision log as CSV to `FILE` when the server stops")
	force := fs.Bool("force", false, "overwrite an existing --log file")
	runFor := fs.Duration("for", 0, "stop after this `duration` (0: run until interrupted)")
	if err := fs.Parse(c.Args().Slice()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageErrorf("serve: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("serve: unexpected argument %q (flags only)", fs.Arg(0))
	}
	cfg, err := finish()
	if err != nil {
		return usageErrorf("serve: %v", err)
	}
	if *logFile != "" && !*force {
		if _, err := os.Stat(*logFile); err == nil {
			return fmt.Errorf("serve: %s already exists; pass --force to overwrite it or choose another --log file", *logFile)
		}
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(c.App.Writer, srv.URL)
	fmt.Fprintf(c.App.ErrWriter, "jmtune serve: %s\n", cfg)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	var timeout <-chan time.Time
	if *runFor > 0 {
		timeout = time.After(*runFor)
	}
	select {
	case <-sig:
	case <-timeout:
	case <-c.Context.Done():
	}
	srv.Close()
	log := srv.Log()
	fmt.Fprintf(c.App.ErrWriter, "jmtune serve: stopped after %d requests\n", len(log))
	if *logFile == "" {
		return nil
	}
	return writeServeLog(*logFile, log)
}

// writeServeLog writes the decision log atomically (temp file + rename).
func writeServeLog(name string, log []testserver.Record) error {
	if err := atomicfile.Write(name, 0o644, func(w io.Writer) error { return testserver.WriteLogCSV(w, log) }); err != nil {
		return fmt.Errorf("serve: writing %s: %w", name, err)
	}
	return nil
}
