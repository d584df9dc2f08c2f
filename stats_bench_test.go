package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"jmtune/internal/jtlgen"
	"jmtune/jtl"
)

// Benchmarks of jmtune stats end to end (CLI, reader, Aggregate, output) on
// files from internal/jtlgen (JMeter 5.6 CSV, ~150 bytes a row). Targets:
// at least 2.5 M rows/s on one core and flat memory from 1 M to 5 M rows.
// Besides ns/op and MB/s, each reports rows/s (wall), rows/CPU-s (rows per
// second of the process's CPU time, steadier on a busy machine) and the
// process's peak RSS.
//
//	go test -run '^$' -bench 'BenchmarkStats' -benchtime 3x -cpu 1 .
//	go test -run '^$' -bench 'BenchmarkStats1M' -benchtime 3x -cpu 1 -cpuprofile cpu.prof .
//
// The file is generated once per benchmark into its temporary directory
// (about 150 MB per million rows) outside the timer. scripts/bench-peers.sh measures the
// built binary's wall time and peak RSS against other tools.

// benchFile writes a jtlgen file of rows rows into b's temporary directory
// and returns its path and size. testing removes the directory after each
// run of the benchmark function, so each run generates its own file
// (outside the timer).
func benchFile(b *testing.B, rows int) (string, int64) {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	path := filepath.Join(b.TempDir(), "bench.jtl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := jtlgen.Write(w, jtlgen.Config{Rows: rows}); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, fi.Size()
}

func benchmarkStats(b *testing.B, rows int, format string) {
	path, size := benchFile(b, rows)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := run([]string{"jmtune", "stats", "--format", format, path}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
	if cpu > 0 {
		// Rows per second of CPU time (all threads of the process): on a
		// shared machine this moves much less than wall time.
		b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/CPU-s")
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		// Linux reports KiB. This is the whole test process's high-water
		// mark; bench-peers.sh measures the binary alone.
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReadOnly1M scans the same file without aggregating: the
// reader's share of BenchmarkStats1M.
func BenchmarkReadOnly1M(b *testing.B) {
	path, size := benchFile(b, 1_000_000)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src, err := jtl.Open([]string{path}, jtl.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for src.Scan() {
		}
		if err := src.Err(); err != nil {
			b.Fatal(err)
		}
		src.Close()
	}
	b.ReportMetric(1e6*float64(b.N)/(cpuTime()-cpu0).Seconds(), "rows/CPU-s")
}

func BenchmarkStats1M(b *testing.B)     { benchmarkStats(b, 1_000_000, "text") }
func BenchmarkStats1MJSON(b *testing.B) { benchmarkStats(b, 1_000_000, "json") }
func BenchmarkStats5M(b *testing.B)     { benchmarkStats(b, 5_000_000, "text") }
