//go:build !linux

package inject

// sharedMemoryDir: only Linux has a /dev/shm tok relies on.
func sharedMemoryDir() string { return "" }
