package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

func passwdCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "passwd",
		Usage: "change the vault's passphrase",
		Description: `Asks for the current passphrase (or takes TOK_FILE_PASSPHRASE), then the new one twice, and
seals the vault's key with the new one. Records are not rewritten, and vault.json is replaced
all at once: an interrupted tok passwd leaves the old passphrase working. An unlocked vault
stays unlocked.

Examples:
   tok passwd
   printf '%s\n%s\n' "$OLD" "$NEW" | tok passwd --passphrase-stdin   # for scripts`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "passphrase-stdin", Usage: "read the current passphrase, then the new one, one line each from standard input"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageError("usage: tok passwd [--passphrase-stdin]")
			}
			env, v, err := openVault(stdio)
			if err != nil {
				return err
			}
			if !v.Exists() {
				return keychain.ErrNoVault
			}
			var current, next string
			if c.Bool("passphrase-stdin") {
				in := bufio.NewReader(stdio.Stdin)
				if current, err = readPassphraseLine(in); err == nil {
					next, err = readPassphraseLine(in)
				}
				if err != nil {
					return fmt.Errorf("tok passwd --passphrase-stdin reads two lines, the current passphrase then the new one: %w", err)
				}
			} else {
				if current, err = currentPassphrase(v); err != nil {
					return err
				}
				if next, err = setup.NewPassphrase("", "New passphrase for the vault: "); err != nil {
					return noTerminal(err, "tok passwd")
				}
			}
			opts := env.StoreOptions()
			unlock, err := keychain.LockFile(opts.LockPath, opts.Timeout)
			if err != nil {
				return err
			}
			defer unlock()
			if err := v.ChangePassphrase(current, next); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stderr, "Changed the passphrase of the vault at %s.\n", v.Dir())
			return nil
		},
	}
}

// currentPassphrase is TOK_FILE_PASSPHRASE, else asked on the terminal until it opens the
// vault (at most setup.PassphraseTries times).
func currentPassphrase(v *keychain.Vault) (string, error) {
	if p, ok := os.LookupEnv(setup.EnvPassphrase); ok {
		return p, nil
	}
	for try := 1; ; try++ {
		prompt := "Current passphrase of the vault: "
		if try > 1 {
			prompt = fmt.Sprintf("Wrong passphrase; try again (%d of %d): ", try, setup.PassphraseTries)
		}
		p, err := setup.PromptPassphrase(prompt)
		if err != nil {
			return "", noTerminal(err, "tok passwd")
		}
		_, err = v.UnlockWithPassphrase(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, keychain.ErrWrongPassphrase) || try >= setup.PassphraseTries {
			return "", err
		}
	}
}

// readPassphraseLine reads one line (its newline and a CR before it dropped); an empty line
// or none is an error.
func readPassphraseLine(in *bufio.Reader) (string, error) {
	line, err := in.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("standard input ended before a passphrase line")
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("an empty line is not a passphrase")
	}
	return line, nil
}

// noTerminal turns "no passphrase source" into what to do for the command cmd.
func noTerminal(err error, cmd string) error {
	if errors.Is(err, keychain.ErrNoPassphrase) {
		return fmt.Errorf("%s needs the vault's passphrase and there is no terminal to ask on: pipe it in with %s --passphrase-stdin (as docker login does), or set %s", cmd, cmd, setup.EnvPassphrase)
	}
	return err
}
