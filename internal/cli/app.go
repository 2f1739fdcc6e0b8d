// Package cli is the tok command: one file per command, each a thin layer of flags over the
// keychain, platform, helper and install packages.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/tok-dev/tok/internal/lifecycle"
	"github.com/tok-dev/tok/internal/oneline"
	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/internal/version"
	"github.com/tok-dev/tok/keychain"
)

// IO is a command's world: the streams it reads and writes, and how it loads tok's
// environment (paths, config, platforms) and opens the store. Main gives the real ones; tests
// give buffers and a store in memory, so every command runs in-process.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// LoadEnv loads tok's environment; nil: from the process environment, for a person.
	LoadEnv func() (*setup.Env, error)
	// OpenStore opens env's store; nil: env.OpenStore.
	OpenStore func(env *setup.Env) (*keychain.Store, error)
}

// exitCode carries a specific exit status through urfave/cli.
type exitCode struct {
	err  error
	code int
}

func (e exitCode) Error() string { return e.err.Error() }
func (e exitCode) Unwrap() error { return e.err }

// withCode makes err end the process with code.
func withCode(code int, err error) error { return exitCode{err: err, code: code} }

// silentExit ends the process with code and prints nothing more (the command already did).
type silentExit int

func (s silentExit) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// Main runs tok with args (without the program name) and returns the exit status.
func Main(args []string, stdio IO) int {
	if len(args) > 0 && args[0] == completeCommand {
		return complete(stdio, args[1:])
	}
	app := newApp(stdio)
	err := app.Run(append([]string{"tok"}, flagsFirst(app, args)...))
	if err == nil {
		return 0
	}
	var silent silentExit
	if errors.As(err, &silent) {
		return int(silent)
	}
	fmt.Fprintln(stdio.Stderr, "tok: "+oneline.Error(err))
	var ec exitCode
	if errors.As(err, &ec) {
		return ec.code
	}
	return 1
}

func newApp(stdio IO) *ucli.App {
	return &ucli.App{
		Name:           "tok",
		Usage:          "keep API tokens in the OS keychain and hand them to git, docker and any program",
		Version:        version.Version,
		Reader:         stdio.Stdin,
		Writer:         stdio.Stdout,
		ErrWriter:      stdio.Stderr,
		ExitErrHandler: func(*ucli.Context, error) {}, // Main decides the exit status
		Before:         func(*ucli.Context) error { sweepGrants(); return nil },
		Description: `tok stores every token in the operating system's keychain (or an encrypted file on
headless machines) and hands it out just in time: to git through git-credential-tok, to docker
through docker-credential-tok, and to any program through tok exec.

Backend: TOK_BACKEND (keychain, wincred, secret-service, kwallet, vault, pass, keyctl, file) or
"backend" in $XDG_CONFIG_HOME/tok/config.json. Without one, the first usable of the OS
keychains, else tok's vault (headless machines): writes need no passphrase, reads are unlocked
once per session by tok unlock, or by TOK_FILE_PASSPHRASE or a prompt on the terminal.`,
		Commands: []*ucli.Command{
			setCommand(stdio),
			getCommand(stdio),
			defaultCommand(stdio),
			listCommand(stdio),
			deleteCommand(stdio),
			statusCommand(stdio),
			doctorCommand(stdio),
			execCommand(stdio),
			loginCommand(stdio),
			refreshCommand(stdio),
			importCommand(stdio),
			unlockCommand(stdio),
			lockCommand(stdio),
			passwdCommand(stdio),
			migrateCommand(stdio),
			agentCommand(),
			envCommand(stdio),
			grantCommand(stdio),
			sbatchCommand(stdio),
			installCommand(stdio),
			uninstallCommand(stdio),
			versionCommand(stdio),
			completionCommand(stdio),
		},
	}
}

// loadEnv loads the environment for a command run by a person.
func (stdio IO) loadEnv() (*setup.Env, error) {
	if stdio.LoadEnv != nil {
		return stdio.LoadEnv()
	}
	return setup.Load(setup.Interactive)
}

// openStore loads the environment and opens the store.
func (stdio IO) openStore() (*setup.Env, *keychain.Store, error) {
	env, err := stdio.loadEnv()
	if err != nil {
		return nil, nil, err
	}
	store, err := stdio.storeOf(env)
	if err != nil {
		return env, nil, err
	}
	return env, store, nil
}

// storeOf opens env's store.
func (stdio IO) storeOf(env *setup.Env) (*keychain.Store, error) {
	sweepRunDirs()
	if stdio.OpenStore != nil {
		return stdio.OpenStore(env)
	}
	return env.OpenStore()
}

// listStore opens the store and lists every record in it.
func (stdio IO) listStore() (*setup.Env, *keychain.Store, []keychain.Entry, error) {
	env, store, err := stdio.openStore()
	if err != nil {
		return env, nil, nil, err
	}
	sweepVaultTemps(env)
	entries, err := store.List()
	return env, store, entries, err
}

// isTerminal reports whether r or w is a terminal.
func isTerminal(f any) bool {
	if file, ok := f.(*os.File); ok {
		return term.IsTerminal(int(file.Fd()))
	}
	return false
}

// usageError is a mistake in how a command was called: exit 2, as most tools do.
func usageError(format string, args ...any) error {
	return withCode(2, fmt.Errorf(format, args...))
}

// flagsFirst moves a command's flags before its arguments, so "tok set TARGET --platform cave"
// works: urfave/cli stops reading flags at the first argument. Nothing after "--" moves.
func flagsFirst(app *ucli.App, args []string) []string {
	if len(args) == 0 {
		return args
	}
	cmd := app.Command(args[0])
	if cmd == nil || cmd.Name == "exec" || cmd.Name == "sbatch" {
		return args // exec's own flags come before the program, whose flags are its own (sbatch: the script)
	}
	prefix := 1
	for prefix < len(args) {
		sub := cmd.Command(args[prefix])
		if sub == nil {
			break
		}
		cmd = sub
		prefix++
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*ucli.BoolFlag)
		for _, name := range f.Names() {
			takesValue[name] = !isBool
		}
	}
	var flags, rest []string
	for i := prefix; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if takesValue[name] && !strings.Contains(a, "=") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	out := append([]string{}, args[:prefix]...)
	return append(append(out, flags...), rest...)
}

// renewer renews tokens in this process (tok itself links the HTTP client; the helpers do not).
func renewer(env *setup.Env, store *keychain.Store) lifecycle.Service {
	return lifecycle.Service{Store: store, Registry: env.Registry}
}

// warnTo says a renewal that failed while the old token still works, on stderr.
func warnTo(stdio IO) func(error) {
	return func(err error) { fmt.Fprintln(stdio.Stderr, "tok: warning: "+err.Error()) }
}
