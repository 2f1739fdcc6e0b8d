package keychain

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/99designs/keyring"

	// keyring dials the session bus in its init; busguard (initialised first) stops that
	// from launching a dbus-daemon that would outlive tok. Imported here, so no binary or
	// test that links keyring can forget it.
	_ "github.com/tok-dev/tok/internal/busguard"
)

// Backend names, as TOK_BACKEND and the config file spell them.
const (
	BackendKeychain      = "keychain"
	BackendWinCred       = "wincred"
	BackendSecretService = "secret-service"
	BackendKWallet       = "kwallet"
	BackendPass          = "pass"
	BackendKeyctl        = "keyctl"
	BackendFile          = "file"
)

// BackendNames lists every backend a user may choose.
var BackendNames = []string{BackendKeychain, BackendWinCred, BackendSecretService, BackendKWallet, BackendVault, BackendPass, BackendKeyctl, BackendFile}

// defaultOrder: OS keychains first, then tok's own encrypted store (the vault).
// pass, keyctl and keyring's file backend are only used when chosen.
var defaultOrder = []string{BackendKeychain, BackendWinCred, BackendSecretService, BackendKWallet, BackendVault}

// ErrUnknownBackend means TOK_BACKEND or the config named no backend tok knows.
var ErrUnknownBackend = errors.New("unknown backend")

// ErrNoPassphrase means the file store was chosen but nothing can unlock it.
var ErrNoPassphrase = errors.New("the file store needs a passphrase: set TOK_FILE_PASSPHRASE, or run tok from a terminal to be asked for it")

// Options says which backend to open and how.
type Options struct {
	// Backend is one of BackendNames, or empty for the default order.
	Backend string
	// Chosen says where Backend came from ("TOK_BACKEND", "config file"), for doctor.
	Chosen string
	// Timeout bounds every backend call, opening included.
	Timeout time.Duration
	// FileDir is the file backend's directory ($XDG_DATA_HOME/tok/file).
	FileDir string
	// LockPath is the write lock, outside FileDir ($XDG_STATE_HOME/tok/store.lock).
	LockPath string
	// Passphrase gives the file store's passphrase; nil or ErrNoPassphrase when there is none.
	Passphrase func() (string, error)
	// PassDir is pass's store; empty for pass's default.
	PassDir string
	// VaultDir is the vault's directory ($XDG_DATA_HOME/tok/vault).
	VaultDir string
	// VaultCaches hold the unlocked vault identity between processes.
	VaultCaches []IdentityCache
	// NewPassphrase gives the passphrase of a vault being created in the directory it is
	// given (asked twice); nil: Passphrase.
	NewPassphrase func(dir string) (string, error)
	// PassphraseTries is how many wrong passphrases the vault takes from Passphrase (a person
	// at a prompt may mistype); 0 means 1.
	PassphraseTries int
	// VaultStateDir is the vault's local state, outside its directory: where it pins the
	// vault's recipient and notes the records this machine wrote ($XDG_STATE_HOME/tok/vault).
	VaultStateDir string
}

// ServiceName names tok in the backends that have such a notion (keychain service, wincred
// prefix, keyctl keyring, kwallet folder).
const ServiceName = "tok"

// Open opens the chosen backend, or the first usable one of the default order, and says why.
func Open(opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultHelperTimeout
	}
	if opts.Backend != "" {
		if !known(opts.Backend) {
			return nil, fmt.Errorf("%w %q (from %s): choose one of %s", ErrUnknownBackend, opts.Backend, orDefault(opts.Chosen, "TOK_BACKEND"), strings.Join(BackendNames, ", "))
		}
		ring, err := openBackend(opts.Backend, opts)
		if err != nil {
			return nil, err
		}
		return NewStore(ring, opts.Backend, "chosen by "+orDefault(opts.Chosen, "TOK_BACKEND"), opts.LockPath, opts.Timeout), nil
	}
	var skipped []string
	for _, name := range defaultOrder {
		if !builtIn(name) {
			continue
		}
		if name != BackendVault && !registered(name) {
			skipped = append(skipped, name+": "+unregisteredReason(name))
			continue
		}
		if name == BackendSecretService {
			// Opening is lazy; in the default order, probe that a usable login keyring is there.
			_, err := withDeadline(name, opts.Timeout, func() (struct{}, error) { return struct{}{}, checkSecretService() })
			if errors.Is(err, ErrTimeout) {
				return nil, err
			}
			if err != nil {
				skipped = append(skipped, name+": "+err.Error())
				continue
			}
		}
		ring, err := openBackend(name, opts)
		if errors.Is(err, ErrTimeout) {
			return nil, err // a hung keychain is reported, never silently replaced by another store
		}
		if err != nil {
			skipped = append(skipped, name+": "+err.Error())
			continue
		}
		why := "first available in the default order"
		if len(skipped) > 0 {
			why += " (skipped " + strings.Join(skipped, "; ") + ")"
		}
		return NewStore(ring, name, why, opts.LockPath, opts.Timeout), nil
	}
	return nil, fmt.Errorf("no keychain backend is usable: %s", strings.Join(skipped, "; "))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func known(name string) bool {
	for _, n := range BackendNames {
		if n == name {
			return true
		}
	}
	return false
}

// builtIn reports whether this build of tok can have the backend at all.
func builtIn(name string) bool {
	switch name {
	case BackendKeychain:
		return runtime.GOOS == "darwin"
	case BackendWinCred:
		return runtime.GOOS == "windows"
	case BackendSecretService, BackendKWallet, BackendKeyctl:
		return runtime.GOOS == "linux"
	case BackendPass:
		return runtime.GOOS != "windows"
	}
	return true // file, vault
}

