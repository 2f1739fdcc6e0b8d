//go:build !windows

package inject

import (
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

const canPTY = true

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runPTY runs cmd on a new pseudo-terminal whose output goes through out: the program's
// stdout, and its stderr when tok's stderr is a terminal too (else through errOut, a pipe).
// When tok's stdin is a terminal it is put in raw mode and copied to the program's terminal,
// so Ctrl-C, Ctrl-\ and line editing reach the program as they would without tok; tok's
// window size follows to the program's terminal.
func runPTY(cmd *exec.Cmd, out, errOut io.Writer, stdout *os.File, stderrTTY bool) (int, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return 0, err
	}
	defer ptmx.Close()
	_ = pty.InheritSize(stdout, ptmx)
	stdinTTY := isTerminal(os.Stdin)
	ctty := 1
	cmd.Stdout = tty
	cmd.Stdin = os.Stdin
	if stdinTTY {
		cmd.Stdin, ctty = tty, 0
	}
	cmd.Stderr = errOut
	if stderrTTY {
		cmd.Stderr = tty
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, forwardedSignals...)
	defer signal.Stop(signals)
	if err := cmd.Start(); err != nil {
		tty.Close()
		return 0, err
	}
	tty.Close()
	if stdinTTY {
		if state, err := term.MakeRaw(int(os.Stdin.Fd())); err == nil {
			defer term.Restore(int(os.Stdin.Fd()), state)
		}
		go func() { _, _ = io.Copy(ptmx, os.Stdin) }()
	}
	copied := make(chan struct{})
	go copyThenSignal(out, ptmx, copied)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-signals:
			if sig == syscall.SIGWINCH {
				_ = pty.InheritSize(stdout, ptmx)
				continue
			}
			// The program has its own session: nothing the terminal sends tok reaches it.
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			// The output ends when the last holder of the terminal closes it; a program
			// that left a child behind holding it gets a moment, then its output is cut.
			select {
			case <-copied:
			case <-time.After(2 * time.Second):
			}
			return exitStatus(cmd, err), nil
		}
	}
}

// growPipe asks for a 1 MiB pipe buffer (Linux); elsewhere, or when refused, the pipe keeps its size.
func growPipe(f *os.File) {
	if fSetPipeSize != 0 {
		_, _ = unix.FcntlInt(f.Fd(), fSetPipeSize, 1<<20)
	}
}
