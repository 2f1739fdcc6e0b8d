package setup

import (
	"io"

	"github.com/tok-dev/tok/helper"
)

// openHelperBackend opens the store with the helpers' short deadline and no prompts.
func openHelperBackend() (helper.Backend, error) {
	env, err := Load(Helper)
	if err != nil {
		return helper.Backend{}, err
	}
	store, err := env.OpenStore()
	if err != nil {
		return helper.Backend{}, err
	}
	return helper.Backend{Store: store, Registry: env.Registry}, nil
}

// GitHelper wires git-credential-tok: the protocol in helper, the store from the environment.
func GitHelper(op string, in io.Reader, out, errw io.Writer) int {
	return helper.Git(op, in, out, errw, openHelperBackend)
}

// Version is the version the helpers report; the release build sets it with -ldflags.
var Version = "dev"

// DockerHelper wires docker-credential-tok.
func DockerHelper(action string, in io.Reader, out, errw io.Writer) int {
	return helper.Docker(action, in, out, errw, Version, openHelperBackend)
}
