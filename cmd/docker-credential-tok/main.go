// Command docker-credential-tok is tok's docker credential helper: docker, podman, skopeo,
// crane and go-containerregistry run it with store, get, erase, list or version when
// config.json names tok in credHelpers or credsStore.
package main

import (
	"os"

	"github.com/tok-dev/tok/internal/setup"
)

func main() {
	action := ""
	if len(os.Args) == 2 {
		action = os.Args[1]
	}
	os.Exit(setup.DockerHelper(action, os.Stdin, os.Stdout, os.Stderr))
}
