package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

// DefaultUnlockTimeout is how long tok unlock keeps the vault open: a working day.
const DefaultUnlockTimeout = setup.DefaultUnlockTimeout

// openVault loads the environment and opens its vault, whatever backend is chosen (unlock,
// lock and migrate are about the vault itself).
func openVault(stdio IO) (*setup.Env, *keychain.Vault, error) {
	env, err := stdio.loadEnv()
	if err != nil {
		return nil, nil, err
	}
	opts := env.StoreOptions()
	v, err := keychain.OpenVaultWith(opts)
	return env, v, err
}

func unlockCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "unlock",
		Usage: "unlock the vault once, so helpers read it without a passphrase until the timeout or tok lock",
		Description: `Asks for the vault's passphrase (or takes TOK_FILE_PASSPHRASE) and keeps the unlocked key in
the kernel keyring (Linux, with the kernel's own timeout) or, where that is refused, in tok agent
(a small process on a 0700 socket in $XDG_RUNTIME_DIR that answers only you and exits when it
holds nothing). Then git, docker and tok exec read without prompts.

On a terminal a mistyped passphrase may be given again (three tries). Without one (a script,
ssh without -t), --passphrase-stdin reads it as one line from standard input, as docker login
does.

Examples:
   tok unlock                   # for a working day (10h)
   tok unlock --timeout 2h
   printf '%s\n' "$PASS" | tok unlock --passphrase-stdin`,
		Flags: []ucli.Flag{
			&ucli.DurationFlag{Name: "timeout", Value: DefaultUnlockTimeout, Usage: "how long the vault stays unlocked"},
			&ucli.BoolFlag{Name: "passphrase-stdin", Usage: "read the passphrase as one line from standard input"},
		},
		Action: func(c *ucli.Context) error {
			env, v, err := openVault(stdio)
			if err != nil {
				return err
			}
			if !v.Exists() {
				return keychain.ErrNoVault
			}
			if c.Bool("passphrase-stdin") {
				pass, err := readPassphraseLine(bufio.NewReader(stdio.Stdin))
				if err != nil {
					return fmt.Errorf("tok unlock --passphrase-stdin reads the passphrase as one line: %w", err)
				}
				if _, err := v.UnlockWithPassphrase(pass); err != nil {
					return err
				}
			}
			if _, err := v.Identity(); errors.Is(err, keychain.ErrVaultLocked) {
				return noTerminal(keychain.ErrNoPassphrase, "tok unlock")
			} else if err != nil {
				return err
			}
			// The timeout counts from the moment the key is open.
			until := time.Now().Add(c.Duration("timeout"))
			cache, err := v.KeepUnlocked(env.StoreOptions().VaultCaches, env.Paths.StateDir, until)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stderr, "The vault is unlocked until %s (held by %s). tok lock locks it now.\n", until.Format("15:04 Mon 2 Jan"), cache.Name())
			return nil
		},
	}
}

func lockCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "lock",
		Usage: "forget the unlocked vault key wherever tok can reach it (kernel keyring, every tok agent)",
		Description: `Forgets the vault's unlocked key in the kernel keyring and in every tok agent this user can
reach (this session's, one at /run/user/UID or in /tmp, and every agent tok unlock started from
another session), whatever TOK_VAULT_CACHE says, and says which held it.

Example:
   tok lock`,
		Action: func(c *ucli.Context) error {
			env, v, err := openVault(stdio)
			if err != nil {
				return err
			}
			if !v.Exists() {
				return nil
			}
			held, err := v.LockEverywhere(os.Getenv("XDG_RUNTIME_DIR"), env.Paths.StateDir)
			if len(held) > 0 {
				fmt.Fprintf(stdio.Stderr, "Locked the vault: forgot its key in %s.\n", strings.Join(held, " and "))
			}
			if err != nil {
				return fmt.Errorf("the vault may still be unlocked: %w", err)
			}
			if len(held) == 0 {
				fmt.Fprintln(stdio.Stderr, "The vault is locked: no kernel keyring key or tok agent tok can reach held it.")
			}
			return nil
		},
	}
}

func migrateCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "migrate",
		Usage: "move every record from keyring's file backend into the vault",
		Description: `Reads the file backend ($XDG_DATA_HOME/tok/file, its passphrase from TOK_FILE_PASSPHRASE or a
prompt) and writes each record into the vault (created with the same passphrase if new). The
file store is left as it was; delete it once you are happy.

Example:
   tok migrate`,
		Action: func(c *ucli.Context) error {
			env, err := stdio.loadEnv()
			if err != nil {
				return err
			}
			opts := env.StoreOptions()
			opts.Backend, opts.Chosen = keychain.BackendFile, "tok migrate"
			from, err := keychain.Open(opts)
			if err != nil {
				return err
			}
			opts.Backend = keychain.BackendVault
			to, err := keychain.Open(opts)
			if err != nil {
				return err
			}
			n, err := keychain.Copy(from, to)
			fmt.Fprintf(stdio.Stderr, "Moved %d record(s) into the vault (%s).\n", n, opts.VaultDir)
			return err
		},
	}
}

func agentCommand() *ucli.Command {
	return &ucli.Command{
		Name:   "agent",
		Usage:  "run tok agent (started by tok unlock)",
		Hidden: true,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "socket", Usage: "the socket to serve"},
			&ucli.DurationFlag{Name: "interval", Value: 10 * time.Second, Usage: "how often to drop expired keys and check for idleness"},
		},
		Action: func(c *ucli.Context) error {
			return serveAgent(c.String("socket"), c.Duration("interval"))
		},
	}
}
