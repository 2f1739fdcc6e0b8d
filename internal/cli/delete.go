package cli

import (
	"errors"
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/prompt"
	"github.com/tok-dev/tok/keychain"
)

func deleteCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "delete",
		Aliases:   []string{"rm"},
		Usage:     "delete the credential stored for exactly TARGET, or --all",
		ArgsUsage: "TARGET",
		Description: `Deletes only the record stored for TARGET itself (never a parent host's or a wildcard's).

Examples:
   tok delete https://api.example.org
   tok delete https://github.com --username bob
   tok delete curvenote        # on a terminal, says which record and asks first
   tok delete --all            # asks first; --yes to skip the question`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "the account to delete, when a host has several"},
			&ucli.BoolFlag{Name: "all", Usage: "delete every credential tok holds"},
			&ucli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask (before --all, or before deleting the record a platform name stands for)"},
		},
		Action: func(c *ucli.Context) error {
			if c.Bool("all") {
				if c.NArg() != 0 {
					return usageError("usage: tok delete --all (no TARGET)")
				}
				return deleteAll(c, stdio)
			}
			if c.NArg() != 1 {
				return usageError("usage: tok delete TARGET")
			}
			env, store, err := stdio.openStore()
			if err != nil {
				return err
			}
			target, plat, err := targetArg(c.Args().First(), env.Registry, "")
			if err != nil {
				return err
			}
			target.Username = c.String("username")
			_, key, err := store.Find(target)
			if err != nil && !errors.Is(err, keychain.ErrDamagedRecord) && !errors.Is(err, keychain.ErrNewerRecord) {
				if errors.Is(err, keychain.ErrNotFound) {
					return fmt.Errorf("no credential is stored for %s (tok list shows what is)", target)
				}
				return err
			}
			// A platform name resolved to a record the user did not spell out: on a terminal,
			// say which one and ask first.
			if plat.Name != "" && !c.Bool("yes") && isTerminal(stdio.Stdin) {
				yes, err := prompt.Confirm(fmt.Sprintf("Delete the %s credential for %s from %s? [y/N] ", plat.Name, key, store.Backend()))
				if err != nil {
					return err
				}
				if !yes {
					return withCode(1, errors.New("nothing deleted"))
				}
			}
			if err := store.Delete(key); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stderr, "Deleted the credential for %s.\n", key)
			return nil
		},
	}
}

func deleteAll(c *ucli.Context, stdio IO) error {
	_, store, entries, err := stdio.listStore()
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		fmt.Fprintln(stdio.Stderr, "Nothing to delete.")
		return nil
	}
	if !c.Bool("yes") {
		yes, err := prompt.Confirm(fmt.Sprintf("Delete all %d credentials from %s? This cannot be undone. [y/N] ", len(entries), store.Backend()))
		if err != nil {
			return usageError("tok delete --all asks for confirmation on a terminal; add --yes to delete all %d credentials without asking", len(entries))
		}
		if !yes {
			return withCode(1, errors.New("nothing deleted"))
		}
	}
	failed := 0
	for _, e := range entries {
		if err := store.Delete(e.Target); err != nil && !errors.Is(err, keychain.ErrNotFound) {
			fmt.Fprintf(stdio.Stderr, "tok: could not delete %s: %v\n", e.Target, err)
			failed++
		}
	}
	fmt.Fprintf(stdio.Stderr, "Deleted %d of %d credentials.\n", len(entries)-failed, len(entries))
	if failed > 0 {
		return silentExit(1)
	}
	return nil
}
