package inject

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
)

// Exit statuses for a program tok could not start, as shells use them.
const (
	ExitNotFound      = 127
	ExitNotExecutable = 126
	signalExitBase    = 128
)

// Run runs argv with the plan's environment and returns the exit status tok should end
// with. With no files to clean up it replaces tok with the program where the OS allows;
// otherwise it runs the program as a child (runChild: each signal reaches the program exactly
// once), removes the files when the program ends, and returns its status (128+N when signal N
// killed it).
func Run(plan *Plan, argv []string, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "tok: "+format+"\n", a...)
		plan.Cleanup()
		return code
	}
	path, code, err := lookProgram(argv[0])
	if err != nil {
		return fail(code, "%v", err)
	}
	if plan.Dir == "" && canReplaceProcess {
		err := replaceProcess(path, argv, plan.Env)
		return fail(ExitNotExecutable, "cannot run %s: %v", argv[0], err)
	}
	if err := plan.WriteFiles(); err != nil {
		return fail(1, "writing the program's temporary files: %v", err)
	}
	defer plan.Cleanup()
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = plan.Env
	code, err = runChild(cmd)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fail(ExitNotExecutable, "%s is not executable", argv[0])
		}
		return fail(ExitNotExecutable, "cannot run %s: %v", argv[0], err)
	}
	return code
}

// lookProgram finds the program as a shell would, and the status a shell gives when it cannot:
// 127 when it is not found, 126 when it is not executable.
func lookProgram(name string) (string, int, error) {
	path, err := exec.LookPath(name)
	switch {
	case err == nil:
		return path, 0, nil
	case errors.Is(err, fs.ErrPermission):
		return "", ExitNotExecutable, fmt.Errorf("%s is not executable", name)
	default:
		return "", ExitNotFound, fmt.Errorf("program not found: %s (is it installed and on PATH?)", name)
	}
}
