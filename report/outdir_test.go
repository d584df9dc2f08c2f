package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenOutDirCreatesMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	d, err := OpenOutDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.WriteFile("x.txt", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "hello" {
		t.Errorf("wrote %q", got)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestOpenOutDirRefusesNonEmptyWithoutForce(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644)
	_, err := OpenOutDir(dir, false)
	if !errors.Is(err, ErrDirNotEmpty) || !strings.Contains(err.Error(), "keep.txt") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v, want ErrDirNotEmpty naming keep.txt and --force", err)
	}
}

func TestForceReplacesOnlyOwnFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("old"), 0o644)
	d, err := OpenOutDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteFile("index.html", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "keep.txt")); string(got) != "mine" {
		t.Errorf("keep.txt = %q, want it untouched", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "index.html")); string(got) != "new" {
		t.Errorf("index.html = %q, want replaced", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want keep.txt and index.html only (no temporary files)", names)
	}
}

func TestOutDirRefusesFileAndInputs(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := OpenOutDir(f, true); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("err = %v, want 'not a directory'", err)
	}
	input := filepath.Join(dir, "summary.json")
	os.WriteFile(input, []byte("precious"), 0o644)
	d, err := OpenOutDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	d.Protect(input)
	if _, err := d.WriteFile("summary.json", []byte("x")); err == nil || !strings.Contains(err.Error(), "inputs") {
		t.Errorf("err = %v, want a refusal to overwrite an input", err)
	}
	if got, _ := os.ReadFile(input); string(got) != "precious" {
		t.Errorf("input overwritten: %q", got)
	}
	for _, bad := range []string{"../x", "a/b", ".hidden", ""} {
		if _, err := d.WriteFile(bad, nil); err == nil {
			t.Errorf("WriteFile(%q) accepted", bad)
		}
	}
}
