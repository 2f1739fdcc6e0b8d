//go:build !windows

package inject

import (
	"bytes"
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
// window size follows to the program's terminal. When the program stops (Ctrl-Z), tok gives
// the terminal back and stops too, so the shell's job control works; on fg both go on.
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
	cmd.Stderr = tty
	var errR, errP *os.File
	if !stderrTTY {
		if errR, errP, err = os.Pipe(); err != nil {
			tty.Close()
			return 0, err
		}
		cmd.Stderr = errP
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, forwardedSignals...)
	defer signal.Stop(signals)
	err = cmd.Start()
	tty.Close()
	if errP != nil {
		errP.Close()
	}
	if err != nil {
		if errR != nil {
			errR.Close()
		}
		return 0, err
	}
	defer cmd.Process.Release()
	errDone := make(chan struct{})
	if errR != nil {
		go copyThenSignal(errOut, errR, errDone)
	} else {
		close(errDone)
	}
	raw, restore := func() {}, func() {}
	suspend, resume := make(chan struct{}), make(chan struct{})
	if stdinTTY {
		fd := int(os.Stdin.Fd())
		var state *term.State
		raw = func() {
			if s, err := term.MakeRaw(fd); err == nil {
				state = s
			}
		}
		restore = func() {
			if state != nil {
				_ = term.Restore(fd, state)
				state = nil
			}
		}
		raw()
		defer restore()
		go copyInput(ptmx, suspend, resume)
	}
	copied := make(chan struct{})
	go copyThenSignal(out, ptmx, copied)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	pid := cmd.Process.Pid
	for {
		select {
		case sig := <-signals:
			if sig == syscall.SIGWINCH {
				_ = pty.InheritSize(stdout, ptmx)
				continue
			}
			// The program has its own session: nothing the terminal sends tok reaches it.
			_ = cmd.Process.Signal(sig)
		case <-suspend:
			// The suspend key (Ctrl-Z) on a terminal that would stop the program: the
			// kernel does not stop a program whose parent is in another session on its
			// terminal's word, so tok stops it, then gives the terminal back and stops its
			// own job as Ctrl-Z would have; when the shell continues it (fg), both go on.
			fg, _ := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPGRP)
			stopAll(pid, fg, unix.SIGSTOP)
			restore()
			_ = unix.Kill(0, unix.SIGTSTP)
			raw()
			_ = pty.InheritSize(stdout, ptmx)
			stopAll(pid, fg, unix.SIGCONT)
			resume <- struct{}{}
		case err := <-done:
			// The output ends when the last holder of the terminal closes it; a program
			// that left a child behind holding it gets a moment, then its output is cut.
			for _, c := range []chan struct{}{copied, errDone} {
				select {
				case <-c:
				case <-time.After(2 * time.Second):
				}
			}
			return exitStatus(cmd, err), nil
		}
	}
}

// stopAll sends sig to the program's process group and to its terminal's foreground group.
func stopAll(pid, fg int, sig unix.Signal) {
	_ = unix.Kill(-pid, sig)
	if fg > 0 && fg != pid {
		_ = unix.Kill(-fg, sig)
	}
}

// copyInput copies tok's terminal input to the program's terminal. The program's terminal's
// suspend character, while that terminal would turn it into a stop (ISIG on), is not copied:
// copyInput asks for a suspension and waits until it is over.
func copyInput(ptmx *os.File, suspend chan<- struct{}, resume <-chan struct{}) {
	buf := make([]byte, 4096)
	for {
		n, err := os.Stdin.Read(buf)
		chunk := buf[:n]
		for len(chunk) > 0 {
			i := -1
			if c, ok := suspendChar(ptmx); ok {
				i = bytes.IndexByte(chunk, c)
			}
			if i < 0 {
				_, _ = ptmx.Write(chunk)
				break
			}
			_, _ = ptmx.Write(chunk[:i])
			suspend <- struct{}{}
			<-resume
			chunk = chunk[i+1:]
		}
		if err != nil {
			return
		}
	}
}

// suspendChar is the program's terminal's suspend character while it is in effect.
func suspendChar(ptmx *os.File) (byte, bool) {
	if ioctlGetTermios == 0 {
		return 0, false
	}
	t, err := unix.IoctlGetTermios(int(ptmx.Fd()), ioctlGetTermios)
	if err != nil || t.Lflag&unix.ISIG == 0 {
		return 0, false
	}
	c := t.Cc[unix.VSUSP]
	return c, c != 0 && c != 0xff // _POSIX_VDISABLE
}

// growPipe asks for a 1 MiB pipe buffer (Linux); elsewhere, or when refused, the pipe keeps its size.
func growPipe(f *os.File) {
	if fSetPipeSize != 0 {
		_, _ = unix.FcntlInt(f.Fd(), fSetPipeSize, 1<<20)
	}
}
