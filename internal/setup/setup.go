// Package setup turns tok's environment (TOK_BACKEND, TOK_FILE_PASSPHRASE, the XDG directories
// and the config file) into an opened keychain.Store and a platform.Registry. Every binary
// opens its store through here, so all of them agree on where things are.
package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/adrg/xdg"

	"github.com/tok-dev/tok/internal/prompt"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// Environment variables tok reads.
const (
	EnvBackend    = "TOK_BACKEND"
	EnvPassphrase = keychain.PassphraseEnv
	// EnvTimeout overrides the deadline of backend calls (a Go duration, as "10s").
	EnvTimeout = "TOK_TIMEOUT"
	// EnvVaultCache chooses where tok unlock keeps the vault open: keyctl, agent or none.
	EnvVaultCache = "TOK_VAULT_CACHE"
)

// Mode says whether a person may be waiting at a terminal (longer deadlines, prompts allowed)
// or a program is (git, docker: short deadlines, never a prompt).
type Mode int

const (
	Helper Mode = iota
	Interactive
)

// Paths are where tok keeps its files.
type Paths struct {
	ConfigFile string // $XDG_CONFIG_HOME/tok/config.json
	DataDir    string // $XDG_DATA_HOME/tok
	StateDir   string // $XDG_STATE_HOME/tok
}

// DefaultPaths reads the XDG directories from the environment as it is now.
func DefaultPaths() Paths {
	xdg.Reload()
	return Paths{
		ConfigFile: filepath.Join(xdg.ConfigHome, "tok", "config.json"),
		DataDir:    filepath.Join(xdg.DataHome, "tok"),
		StateDir:   filepath.Join(xdg.StateHome, "tok"),
	}
}

// VaultDir is the vault's directory.
func (p Paths) VaultDir() string { return filepath.Join(p.DataDir, "vault") }

// FileDir is the file backend's directory.
func (p Paths) FileDir() string { return filepath.Join(p.DataDir, "file") }

// LockPath is the store's write lock: outside FileDir, since the file backend lists that.
func (p Paths) LockPath() string { return filepath.Join(p.StateDir, "store.lock") }

// Config is the config file. JSON: no dependency, the same format as the files tok imports
// (docker's config.json, Curvenote's settings.json), and strict decoding names a misspelt key.
type Config struct {
	Backend   string           `json:"backend,omitempty"`
	Platforms []PlatformConfig `json:"platforms,omitempty"`
	// GrantMaxTTL caps every grant's lifetime (a Go duration, as "72h").
	GrantMaxTTL string `json:"grant_max_ttl,omitempty"`
}

// PlatformConfig is a user-defined platform (or new hosts and env names for a built-in one).
type PlatformConfig struct {
	Name        string   `json:"name"`
	Hosts       []string `json:"hosts,omitempty"`
	Env         []string `json:"env,omitempty"`
	DomainEnv   string   `json:"domain_env,omitempty"`
	Auth        string   `json:"auth,omitempty"`
	GitUsername string   `json:"git_username,omitempty"`
}

// LoadConfig reads the config file; a missing file is an empty config and costs one stat.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Config{}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("reading the config file: %w", err)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("the config file %s does not parse: %v", path, err)
	}
	return c, nil
}

// Registry returns the built-in platforms plus the config's.
func (c Config) Registry() (*platform.Registry, error) {
	r := platform.Builtin()
	for _, pc := range c.Platforms {
		p := platform.Platform{
			Name: pc.Name, TokenEnv: pc.Env, DomainEnv: pc.DomainEnv,
			Auth: platform.Auth(pc.Auth), GitUsername: pc.GitUsername,
		}
		for _, h := range pc.Hosts {
			host, err := keychain.NormalizeHost(h, true)
			if err != nil {
				return nil, fmt.Errorf("config file: platform %s: host %q: %v", pc.Name, h, err)
			}
			p.Hosts = append(p.Hosts, host)
		}
		if err := r.Add(p); err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
	}
	return r, nil
}

// Env is everything tok reads from its environment, resolved once.
type Env struct {
	Paths    Paths
	Config   Config
	Registry *platform.Registry
	Mode     Mode
	prompts  int // passphrase prompts so far
}

