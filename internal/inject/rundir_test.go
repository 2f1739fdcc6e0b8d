//go:build unix

package inject

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// deadPID is the pid of a process that has ended.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if processAlive(pid) {
		t.Skip("the pid of an ended process was taken again at once")
	}
	return pid
}

func TestPrivateDirPrefersTmpfs(t *testing.T) {
	dir, err := privateDir("")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if shm := sharedMemoryDir(); shm != "" && filepath.Dir(dir) != shm {
		t.Errorf("with no XDG_RUNTIME_DIR the files went to %s, not %s", dir, shm)
	}
	if !strings.HasPrefix(filepath.Base(dir), runDirPrefix+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("name %s does not carry the pid", dir)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("mode %v", info.Mode())
	}
	runtime := t.TempDir()
	if dir, _ := privateDir(runtime); filepath.Dir(dir) != runtime {
		t.Errorf("with XDG_RUNTIME_DIR the files went to %s", dir)
	}
	if dir, _ := privateDir(filepath.Join(runtime, "missing")); dir == "" {
		t.Error("an XDG_RUNTIME_DIR that is not there left no place for the files")
	}
}

// TestSweepLeftovers: only directories tok made (name, mode, owner, marker) for a process that
// is gone are removed.
func TestSweepLeftovers(t *testing.T) {
	parent := t.TempDir()
	dead := deadPID(t)
	mk := func(name string, pid int, mode os.FileMode, marker bool) string {
		dir := filepath.Join(parent, name)
		os.Mkdir(dir, 0o700)
		os.WriteFile(filepath.Join(dir, "netrc"), []byte("machine x password secret\n"), 0o600)
		if marker {
			os.WriteFile(filepath.Join(dir, runDirMarker), markerContent(pid), 0o600)
		}
		os.Chmod(dir, mode)
		return dir
	}
	name := func(pid int, suffix string) string { return runDirPrefix + strconv.Itoa(pid) + "-" + suffix }
	gone := mk(name(dead, "1"), dead, 0o700, true)
	// A link to a real leftover: the link is not followed, its target stays until swept by name.
	target := mk("elsewhere", dead, 0o700, true)
	os.Symlink(target, filepath.Join(parent, name(dead, "link")))
	kept := []string{
		mk(name(os.Getpid(), "2"), os.Getpid(), 0o700, true), // alive
		mk(name(dead, "3"), dead, 0o700, false),              // no marker
		mk(name(dead, "4"), os.Getpid(), 0o700, true),        // marker names another process
		mk(name(dead, "5"), dead, 0o755, true),               // not tok's mode
		mk("tok-exec-abc", dead, 0o700, true),                // no pid
		mk("other-"+strconv.Itoa(dead)+"-6", dead, 0o700, true),
		target,
	}
	if os.Getuid() == 0 {
		foreign := mk(name(dead, "7"), dead, 0o700, true)
		os.Chown(foreign, 65534, 65534)
		kept = append(kept, foreign)
	}
	SweepLeftovers(parent)
	if _, err := os.Lstat(gone); !os.IsNotExist(err) {
		t.Errorf("the leftover of a dead tok stayed: %v", err)
	}
	for _, dir := range kept {
		if _, err := os.Stat(filepath.Join(dir, "netrc")); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(dir), err)
		}
	}
}

// BenchmarkSweepLeftovers is the cost every tok command pays: the sweep of this machine's
// places (XDG_RUNTIME_DIR as the environment has it, /dev/shm).
func BenchmarkSweepLeftovers(b *testing.B) {
	for i := 0; i < b.N; i++ {
		SweepLeftovers(os.Getenv("XDG_RUNTIME_DIR"))
	}
}
