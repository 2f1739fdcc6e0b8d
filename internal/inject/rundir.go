package inject

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A run's private directory is named tok-exec-<pid>-<random> after the tok process that made
// it, and holds a marker naming that process, so a later tok can tell its own leftovers
// (SweepLeftovers) from anything else in a shared temp directory.
const (
	runDirPrefix = "tok-exec-"
	runDirMarker = ".tok-exec"
)

// runParents are where a run's files may go, best first: $XDG_RUNTIME_DIR (the user's own
// tmpfs), /dev/shm when it is a tmpfs (memory, never written to disk), the system temp dir.
func runParents(runtimeDir string) []string {
	var out []string
	if runtimeDir != "" {
		out = append(out, runtimeDir)
	}
	if shm := sharedMemoryDir(); shm != "" {
		out = append(out, shm)
	}
	return append(out, os.TempDir())
}

// privateDir makes a 0700 directory for one run's files in the first parent that takes it.
func privateDir(runtimeDir string) (string, error) {
	var err error
	for _, parent := range runParents(runtimeDir) {
		var dir string
		if dir, err = makeRunDir(parent); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("creating a private directory for the program's files: %w", err)
}

func makeRunDir(parent string) (string, error) {
	pid := os.Getpid()
	dir, err := os.MkdirTemp(parent, runDirPrefix+strconv.Itoa(pid)+"-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.Remove(dir)
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, runDirMarker), markerContent(pid), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

func markerContent(pid int) []byte { return []byte("tok exec " + strconv.Itoa(pid) + "\n") }

// SweepLeftovers removes the private directories of tok processes that died without removing
// them (SIGKILL, a crash, a power cut on a disk-backed temp dir). It looks only where a run
// would put them, in the places that are small: $XDG_RUNTIME_DIR and /dev/shm, and the system
// temp dir only when neither is there. A directory goes only when all of this holds: its name
// is tok-exec-<pid>-..., it is a real directory (not a link) of this user with mode 0700, its
// marker is this user's regular file naming the same pid, and that process is gone.
func SweepLeftovers(runtimeDir string) {
	parents := runParents(runtimeDir)
	if len(parents) > 1 {
		parents = parents[:len(parents)-1] // the system temp dir: used only when alone
	}
	for _, parent := range parents {
		f, err := os.Open(parent)
		if err != nil {
			continue
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, name := range names {
			if dir, ok := leftover(parent, name); ok {
				os.RemoveAll(dir)
			}
		}
	}
}

// leftover reports whether parent/name is a run directory whose tok process is gone.
func leftover(parent, name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, runDirPrefix)
	if !ok {
		return "", false
	}
	digits, _, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(digits)
	if !ok || err != nil || pid <= 0 || processAlive(pid) {
		return "", false
	}
	dir := filepath.Join(parent, name)
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm() != 0o700 || !ownedByMe(info) {
		return "", false
	}
	marker := filepath.Join(dir, runDirMarker)
	mi, err := os.Lstat(marker)
	if err != nil || !mi.Mode().IsRegular() || !ownedByMe(mi) {
		return "", false
	}
	if content, err := os.ReadFile(marker); err != nil || string(content) != string(markerContent(pid)) {
		return "", false
	}
	return dir, true
}
