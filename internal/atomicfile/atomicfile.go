// Package atomicfile replaces a file's contents all at once: a temp file beside it, written,
// synced and renamed over it, so a reader or a crash sees the old file or the new, never half.
package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
)

// Write replaces path with data, giving the file mode perm.
func Write(path string, data []byte, perm os.FileMode) error {
	return replace(path, data, func(tmp *os.File) error { return tmp.Chmod(perm) })
}

// replace writes data to a temp file beside path, lets prepare set its mode (and owner),
// syncs it, renames it over path and syncs the directory (so the rename itself is durable).
// Each step runs through do (see seam.go), so tests can see the order of the steps and crash
// at any one.
func replace(path string, data []byte, prepare func(tmp *os.File) error) error {
	dir := filepath.Dir(path)
	var tmp *os.File
	if err := do(StepCreate, dir, func() (err error) {
		tmp, err = os.CreateTemp(dir, "."+filepath.Base(path)+tempInfix+"*")
		return err
	}); err != nil {
		return err
	}
	crashed := false
	defer func() {
		if !crashed { // a killed process leaves its temp file behind; a simulated crash too
			os.Remove(tmp.Name())
		}
	}()
	steps := []struct {
		s  Step
		p  string
		fn func() error
	}{
		{StepChmod, tmp.Name(), func() error { return prepare(tmp) }},
		{StepWrite, tmp.Name(), func() error { _, err := tmp.Write(data); return err }},
		{StepSync, tmp.Name(), tmp.Sync},
		{StepClose, tmp.Name(), tmp.Close},
		{StepRename, path, func() error { return os.Rename(tmp.Name(), path) }},
		{StepSyncDir, dir, func() error { syncDir(dir); return nil }},
	}
	for i, st := range steps {
		if err := do(st.s, st.p, st.fn); err != nil {
			crashed = errors.Is(err, ErrCrash)
			if i <= 3 { // not yet closed
				tmp.Close()
			}
			return err
		}
	}
	return nil
}

// syncDir makes a rename or removal in dir durable; not supported everywhere (Windows).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
