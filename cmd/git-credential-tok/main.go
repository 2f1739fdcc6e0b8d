// Command git-credential-tok is tok's git credential helper: git runs it with get, store or
// erase when its config says credential.helper = tok.
package main

import (
	"os"

	"github.com/tok-dev/tok/internal/setup"
)

func main() {
	op := ""
	if len(os.Args) > 1 {
		op = os.Args[1]
	}
	os.Exit(setup.GitHelper(op, os.Stdin, os.Stdout, os.Stderr))
}
