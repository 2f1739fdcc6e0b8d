// Command git-credential-tok is tok's git credential helper.
package main

import (
	"fmt"
	"os"

	_ "github.com/tok-dev/tok/internal/busguard"
)

func main() {
	fmt.Fprintln(os.Stderr, "git-credential-tok: not implemented yet")
	os.Exit(0)
}
