package inject

import "golang.org/x/sys/unix"

const (
	fSetPipeSize    = unix.F_SETPIPE_SZ
	ioctlGetTermios = unix.TCGETS
)
