//go:build unix

package inject

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether process pid exists (as anyone's: EPERM means it does).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ownedByMe reports whether info is of a file this user owns.
func ownedByMe(info os.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
