//go:build !linux

package inject

const fSetPipeSize = 0
