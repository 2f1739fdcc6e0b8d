//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package inject

const (
	fSetPipeSize    = 0
	ioctlGetTermios = 0
)
