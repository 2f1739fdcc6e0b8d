// Command docker-credential-tok is tok's docker credential helper.
package main

import (
	"fmt"
	"os"

	_ "github.com/tok-dev/tok/internal/busguard"
)

func main() {
	fmt.Println("docker-credential-tok: not implemented yet")
	os.Exit(1)
}