// Load reads the config file and builds the registry.
func Load(mode Mode) (*Env, error) {
	paths := DefaultPaths()
	cfg, err := LoadConfig(paths.ConfigFile)
	if err != nil {
		return nil, err
	}
	reg, err := cfg.Registry()
	if err != nil {
		return nil, err
	}
	return &Env{Paths: paths, Config: cfg, Registry: reg, Mode: mode}, nil
}

// StoreOptions says which backend to open, from TOK_BACKEND, else the config file, else the
// default order.
func (e *Env) StoreOptions() keychain.Options {
	opts := keychain.Options{
		FileDir:    e.Paths.FileDir(),
		LockPath:   e.Paths.LockPath(),
		Timeout:    keychain.DefaultHelperTimeout,
		Passphrase: e.passphrase,
		// The vault's: asked twice on creation, up to three tries at a terminal, and a
		// place outside the vault's directory to keep what authenticates it.
		NewPassphrase:   e.newPassphrase,
		PassphraseTries: e.passphraseTries(),
		VaultStateDir:   filepath.Join(e.Paths.StateDir, "vault"),
		PassDir:         os.Getenv("PASSWORD_STORE_DIR"),
		VaultDir:        e.Paths.VaultDir(),
		VaultCaches:     vaultCaches(),
	}
	if e.Mode == Interactive {
		opts.Timeout = keychain.DefaultInteractiveTimeout
	}
	if d, err := time.ParseDuration(os.Getenv(EnvTimeout)); err == nil && d > 0 {
		opts.Timeout = d
	}
	if b := strings.TrimSpace(os.Getenv(EnvBackend)); b != "" {
		opts.Backend, opts.Chosen = strings.ToLower(b), EnvBackend
	} else if e.Config.Backend != "" {
		opts.Backend, opts.Chosen = strings.ToLower(e.Config.Backend), "the config file "+e.Paths.ConfigFile
	}
	return opts
}

// OpenStore opens the store: the grant TOK_GRANT names when it is set, else the backend.
func (e *Env) OpenStore() (*keychain.Store, error) {
	if s, ok, err := e.openGrantStore(); ok {
		return s, err
	}
	return keychain.Open(e.StoreOptions())
}

// passphrase gives the file store's passphrase: TOK_FILE_PASSPHRASE, else (interactive
// commands only) a no-echo prompt on the terminal.
func (e *Env) passphrase() (string, error) {
	if p, ok, err := envPassphrase(); ok || err != nil {
		return p, err
	}
	if e.Mode != Interactive {
		return "", keychain.ErrNoPassphrase // a helper asks outside the backend's deadline: helperUnlock
	}
	e.prompts++
	if e.prompts > 1 {
		return PromptPassphrase(fmt.Sprintf("Wrong passphrase; try again (%d of %d): ", e.prompts, PassphraseTries))
	}
	return PromptPassphrase("Passphrase for tok's encrypted store: ")
}

// newPassphrase gives the passphrase of a vault being created in dir: TOK_FILE_PASSPHRASE,
// else (interactive commands only) asked twice on the terminal, saying a vault is being made.
func (e *Env) newPassphrase(dir string) (string, error) {
	if p, ok, err := envPassphrase(); ok || err != nil {
		return p, err
	}
	if e.Mode != Interactive {
		return "", keychain.ErrNoPassphrase
	}
	return NewPassphrase("Creating tok's vault at "+dir+".", "Passphrase for the new vault: ")
}

// envPassphrase is TOK_FILE_PASSPHRASE when set; set but empty is an error.
func envPassphrase() (string, bool, error) {
	p, ok := os.LookupEnv(EnvPassphrase)
	if ok && p == "" {
		return "", false, fmt.Errorf("%s is set but empty: give it the file store's passphrase", EnvPassphrase)
	}
	return p, ok, nil
}

// PassphraseTries is how many times a person at a terminal may give a wrong passphrase.
const PassphraseTries = 3

