//go:build !windows

package inject

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

const canReplaceProcess = true

// forwardedSignals is every signal a program may care about that tok can catch. SIGCHLD,
// SIGURG (the Go runtime's) and SIGPIPE are tok's own business; job control (SIGTSTP, SIGCONT,
// SIGTTIN, SIGTTOU) keeps its default, so tok and the program stop and resume together.
var forwardedSignals = []os.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGUSR1,
	syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGALRM, syscall.SIGABRT,
}

// terminalDelivered reports whether the terminal already sent sig to the program: Ctrl-C,
// Ctrl-\ and window changes go to the whole foreground process group, which the program
// shares with tok, so forwarding them would deliver them twice.
func terminalDelivered(sig os.Signal) bool {
	if sig != syscall.SIGINT && sig != syscall.SIGQUIT && sig != syscall.SIGWINCH {
		return false
	}
	fg, err := unix.IoctlGetInt(int(os.Stdin.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}

func replaceProcess(path string, argv, env []string) error {
	return syscall.Exec(path, argv, env)
}

func killedBy(ps *os.ProcessState) (int, bool) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal()), true
	}
	return 0, false
}
