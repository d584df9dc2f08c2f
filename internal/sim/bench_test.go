package sim

import (
	"io"
	"testing"
	"time"

	"jmtune/internal/limiter"
)

// seedConfig is the seed case at full size: 200 threads for 10 minutes.
func benchConfig() Config {
	return Config{Seed: 1,
		Groups: []Group{agents(200, 200*time.Second, 600*time.Second, UniformTimer(280*time.Millisecond, 100*time.Millisecond), service)},
		Server: Server{Levels: shared(limiter.Config{Algorithm: limiter.FixedWindow, Limit: 1500, Window: 15 * time.Second}),
			Responder: reset},
		Network: lan,
	}
}

// BenchmarkSeed200x10min simulates 200 threads for 10 minutes (about
// 200k samples).
func BenchmarkSeed200x10min(b *testing.B) {
	cfg := benchConfig()
	for i := 0; i < b.N; i++ {
		r, err := Simulate(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Len()), "samples/op")
	}
}

// BenchmarkWriteCSV writes the 10-minute run as CSV.
func BenchmarkWriteCSV(b *testing.B) {
	r, err := Simulate(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.WriteCSV(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
