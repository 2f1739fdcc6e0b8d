package inject

import "os"

// processAlive reports whether process pid exists: Windows opens only a live process.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

// ownedByMe: the temp dir on Windows is the user's own (%TEMP% under the profile).
func ownedByMe(os.FileInfo) bool { return true }
