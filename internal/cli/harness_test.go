package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// harness runs tok's commands in-process against a store in memory, with a clock the test
// sets: no binary, no keychain, no sleep.
type harness struct {
	t     *testing.T
	store *keychain.Store
	env   *setup.Env
	now   time.Time
}

func newHarness(t *testing.T) *harness {
	dir := t.TempDir()
	// Commands that scan for plaintext tokens (status, import) read HOME and the platforms'
	// variables: give them an empty home and none of the person's variables.
	t.Setenv("HOME", filepath.Join(dir, "home"))
	for _, name := range []string{"CURVENOTE_TOKEN", "CODEOCEAN_TOKEN", "CAVE_TOKEN", "XDG_CONFIG_HOME", "NETRC", "DOCKER_CONFIG", "CLOUD_VOLUME_DIR"} {
		t.Setenv(name, "")
	}
	h := &harness{t: t, now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	h.store = keychain.NewStore(keyring.NewArrayKeyring(nil), "memory", "the test", "", time.Second)
	h.store.SetClock(func() time.Time { return h.now })
	h.env = &setup.Env{
		Paths: setup.Paths{
			ConfigFile: filepath.Join(dir, "config", "config.json"),
			DataDir:    filepath.Join(dir, "data"),
			StateDir:   filepath.Join(dir, "state"),
		},
		Registry: platform.Builtin(),
		Mode:     setup.Interactive,
	}
	return h
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs tok with args and stdin (never a terminal).
func (h *harness) run(stdin string, args ...string) result {
	var out, errb bytes.Buffer
	code := Main(args, IO{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		LoadEnv:   func() (*setup.Env, error) { return h.env, nil },
		OpenStore: func(*setup.Env) (*keychain.Store, error) { return h.store, nil },
	})
	return result{code, out.String(), errb.String()}
}

// must runs tok and fails the test unless it exits 0.
func (h *harness) must(stdin string, args ...string) result {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != 0 {
		h.t.Fatalf("tok %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}