// passphraseTries is PassphraseTries when the passphrase would come from a prompt, else 1.
func (e *Env) passphraseTries() int {
	if _, ok := os.LookupEnv(EnvPassphrase); ok || e.Mode != Interactive {
		return 1
	}
	return PassphraseTries
}

// ErrPassphraseMismatch means the two entries of a new passphrase differ.
var ErrPassphraseMismatch = errors.New("the two passphrases do not match; nothing was changed")

// PromptPassphrase asks for a passphrase on the terminal (/dev/tty) without echo. With no
// terminal it returns keychain.ErrNoPassphrase.
func PromptPassphrase(label string) (string, error) {
	p, err := prompt.Secret(label)
	if errors.Is(err, prompt.ErrNoTerminal) {
		return "", keychain.ErrNoPassphrase
	}
	return p, err
}

// DefaultUnlockTimeout is how long tok unlock, or a helper's passphrase prompt, keeps the
// vault unlocked: a working day.
const DefaultUnlockTimeout = 10 * time.Hour

// helperUnlock is how a helper (git, docker) unlocks a locked vault it must read: like a
// pinentry, it asks on the terminal, when there is one, outside every backend deadline (a
// person types slower than a keychain answers), unlocks the store's own vault with the
// passphrase, and keeps it unlocked for DefaultUnlockTimeout in the first cache that takes it,
// as tok unlock does. It asks nobody (false) when the store is not the vault, when there is no
// terminal, or when GIT_TERMINAL_PROMPT=0 says no prompt is wanted; the caller then reports
// the locked vault, which names tok unlock.
func (e *Env) helperUnlock(store *keychain.Store) func() (bool, error) {
	return func() (bool, error) {
		v, ok := store.VaultOf()
		if !ok || !v.Exists() || os.Getenv("GIT_TERMINAL_PROMPT") == "0" {
			return false, nil
		}
		pass, err := prompt.Secret(fmt.Sprintf("tok: the vault is locked. Passphrase to unlock it for %s (tok lock locks it): ", shortDuration(DefaultUnlockTimeout)))
		if errors.Is(err, prompt.ErrNoTerminal) {
			return false, nil
		}
		if err != nil {
			return true, err
		}
		identity, err := v.UnlockWithPassphrase(pass)
		if err != nil {
			return true, err
		}
		until := time.Now().Add(DefaultUnlockTimeout)
		for _, c := range e.StoreOptions().VaultCaches {
			if c.Keep(v.VaultID(), identity, until) == nil {
				prompt.Say(fmt.Sprintf("tok: the vault is unlocked until %s (held by %s).", until.Format("15:04 Mon 2 Jan"), c.Name()))
				break
			}
		}
		return true, nil
	}
}

func shortDuration(d time.Duration) string {
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// NewPassphrase says what is happening, then asks for a new passphrase twice on the terminal:
// an empty one or two that differ are refused.
func NewPassphrase(intro, label string) (string, error) {
	if intro != "" {
		if err := prompt.Say(intro); err != nil {
			return "", keychain.ErrNoPassphrase
		}
	}
	first, err := PromptPassphrase(label)
	if err != nil {
		return "", err
	}
	if first == "" {
		return "", errors.New("an empty passphrase protects nothing; nothing was changed")
	}
	again, err := PromptPassphrase("Repeat it: ")
	if err != nil {
		return "", err
	}
	if again != first {
		return "", ErrPassphraseMismatch
	}
	return first, nil
}

// vaultCaches are where an unlocked vault is kept: TOK_VAULT_CACHE chooses keyctl, agent or
// none; by default the kernel keyring where Linux allows it, else tok agent.
func vaultCaches() []keychain.IdentityCache {
	all := keychain.DefaultVaultCaches(os.Getenv("XDG_RUNTIME_DIR"))
	choice := os.Getenv(EnvVaultCache)
	if choice == "" {
		return all
	}
	var out []keychain.IdentityCache
	for _, c := range all {
		_, isKernel := c.(keychain.KernelKeyringCache)
		if (choice == "keyctl" && isKernel) || (choice == "agent" && !isKernel) {
			out = append(out, c)
		}
	}
	return out
}
