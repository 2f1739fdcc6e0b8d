package setup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tok-dev/tok/internal/busguard"
	"github.com/tok-dev/tok/keychain"

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
	if helperInfo(GitPage, op, out) {
		return 0
	}
	return helper.Git(op, in, out, errw, openHelperBackend)
}

// DockerHelper wires docker-credential-tok.
func DockerHelper(action string, in io.Reader, out, errw io.Writer) int {
	if helperInfo(DockerPage, action, out) {
		return 0
	}
	return helper.Docker(action, in, out, errw, openHelperBackend)
}

// Backend bundles the store with the platforms and the helpers' renewer.
func (e *Env) Backend(store *keychain.Store) helper.Backend {
	b := helper.Backend{Store: store, Registry: e.Registry, Renewer: refreshChild{store: store}}
	if e.Mode == Helper {
		b.Unlock = e.helperUnlock(store)
	}
	return b
}

// refreshChild renews a due token by running "tok refresh --due --key KEY": the helpers never
// link net/http (it would cost them more start-up time than all their own work), and tok's
// single flight across processes is the same. The record is named by its stored key, so a
// second account's token renews as the first's does.
type refreshChild struct{ store *keychain.Store }

func (r refreshChild) Renew(ctx context.Context, key keychain.Target, rec keychain.Record) (keychain.Record, error) {
	cmd := exec.CommandContext(ctx, SiblingBinary("tok"), "refresh", "--due", "--quick", "--key", key.Key())
	cmd.Env = busguard.Environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	current, _, err := r.store.Find(key)
	if err != nil {
		return rec, err
	}
	if runErr != nil {
		msg := strings.TrimPrefix(strings.TrimSpace(stderr.String()), "tok: ")
		if msg == "" {
			msg = "tok refresh: " + runErr.Error()
		}
		return current, errors.New(msg)
	}
	return current, nil
}

// SiblingBinary is the path of the tok binary named name beside the running one (a package
// installs them together), else name itself, found on PATH.
func SiblingBinary(name string) string {
	self, err := os.Executable()
	if err != nil {
		return name
	}
	sibling := filepath.Join(filepath.Dir(self), name+filepath.Ext(self))
	if _, err := os.Stat(sibling); err != nil {
		return name
	}
	return sibling
}
