//go:build windows

package inject

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
)

const canReplaceProcess = false

func replaceProcess(string, []string, []string) error {
	return errors.New("not supported on Windows")
}

// runChild runs cmd; Ctrl-C reaches every process of the console, so tok only waits for the
// program to end.
func runChild(cmd *exec.Cmd) (int, error) {
	if cmd.Stdout == nil { // the masked run gives pipes of its own
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	signal.Ignore(os.Interrupt)
	defer signal.Reset(os.Interrupt)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	err := cmd.Wait()
	if err == nil {
		return 0, nil
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code, nil
	}
	return 1, nil
}
