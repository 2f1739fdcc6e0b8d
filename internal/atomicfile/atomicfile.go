// Package atomicfile replaces a file's contents all at once: a temp file beside it, written,
// synced and renamed over it, so a reader or a crash sees the old file or the new, never half.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, giving the file mode perm.
func Write(path string, data []byte, perm os.FileMode) error {
	return replace(path, data, func(tmp *os.File) error { return tmp.Chmod(perm) })
}

// replace writes data to a temp file beside path, lets prepare set its mode and owner, syncs
// it, renames it over path and syncs the directory (so the rename itself is durable).
func replace(path string, data []byte, prepare func(tmp *os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+tempInfix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := prepare(tmp); err != nil {
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
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename or removal in dir durable; not supported everywhere (Windows).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
