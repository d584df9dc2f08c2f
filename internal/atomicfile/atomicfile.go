// Package atomicfile writes files so that a reader, or the user after a
// crash or an error, sees either the old content or the new one, never a
// part: the data goes to a temporary file in the same directory, which is
// synced and renamed over the target. An error leaves an existing target as
// it was and removes the temporary file.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// Write creates or replaces name with what write produces. A new file gets
// perm; an existing file keeps its permission bits.
func Write(name string, perm os.FileMode, write func(io.Writer) error) (err error) {
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// WriteBytes creates or replaces name with data (see Write).
func WriteBytes(name string, data []byte, perm os.FileMode) error {
	return Write(name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
