// Command execfloor replaces itself with its arguments and does nothing else: the least any Go
// program that runs another one by execve can cost, the floor for `tok exec` in bench/run.sh.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: execfloor PROGRAM [ARGS...]")
		os.Exit(2)
	}
	path, err := exec.LookPath(os.Args[1])
	if err == nil {
		err = syscall.Exec(path, os.Args[1:], os.Environ())
	}
	fmt.Fprintln(os.Stderr, "execfloor:", err)
	os.Exit(1)
}
