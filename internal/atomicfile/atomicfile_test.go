package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// record installs a hook that logs each step as "step path" and fails at step failAt with err.
func record(t *testing.T, failAt Step, err error) *[]string {
	t.Helper()
	var log []string
	t.Cleanup(SetHook(func(s Step, p string) error {
		log = append(log, string(s)+" "+p)
		if s == failAt {
			return err
		}
		return nil
	}))
	return &log
}

// Write takes its steps in the one order that survives a crash: the data goes to a temp file
// beside the target, is synced, and only then renamed over it; the directory is synced last.
func TestWriteSteps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	log := record(t, "", nil)
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	var steps []string
	var tmp string
	for _, l := range *log {
		s, p, _ := strings.Cut(l, " ")
		steps = append(steps, s)
		if s == string(StepWrite) {
			tmp = p
		}
	}
	if got := strings.Join(steps, ","); got != "create,chmod,write,sync,close,rename,sync-dir" {
		t.Fatalf("steps %s", got)
	}
	if filepath.Dir(tmp) != dir || tmp == path || !strings.HasPrefix(filepath.Base(tmp), ".f.tmp-") {
		t.Fatalf("the data went to %q, not a temp file beside %q", tmp, path)
	}
	if (*log)[5] != "rename "+path || (*log)[6] != "sync-dir "+dir {
		t.Fatalf("log %q", *log)
	}
	b, err := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if err != nil || string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%q %v %v", b, err, fi.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left %v", entries)
	}
}

// A crash (or a failure) at any step leaves the old file whole until the rename, and the new
// one after it; a failure removes the temp file, a crash leaves it (as a killed process does).
func TestWriteCrashAtEachStep(t *testing.T) {
	for _, s := range []Step{StepCreate, StepChmod, StepWrite, StepSync, StepClose, StepRename, StepSyncDir} {
		for _, kind := range []error{ErrCrash, errors.New("disk full")} {
			t.Run(string(s)+"/"+kind.Error(), func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "f")
				if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
				record(t, s, kind)
				if err := Write(path, []byte("new"), 0o600); !errors.Is(err, kind) {
					t.Fatalf("err %v", err)
				}
				want := "old"
				if s == StepSyncDir {
					want = "new"
				}
				if b, err := os.ReadFile(path); err != nil || string(b) != want {
					t.Fatalf("after a failure at %s: %q %v, want %q", s, b, err, want)
				}
				entries, _ := os.ReadDir(dir)
				left := len(entries) - 1
				wantLeft := 0
				if kind == ErrCrash && s != StepCreate && s != StepSyncDir {
					wantLeft = 1
				}
				if left != wantLeft {
					t.Fatalf("%d temp files left, want %d", left, wantLeft)
				}
			})
		}
	}
}

func TestWriteErrors(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "dir", "f"), []byte("x"), 0o600); err == nil {
		t.Fatal("wrote into a directory that does not exist")
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "d")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	// Renaming a file over a directory fails: the temp file goes.
	if err := Write(sub, []byte("x"), 0o600); err == nil {
		t.Fatal("replaced a directory")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left %v", entries)
	}
}
