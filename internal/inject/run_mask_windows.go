package inject

import (
	"io"
	"os"
	"os/exec"
)

const canPTY = false

func isTerminal(io.Writer) bool { return false }

func runPTY(*exec.Cmd, io.Writer, io.Writer, *os.File, bool) (int, error) {
	panic("no pseudo-terminals on Windows")
}

func growPipe(*os.File) {}
