package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempInfix marks Write's temp files: .NAME.tmp-RANDOM beside the file they replace.
const tempInfix = ".tmp-"

// SweepTemps removes what Write leaves in dir when it is killed between creating its temp file
// and renaming it: regular files named .NAME.tmp-* last changed more than olderThan ago (a write
// in progress is younger). Links, directories and other names stay.
func SweepTemps(dir string, olderThan time.Duration) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, name := range names {
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, tempInfix) {
			continue
		}
		path := filepath.Join(dir, name)
		if info, err := os.Lstat(path); err == nil && info.Mode().IsRegular() && time.Since(info.ModTime()) > olderThan {
			os.Remove(path)
		}
	}
}