func registered(name string) bool {
	for _, b := range keyring.AvailableBackends() {
		if string(b) == name {
			return true
		}
	}
	return false
}

// unregisteredReason explains why keyring did not register a backend this build has: on Linux,
// the D-Bus backends register only when a session bus answered when the process started.
func unregisteredReason(name string) string {
	switch name {
	case BackendSecretService, BackendKWallet:
		if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != busDisabled {
			return "the D-Bus session bus at DBUS_SESSION_BUS_ADDRESS did not answer"
		}
		return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and " + userBusPath() + " does not exist); run inside a desktop session or dbus-run-session, or use tok's vault (TOK_BACKEND=vault)"
	case BackendKeychain:
		return "this tok was built without cgo, which the macOS Keychain needs; install a release build"
	}
	return "not supported on " + runtime.GOOS
}

// busDisabled is what busguard sets when there is no bus, so keyring's init does not launch one.
const busDisabled = "disabled:"

func userBusPath() string { return fmt.Sprintf("/run/user/%d/bus", os.Getuid()) }

func openBackend(name string, opts Options) (keyring.Keyring, error) {
	if !builtIn(name) {
		return nil, fmt.Errorf("the %s backend is not available on %s", name, runtime.GOOS)
	}
	switch name {
	case BackendVault:
		if opts.VaultDir == "" {
			return nil, errors.New("the vault has no directory (XDG_DATA_HOME and HOME are unset)")
		}
		v, err := OpenVaultWith(opts)
		if err != nil {
			return nil, err
		}
		return timedRing{ring: v, backend: name, timeout: opts.Timeout}, nil
	case BackendFile:
		if opts.FileDir == "" {
			return nil, errors.New("the file store has no directory (XDG_DATA_HOME and HOME are unset)")
		}
		if opts.Passphrase == nil {
			return nil, ErrNoPassphrase
		}
		// Asked for now, so a missing passphrase is one clear error at open, not one per item.
		pass, err := opts.Passphrase()
		if err != nil {
			return nil, err
		}
		ring, err := openFileRing(opts.FileDir, func(string) (string, error) { return pass, nil })
		if err != nil {
			return nil, err
		}
		return timedRing{ring: ring, backend: name, timeout: opts.Timeout}, nil
	case BackendPass:
		if _, err := exec.LookPath("pass"); err != nil {
			return nil, errors.New("the pass backend needs the pass program on PATH (apt install pass), and a store made with pass init")
		}
	}
	if !registered(name) {
		return nil, fmt.Errorf("the %s backend is unavailable: %s", name, unregisteredReason(name))
	}
	cfg := keyring.Config{
		AllowedBackends:          []keyring.BackendType{keyring.BackendType(name)},
		ServiceName:              ServiceName,
		KeychainTrustApplication: true,
		KeychainSynchronizable:   false,
		LibSecretCollectionName:  "login",
		KWalletAppID:             ServiceName,
		KWalletFolder:            ServiceName,
		KeyCtlScope:              "user",
		KeyCtlPerm:               0x3f3f0000,
		PassDir:                  opts.PassDir,
		PassPrefix:               ServiceName,
		WinCredPrefix:            ServiceName,
	}
	if name == BackendSecretService {
		ring := newSecretServiceRing(func() (keyring.Keyring, error) { return openWithReason(cfg) })
		return timedRing{ring: ring, backend: name, timeout: opts.Timeout}, nil
	}
	ring, err := withDeadline(name, opts.Timeout, func() (keyring.Keyring, error) { return openWithReason(cfg) })
	if err != nil {
		return nil, err
	}
	var wrapped keyring.Keyring = ring
	switch name {
	case BackendWinCred:
		wrapped = chunkedRing{ring: ring, max: WinCredMaxBlob}
	case BackendPass:
		wrapped = escapedRing{ring: ring}
	}
	return timedRing{ring: wrapped, backend: name, timeout: opts.Timeout}, nil
}

var openMu sync.Mutex

// openWithReason calls keyring.Open for exactly one backend and, when it fails, returns the
// backend's own error: keyring.Open only says "Specified keyring backend not available" and
// logs the cause when keyring.Debug is on, so the log is captured for the length of the call.
func openWithReason(cfg keyring.Config) (keyring.Keyring, error) {
	openMu.Lock()
	defer openMu.Unlock()
	var buf bytes.Buffer
	prevOut, prevFlags, prevDebug := log.Writer(), log.Flags(), keyring.Debug
	log.SetOutput(&buf)
	log.SetFlags(0)
	keyring.Debug = true
	ring, err := keyring.Open(cfg)
	keyring.Debug = prevDebug
	log.SetOutput(prevOut)
	log.SetFlags(prevFlags)
	if err == nil {
		return ring, nil
	}
	name := string(cfg.AllowedBackends[0])
	for _, line := range strings.Split(buf.String(), "\n") {
		if _, reason, ok := strings.Cut(line, "Failed backend "+name+": "); ok {
			return nil, fmt.Errorf("the %s backend could not be opened: %s", name, reason)
		}
	}
	return nil, fmt.Errorf("the %s backend could not be opened: %w", name, err)
}

// DefaultVaultCaches are where an unlocked vault identity is kept: the kernel keyring where
// Linux allows it, else tok agent.
func DefaultVaultCaches(runtimeDir string) []IdentityCache {
	return append(kernelKeyringCaches(), agentCaches(runtimeDir)...)
}

// VaultOf gives the vault behind a store opened on the vault backend.
func (s *Store) VaultOf() (*Vault, bool) {
	if tr, ok := s.ring.(timedRing); ok {
		v, ok := tr.ring.(*Vault)
		return v, ok
	}
	v, ok := s.ring.(*Vault)
	return v, ok
}
