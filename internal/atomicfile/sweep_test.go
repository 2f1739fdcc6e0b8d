package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSweepTemps(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Minute)
	write := func(name string, at time.Time) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("x"), 0o600)
		os.Chtimes(p, at, at)
		return p
	}
	if err := Write(filepath.Join(dir, "rec.age"), []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	gone := write(".rec.age.tmp-12345", old)
	kept := []string{
		write(".rec.age.tmp-67890", time.Now()), // a write in progress
		write("rec.tmp-1", old),                 // not Write's name
		write(".vault.json", old),
		filepath.Join(dir, "rec.age"),
	}
	os.Mkdir(filepath.Join(dir, ".d.tmp-1"), 0o700)
	os.Chtimes(filepath.Join(dir, ".d.tmp-1"), old, old)
	kept = append(kept, filepath.Join(dir, ".d.tmp-1"))
	SweepTemps(dir, time.Minute)
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("an old temp file stayed: %v", err)
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", filepath.Base(p))
		}
	}
}
