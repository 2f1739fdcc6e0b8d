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
	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

// Version is set by the release build (-ldflags "-X .../internal/cli.Version=...").
var Version = "dev"

// IO is what a command reads and writes; tests give buffers.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
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
	app := newApp(stdio)
	err := app.Run(append([]string{"tok"}, flagsFirst(app, args)...))
	if err == nil {
		return 0
	}
	var silent silentExit
	if errors.As(err, &silent) {
		return int(silent)
	}
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintln(stdio.Stderr, "tok: "+strings.ReplaceAll(msg, "\n", " "))
	var ec exitCode
	if errors.As(err, &ec) {
		return ec.code
	}
	return 1
}

func newApp(stdio IO) *ucli.App {
	return &ucli.App{
		Name:                 "tok",
		Usage:                "keep API tokens in the OS keychain and hand them to git, docker and any program",
		Version:              Version,
		HideVersion:          true,
		EnableBashCompletion: true,
		Reader:               stdio.Stdin,
		Writer:               stdio.Stdout,
		ErrWriter:            stdio.Stderr,
		ExitErrHandler:       func(*ucli.Context, error) {}, // Main decides the exit status
		Description: `tok stores every token in the operating system's keychain (or an encrypted file on
headless machines) and hands it out just in time: to git through git-credential-tok, to docker
through docker-credential-tok, and to any program through tok exec.

Backend: TOK_BACKEND (keychain, wincred, secret-service, kwallet, pass, keyctl, file) or
"backend" in $XDG_CONFIG_HOME/tok/config.json; the file backend is unlocked by
TOK_FILE_PASSPHRASE or a prompt on the terminal.`,
		Commands: []*ucli.Command{
			setCommand(stdio),
			getCommand(stdio),
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
			installCommand(stdio),
			uninstallCommand(stdio),
			versionCommand(stdio),
			completionCommand(stdio),
		},
	}
}

// loadEnv loads the environment for a command run by a person.
func loadEnv() (*setup.Env, error) { return setup.Load(setup.Interactive) }

// openStore loads the environment and opens the store.
func openStore() (*setup.Env, *keychain.Store, error) {
	env, err := loadEnv()
	if err != nil {
		return nil, nil, err
	}
	store, err := env.OpenStore()
	if err != nil {
		return env, nil, err
	}
	return env, store, nil
}

// listStore opens the store and lists every record in it.
func listStore() (*setup.Env, *keychain.Store, []keychain.Entry, error) {
	env, store, err := openStore()
	if err != nil {
		return env, nil, nil, err
	}
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
	if cmd == nil || cmd.Name == "exec" {
		return args // exec's own flags come before the program, whose flags are its own
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
func renewer(env *setup.Env, store *keychain.Store) lifecycle.Renewer {
	return lifecycle.Renewer{Store: store, Registry: env.Registry}
}
