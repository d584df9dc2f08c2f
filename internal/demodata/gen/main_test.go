package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestEmbeddedUpToDate regenerates the seed case into a temporary directory
// and compares it with the files internal/demodata embeds (the run
// decompressed, so that a different compressor cannot fail it). A mismatch
// means the generator or the simulator changed since the files were
// written: run go generate ./internal/demodata and commit both files.
func TestEmbeddedUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := writePlan(filepath.Join(dir, "seed-plan.jmx")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := writeRun(filepath.Join(dir, "seed-run.csv.gz")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"seed-plan.jmx", "seed-run.csv.gz"} {
		got, want := readMaybeGzip(t, filepath.Join(dir, name)), readMaybeGzip(t, filepath.Join("..", name))
		if !bytes.Equal(got, want) {
			t.Errorf("internal/demodata/%s differs from what gen writes now (%d vs %d bytes): run go generate ./internal/demodata", name, len(want), len(got))
		}
	}
}

func readMaybeGzip(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(name) != ".gz" {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}
