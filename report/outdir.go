package report

import (
	"errors"
	"fmt"
	"jmtune/internal/atomicfile"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrDirNotEmpty is wrapped by the error OpenOutDir returns for an existing,
// non-empty directory without force.
var ErrDirNotEmpty = errors.New("output directory is not empty")

// OutDir is a directory that charts and reports are written into. Every file
// is written atomically (a temporary file in the same directory, renamed
// over the target), so a reader never sees half a file and an interrupted
// run leaves the old file in place. Only files written through OutDir are
// ever replaced; nothing is deleted.
type OutDir struct {
	path    string
	written []string
	// protect are files that must not be overwritten (the inputs).
	protect []os.FileInfo
}

// OpenOutDir prepares path for output: it creates it (and its parents) when
// missing. An existing directory must be empty unless force is set; with
// force, files of the same names as those jmtune writes are replaced and
// all other files are kept.
func OpenOutDir(path string, force bool) (*OutDir, error) {
	if path == "" {
		return nil, errors.New("no output directory given")
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(path, 0o755); err != nil {
			return nil, fmt.Errorf("creating output directory: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("output directory: %w", err)
	case !fi.IsDir():
		return nil, fmt.Errorf("output directory %s: is a file, not a directory (name a directory; it is created if missing)", path)
	case !force:
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("output directory: %w", err)
		}
		if len(entries) > 0 {
			names := make([]string, 0, 3)
			for _, e := range entries[:min(3, len(entries))] {
				names = append(names, e.Name())
			}
			more := ""
			if len(entries) > 3 {
				more = fmt.Sprintf(", ... (%d entries)", len(entries))
			}
			return nil, fmt.Errorf("%s holds %s%s: %w; choose a new or empty directory, or add --force to replace the files jmtune writes there (other files are kept)",
				path, strings.Join(names, ", "), more, ErrDirNotEmpty)
		}
	}
	return &OutDir{path: path}, nil
}

// Protect refuses later writes over the named files (the inputs of the run,
// which an output of the same name in the same place would destroy).
func (d *OutDir) Protect(files ...string) {
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			d.protect = append(d.protect, fi)
		}
	}
}

// Path returns the directory's path.
func (d *OutDir) Path() string { return d.path }

// Written returns the paths written so far, sorted.
func (d *OutDir) Written() []string {
	out := append([]string(nil), d.written...)
	sort.Strings(out)
	return out
}

// WriteFile writes data to name (a plain file name inside the directory)
// atomically and returns its path.
func (d *OutDir) WriteFile(name string, data []byte) (string, error) {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("report: bad output file name %q", name)
	}
	target := filepath.Join(d.path, name)
	if fi, err := os.Lstat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("%s exists and is not a regular file; not replacing it", target)
		}
		for _, p := range d.protect {
			if os.SameFile(fi, p) {
				return "", fmt.Errorf("%s is one of the inputs; not overwriting it (choose another output directory)", target)
			}
		}
	}
	if err := atomicfile.WriteBytes(target, data, 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", target, err)
	}
	d.written = append(d.written, target)
	return target, nil
}
