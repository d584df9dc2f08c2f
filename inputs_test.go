package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"jmtune/jtl"
)

// optionsFrom runs a throw-away command with the input flags and returns
// the jtl.Options readOptions builds from args.
func optionsFrom(t *testing.T, args ...string) (jtl.Options, error) {
	t.Helper()
	var opts jtl.Options
	var rerr error
	app := &cli.App{
		Name: "x", Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{},
		Commands: []*cli.Command{{
			Name: "read", Flags: inputFlags(),
			Action: func(c *cli.Context) error {
				opts, rerr = readOptions(c)
				return nil
			},
		}},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	if err := app.Run(append([]string{"x", "read"}, args...)); err != nil {
		t.Fatal(err)
	}
	return opts, rerr
}

func TestReadOptionsProperties(t *testing.T) {
	t.Setenv("JMETER_HOME", "")
	props := "jtl/testdata/props/"
	opts, err := optionsFrom(t, "-p", props+"v213/jmeter.properties", "-q", props+"run.properties",
		"-J", "jmeter.save.saveservice.url=false", "--strict", "--timestamps", "end")
	if err != nil {
		t.Fatal(err)
	}
	if !opts.Strict || opts.Timestamps != jtl.TimestampEnd {
		t.Errorf("opts %+v", opts)
	}
	for key, src := range map[string]string{
		"sampleresult.timestamp.start":         props + "v213/jmeter.properties",
		"jmeter.save.saveservice.connect_time": props + "run.properties",
		"jmeter.save.saveservice.url":          "-J jmeter.save.saveservice.url",
	} {
		if got := opts.Props.Source(key); got != src {
			t.Errorf("%s from %q; want %q", key, got, src)
		}
	}

	// Without -p, $JMETER_HOME/bin/jmeter.properties is read.
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "bin"), 0o755)
	data, _ := os.ReadFile(props + "v213/jmeter.properties")
	os.WriteFile(filepath.Join(home, "bin", "jmeter.properties"), data, 0o644)
	t.Setenv("JMETER_HOME", home)
	opts, err = optionsFrom(t)
	if err != nil || opts.Props.Source("sampleresult.timestamp.start") != filepath.Join(home, "bin", "jmeter.properties") {
		t.Errorf("JMETER_HOME: %v %v", opts.Props.Files(), err)
	}
	t.Setenv("JMETER_HOME", "")
	if opts, _ := optionsFrom(t); opts.Props != nil {
		t.Error("no property source: want nil Props (JMeter's defaults)")
	}

	// Bad values are usage errors; a missing file is an error naming it.
	var ue *usageError
	if _, err := optionsFrom(t, "--timestamps", "middle"); !errors.As(err, &ue) {
		t.Errorf("bad --timestamps: %v", err)
	}
	if _, err := optionsFrom(t, "-J", "novalue"); !errors.As(err, &ue) {
		t.Errorf("bad -J: %v", err)
	}
	if _, err := optionsFrom(t, "-q", "missing.properties"); err == nil || !strings.Contains(err.Error(), "missing.properties") {
		t.Errorf("missing -q file: %v", err)
	}
}

// warnSource is a Source with given warnings, for printWarnings.
type warnSource struct {
	jtl.Source
	warns   []jtl.Warning
	total   int
	skipped int
}

func (w warnSource) Warnings() []jtl.Warning { return w.warns }
func (w warnSource) WarningCount() int       { return w.total }
func (w warnSource) Skipped() int            { return w.skipped }

func TestPrintWarnings(t *testing.T) {
	var ws []jtl.Warning
	for i := 1; i <= 30; i++ {
		ws = append(ws, jtl.Warning{File: "a.csv", Line: i, Msg: "bad row; row skipped"})
	}
	var buf bytes.Buffer
	printWarnings(&buf, "stats", warnSource{warns: ws, total: 130, skipped: 125})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 22 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	if lines[0] != "jmtune stats: warning: a.csv:1: bad row; row skipped" ||
		lines[20] != "jmtune stats: warning: ... and 110 more warnings" ||
		lines[21] != "jmtune stats: warning: 125 malformed rows skipped (use --strict to stop at the first)" {
		t.Errorf("output:\n%s", buf.String())
	}
	buf.Reset()
	printWarnings(&buf, "stats", warnSource{})
	if buf.Len() != 0 {
		t.Errorf("no warnings printed %q", buf.String())
	}
}
