//go:build !windows

package inject

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const canReplaceProcess = true

// forwardedSignals is every signal a program may care about that tok can catch. SIGCHLD,
// SIGURG (the Go runtime's) and SIGPIPE are tok's own business. Job control (SIGTSTP, SIGCONT,
// jobSignals) is caught so tok and the program stop and resume together.
var forwardedSignals = []os.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGUSR1,
	syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGALRM, syscall.SIGABRT,
}

var jobSignals = []os.Signal{syscall.SIGTSTP, syscall.SIGCONT}

func replaceProcess(path string, argv, env []string) error {
	return syscall.Exec(path, argv, env)
}

// runChild runs cmd so that each signal reaches the program exactly once, as tini does. The
// program gets a process group of its own, so a signal sent to tok's group (timeout -s INT, a
// batch scheduler, kill -INT -PGID) reaches tok alone, and tok passes it on once, to the
// program's group. When tok is the terminal's foreground job, the program's group becomes the
// foreground instead: Ctrl-C, Ctrl-\ and window changes go to the program alone, and tok, out
// of the foreground, never sees them to pass on. When the program stops (Ctrl-Z), tok takes
// the terminal back and stops too, so the shell sees the job stopped; when the shell resumes
// tok, tok gives the terminal back and resumes the program. When it ends, the terminal is tok's
// again.
func runChild(cmd *exec.Cmd) (int, error) {
	if cmd.Stdout == nil { // the masked run gives pipes of its own
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tty := foregroundTerminal()
	if tty >= 0 {
		cmd.SysProcAttr.Foreground, cmd.SysProcAttr.Ctty = true, tty
	}
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, append(forwardedSignals, jobSignals...)...)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	defer func() {
		if tty >= 0 && foregroundOf(tty) == pid {
			setForeground(tty, unix.Getpgrp())
		}
	}()
	events := make(chan unix.WaitStatus, 4)
	go func() {
		for {
			var ws unix.WaitStatus
			_, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				close(events)
				return
			}
			events <- ws
			if ws.Exited() || ws.Signaled() {
				close(events)
				return
			}
		}
	}()
	pass := func(sig syscall.Signal) {
		if unix.Kill(-pid, sig) != nil {
			_ = unix.Kill(pid, sig)
		}
	}
	for {
		select {
		case sig := <-signals:
			for _, s := range coalesce(sig.(syscall.Signal), signals) {
				switch s {
				case syscall.SIGCONT:
					// The shell resumed tok (fg or bg): the terminal goes back to the program
					// when tok holds it, and the program resumes.
					// Started in the background and brought to the foreground (fg): the terminal is
					// tok's now, and the program's from here on.
					if tty < 0 {
						tty = foregroundTerminal()
					}
					if tty >= 0 && foregroundOf(tty) == unix.Getpgrp() {
						setForeground(tty, pid)
					}
					pass(syscall.SIGCONT)
				default:
					pass(s)
				}
			}
		case ws, ok := <-events:
			if !ok {
				return 1, nil
			}
			switch {
			case ws.Exited():
				return ws.ExitStatus(), nil
			case ws.Signaled():
				return signalExitBase + int(ws.Signal()), nil
			case ws.Stopped():
				// The program stopped: the job stops with it.
				if tty >= 0 && foregroundOf(tty) == pid {
					setForeground(tty, unix.Getpgrp())
				}
				_ = unix.Kill(unix.Getpid(), unix.SIGSTOP)
			}
		}
	}
}

// coalesceWindow is how long after a signal tok waits for copies of it before passing it on.
const coalesceWindow = 25 * time.Millisecond

// coalesce gathers the signals that follow first within coalesceWindow and gives each signal
// once, in the order they came. The kernel keeps one pending copy of a signal, so a program
// sent the same signal twice at once (GNU timeout sends it to tok and then to tok's group)
// runs its handler once; tok, which may take the first copy before the second arrives, merges
// them the same way rather than pass on two.
func coalesce(first syscall.Signal, more <-chan os.Signal) []syscall.Signal {
	out := []syscall.Signal{first}
	timer := time.NewTimer(coalesceWindow)
	defer timer.Stop()
	for {
		select {
		case sig := <-more:
			s := sig.(syscall.Signal)
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		case <-timer.C:
			return out
		}
	}
}

// foregroundTerminal is the standard stream (0, 1 or 2) that is a terminal whose foreground
// process group is tok's, or -1: tok is not a terminal's foreground job.
func foregroundTerminal() int {
	for fd := 0; fd <= 2; fd++ {
		if foregroundOf(fd) == unix.Getpgrp() {
			return fd
		}
	}
	return -1
}

func foregroundOf(fd int) int {
	pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil {
		return -1
	}
	return pg
}

// setForeground makes pgrp the terminal's foreground group. tok calls it from outside the
// foreground, where SIGTTOU would stop it: the signal is ignored for the call alone (never
// while a program starts: an ignored signal stays ignored in the program).
func setForeground(fd, pgrp int) {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgrp)
}
