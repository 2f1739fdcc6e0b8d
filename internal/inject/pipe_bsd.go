//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package inject

import "golang.org/x/sys/unix"

const (
	fSetPipeSize    = 0
	ioctlGetTermios = unix.TIOCGETA
)
