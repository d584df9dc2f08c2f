package jtl

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"jmtune/internal/jtlgen"
)

var (
	benchOnce sync.Once
	benchData []byte
)

// benchRows is the size of the generated file the benchmarks read.
const benchRows = 200_000

// benchInput returns the generated benchmark input (made once).
func benchInput(b *testing.B) []byte {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if err := jtlgen.Write(&buf, jtlgen.Config{Rows: benchRows}); err != nil {
			panic(err)
		}
		benchData = buf.Bytes()
	})
	return benchData
}

// benchFile writes the benchmark input to a file in b's temporary directory.
func benchFile(b *testing.B) string {
	path := filepath.Join(b.TempDir(), "bench.jtl")
	if err := os.WriteFile(path, benchInput(b), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReaderCSV reads a generated JMeter 5.6 CSV (17 columns and a
// retryAfter variable, quoted messages) with Open and Scan, as jmtune
// stats does, sequentially and with Options.Parallel. Run it with -cpu 1,2
// (with one CPU, Parallel decodes on the caller's goroutine too).
func BenchmarkReaderCSV(b *testing.B) {
	for _, par := range []bool{false, true} {
		name := "sequential"
		if par {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) { benchRead(b, Options{Parallel: par}, 0) })
	}
}

// BenchmarkReaderCSVBusyConsumer is BenchmarkReaderCSV with a caller that
// works about a microsecond per sample (an analysis, not a counter): the
// case where Options.Parallel can use a second CPU.
func BenchmarkReaderCSVBusyConsumer(b *testing.B) {
	for _, par := range []bool{false, true} {
		name := "sequential"
		if par {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) { benchRead(b, Options{Parallel: par}, 1) })
	}
}

var benchSink uint64

func benchRead(b *testing.B, opts Options, busy int) {
	path := benchFile(b)
	b.SetBytes(int64(len(benchInput(b))))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	rows := 0
	for i := 0; i < b.N; i++ {
		src, err := Open([]string{path}, opts)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		var sum uint64
		for src.Scan() {
			s := src.Sample()
			sum += uint64(s.Elapsed)
			for k := 0; k < busy*60; k++ { // about 1 µs per unit
				for j := 0; j < len(s.Label); j++ {
					sum = sum*1099511628211 ^ uint64(s.Label[j])
				}
			}
			n++
		}
		if src.Err() != nil || n != benchRows {
			b.Fatalf("rows %d err %v", n, src.Err())
		}
		src.Close()
		benchSink += sum
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	// On a shared machine wall time includes waiting for a CPU; rows per
	// CPU-second (user+system of the whole process) is the steadier figure.
	b.ReportMetric(float64(rows)/(cpuTime()-cpu0), "rows/cpu-s")
}

// cpuTime returns the user+system CPU seconds the process has used.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkDecodeCSV measures the decoder alone on data in memory (no
// file reads, no pipeline).
func BenchmarkDecodeCSV(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	rows := 0
	for i := 0; i < b.N; i++ {
		r, err := NewReader(bytes.NewReader(data), "bench", Options{Timestamps: TimestampStart})
		if err != nil {
			b.Fatal(err)
		}
		for r.Scan() {
			rows++
		}
	}
	b.ReportMetric(float64(rows)/(cpuTime()-cpu0), "rows/cpu-s")
}
