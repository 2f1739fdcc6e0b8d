//go:build !unix

package testenv

import "os/exec"

// detach does nothing where there are no controlling terminals to leave.
func detach(*exec.Cmd) {}
