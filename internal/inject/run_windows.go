//go:build windows

package inject

import (
	"errors"
	"os"
)

const canReplaceProcess = false

var forwardedSignals = []os.Signal{os.Interrupt}

func replaceProcess(string, []string, []string) error {
	return errors.New("not supported on Windows")
}

func killedBy(*os.ProcessState) (int, bool) { return 0, false }

func terminalDelivered(os.Signal) bool { return false }
