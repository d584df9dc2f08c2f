package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenDir holds this package's golden files (testdata/report at the root).
const goldenDir = "../testdata/report"

// checkGolden compares got with the golden file name; with -update it
// rewrites the file. On a mismatch it writes name.got-<ext> beside it.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := path + ".got-" + filepath.Ext(name)[1:]
		os.WriteFile(gotPath, got, 0o644)
		t.Errorf("%s differs from the golden file; got written to %s (diff them; go test -update accepts it)", path, gotPath)
	}
}
