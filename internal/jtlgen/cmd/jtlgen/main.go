// Command jtlgen writes a synthetic JMeter 5.6 CSV result file for
// benchmarks (see package jmtune/internal/jtlgen):
//
//	go run ./internal/jtlgen/cmd/jtlgen -rows 1000000 -o /tmp/big.jtl
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"jmtune/internal/atomicfile"
	"jmtune/internal/jtlgen"
)

func main() {
	rows := flag.Int("rows", 1000000, "number of sample rows")
	out := flag.String("o", "", "output `file` (written atomically); standard output when empty")
	seed := flag.Int64("seed", 1, "random seed")
	threads := flag.Int("threads", 200, "number of threads")
	rate := flag.Int("rate", 1000, "samples started per second")
	flag.Parse()
	cfg := jtlgen.Config{Rows: *rows, Seed: *seed, Threads: *threads, RatePerSec: *rate}
	if *out == "" {
		if err := jtlgen.Write(os.Stdout, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "jtlgen:", err)
			os.Exit(1)
		}
		return
	}
	if err := writeFile(*out, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "jtlgen:", err)
		os.Exit(1)
	}
}

// writeFile writes the generated file atomically (temp file + rename).
func writeFile(name string, cfg jtlgen.Config) error {
	return atomicfile.Write(name, 0o644, func(w io.Writer) error { return jtlgen.Write(w, cfg) })
}
