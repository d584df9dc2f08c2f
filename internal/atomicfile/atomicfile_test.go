package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteBytesNewAndReplace(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.txt")
	if err := WriteBytes(name, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("new file: %v %v, want mode 0640", fi, err)
	}
	if err := os.Chmod(name, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(name, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(name)
	fi, _ := os.Stat(name)
	if string(got) != "two" || fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file: %q mode %v, want \"two\" mode 0600 (kept)", got, fi.Mode().Perm())
	}
	assertOnly(t, dir, "out.txt")
}

// TestWriteErrorKeepsOld: a failing writer leaves the old content and no
// temporary file behind.
func TestWriteErrorKeepsOld(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "plan.jmx")
	if err := os.WriteFile(name, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(name, 0o644, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	got, _ := os.ReadFile(name)
	if string(got) != "old" {
		t.Errorf("content = %q, want the old one", got)
	}
	assertOnly(t, dir, "plan.jmx")
}

func TestWriteMissingDir(t *testing.T) {
	if err := WriteBytes(filepath.Join(t.TempDir(), "no", "such", "f"), nil, 0o644); err == nil {
		t.Error("no error for a missing directory")
	}
}

func assertOnly(t *testing.T, dir, want string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Name() != want {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, want)
	}
}
