package setup

import (
	"io"
	"net/http"
	"time"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"

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
	return env.Backend(store), nil
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

// Backend bundles the store with the platforms and an HTTP client whose patience fits the
// mode: helpers give a server 3 s and one retry, commands 5 s and two.
func (e *Env) Backend(store *keychain.Store) helper.Backend {
	client := platform.DefaultClient()
	if e.Mode == Helper {
		client = &platform.Client{HTTP: &http.Client{Timeout: 3 * time.Second}, Attempts: 2, Backoff: 200 * time.Millisecond}
	}
	return helper.Backend{Store: store, Registry: e.Registry, Client: client}
}
