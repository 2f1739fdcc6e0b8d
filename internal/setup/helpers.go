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
	"github.com/tok-dev/tok/internal/version"
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
	return helper.Docker(action, in, out, errw, version.Version, openHelperBackend)
}

// Backend bundles the store with the platforms. Its Fresh renews a token that is about to
// expire by running "tok refresh --due": the helpers never link net/http (it would cost them
// more start-up time than all their own work), and single flight across processes is the same.
func (e *Env) Backend(store *keychain.Store) helper.Backend {
	return helper.Backend{Store: store, Registry: e.Registry, Fresh: func(ctx context.Context, rec keychain.Record) (keychain.Record, error) {
		if !rec.NeedsRefresh(store.Now()) {
			return rec, nil
		}
		return refreshThroughTok(ctx, store, rec)
	}}
}

func refreshThroughTok(ctx context.Context, store *keychain.Store, rec keychain.Record) (keychain.Record, error) {
	tok := "tok"
	if self, err := os.Executable(); err == nil {
		sibling := filepath.Join(filepath.Dir(self), "tok"+filepath.Ext(self))
		if _, err := os.Stat(sibling); err == nil {
			tok = sibling
		}
	}
	cmd := exec.CommandContext(ctx, tok, "refresh", "--due", "--quick", rec.Target)
	cmd.Env = busguard.Environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	t, err := rec.ParsedTarget()
	if err != nil {
		return rec, err
	}
	current, _, err := store.Find(t)
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
