// Command tok keeps API tokens in the OS keychain and hands them out just in time.
package main

import (
	"os"

	"github.com/tok-dev/tok/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
