//go:build unix

package testenv

import (
	"os/exec"
	"syscall"
)

// detach runs cmd in a session of its own, so it has no controlling terminal.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
