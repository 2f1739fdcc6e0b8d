// Package atomicfile replaces a file's contents all at once: a temp file beside it, written,
// synced and renamed over it, so a reader or a crash sees the old file or the new, never half.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, giving the file mode perm.
func Write(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+tempInfix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // makes the rename itself durable; not supported everywhere (Windows)
		d.Close()
	}
	return nil
}
