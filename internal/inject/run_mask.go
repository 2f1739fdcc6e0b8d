package inject

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/tok-dev/tok/internal/mask"
)

// RunMasked is Run for tok exec --mask: the program's stdout and stderr pass through a
// mask.Writer, so every secret in secrets shows as <tok:NAME>. When tok's stdout is a terminal
// (and the OS has pseudo-terminals) the program gets one, so it keeps its colours, line
// editing, window size and Ctrl-C; otherwise it gets pipes. tok stays the program's parent
// (the masking needs it) and ends with the program's status, 128+N when signal N killed it.
func RunMasked(plan *Plan, argv []string, secrets []mask.Secret, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "tok: "+format+"\n", a...)
		plan.Cleanup()
		return code
	}
	path, code, err := lookProgram(argv[0])
	if err != nil {
		return fail(code, "%v", err)
	}
	if err := plan.WriteFiles(); err != nil {
		return fail(1, "writing the program's temporary files: %v", err)
	}
	defer plan.Cleanup()
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = plan.Env
	outW, errW := mask.NewWriter(stdout, secrets), mask.NewWriter(stderr, secrets)
	defer outW.Flush()
	defer errW.Flush()
	if term, ok := stdout.(*os.File); ok && canPTY && isTerminal(term) {
		code, err := runPTY(cmd, outW, errW, term, isTerminal(stderr))
		if err != nil {
			return fail(ExitNotExecutable, "cannot run %s: %v", argv[0], err)
		}
		return code
	}
	// The program writes into pipes tok reads; large ones (where the OS allows) mean fewer
	// switches between the program and tok for a program that writes a lot.
	outR, outP, err := os.Pipe()
	if err != nil {
		return fail(1, "creating a pipe: %v", err)
	}
	errR, errP, err := os.Pipe()
	if err != nil {
		return fail(1, "creating a pipe: %v", err)
	}
	growPipe(outP)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, outP, errP
	outDone, errDone := make(chan struct{}), make(chan struct{})
	go copyThenSignal(outW, outR, outDone)
	go copyThenSignal(errW, errR, errDone)
	code, err = runChild(cmd) // signals as for an unmasked run: each reaches the program once
	outP.Close()
	errP.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return fail(ExitNotExecutable, "cannot run %s: %v", argv[0], err)
	}
	drain(outDone, outR)
	drain(errDone, errR)
	return code
}

// exitStatus is the status tok ends with for a program that ended: its exit code, 128+N when
// signal N killed it.
func exitStatus(cmd *exec.Cmd, err error) int {
	if err == nil {
		return 0
	}
	if cmd.ProcessState == nil {
		return 1
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return signalExitBase + int(ws.Signal())
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	return 1
}

// drain waits for a copy of the program's output to end: when the last process holding the
// pipe closes it. A program that left a child behind holding it gets a moment, then tok stops
// reading (what it did not read is not shown, never shown unmasked).
func drain(done <-chan struct{}, r *os.File) {
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		r.Close()
		<-done
	}
}

// copyThenSignal copies src to dst and closes done when src ends.
func copyThenSignal(dst io.Writer, src io.Reader, done chan<- struct{}) {
	_, _ = io.Copy(dst, src)
	close(done)
}
