package analysis_test

import (
	"bufio"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"jmtune/analysis"
	"jmtune/internal/jtlgen"
	"jmtune/jtl"
)

// Benchmarks of Analyze on files from internal/jtlgen (JMeter 5.6 CSV,
// about 150 bytes a row, 15% 429s, six labels, 200 threads): reading,
// the columns, the model search on at most 150 000 decisions and the
// scoring on all of them. Each reports rows/s (wall), rows/CPU-s (steadier
// on a shared machine) and the test process's peak RSS.
//
//	go test -run '^$' -bench BenchmarkAnalyze -benchtime 1x -cpu 2 ./analysis
//	go test -run '^$' -bench BenchmarkAnalyze5M -benchtime 1x -cpuprofile cpu.prof ./analysis
//
// The file is generated once per benchmark run into its temporary
// directory (about 150 MB per million rows), outside the timer.

func benchFile(b *testing.B, rows int) string {
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
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func benchmarkAnalyze(b *testing.B, rows int) {
	path := benchFile(b, rows)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		src, err := jtl.Open([]string{path}, jtl.Options{Parallel: true}) // as jmtune analyze reads
		if err != nil {
			b.Fatal(err)
		}
		res, err := analysis.Analyze(src, analysis.Config{})
		src.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Run.Samples != rows {
			b.Fatalf("analysed %d samples, want %d", res.Run.Samples, rows)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/CPU-s")
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB") // Linux: KiB
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

func BenchmarkAnalyze1M(b *testing.B) { benchmarkAnalyze(b, 1_000_000) }
func BenchmarkAnalyze5M(b *testing.B) { benchmarkAnalyze(b, 5_000_000) }
