package inject

import (
	"os"

	"golang.org/x/sys/unix"
)

// sharedMemoryDir is /dev/shm when it is a tmpfs directory open to every user with the sticky
// bit (so no other user can remove or replace what tok makes there), else "".
func sharedMemoryDir() string {
	const dir = "/dev/shm"
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() || info.Mode()&os.ModeSticky == 0 || info.Mode().Perm() != 0o777 {
		return ""
	}
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) != nil || fs.Type != unix.TMPFS_MAGIC {
		return ""
	}
	return dir
}
