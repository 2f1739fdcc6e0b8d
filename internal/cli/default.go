package cli

import (
	"errors"
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/inject"
	"github.com/tok-dev/tok/keychain"
)

func defaultCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "default",
		Usage:     "choose the account a host's requests get, and the host a platform name means",
		ArgsUsage: "TARGET [--username USER]",
		Description: `Makes an account its host's default (what git, docker, tok get and tok exec get when no
account is named) and its host the default of its platform (what "curvenote" or "cave" means),
as gh auth switch does. The other accounts stay, each under its user name.

Examples:
   tok default curvenote --username bob        # bob on Curvenote's default host
   tok default https://bob@api.curvenote.com   # the same
   tok default cave:other.example.org          # "cave" now means this server`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "the account to make the default"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return usageError("usage: tok default TARGET [--username USER]")
			}
			env, store, err := stdio.openStore()
			if err != nil {
				return err
			}
			sel := selection(env, store)
			key, err := sel.DefaultKey(c.Args().First(), c.String("username"))
			if errors.Is(err, keychain.ErrBadTarget) {
				return usageError("%v", err)
			}
			if err != nil {
				return err
			}
			rec, err := store.MakeDefault(key)
			if errors.Is(err, keychain.ErrNotFound) {
				what := key.URL()
				if key.Username != "" {
					what += " --username " + key.Username
				}
				return keychain.NotFoundError(what)
			}
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("%s is the default for %s", inject.Describe(rec), key.URL())
			if rec.Platform != "" {
				msg += " and for " + rec.Platform
			}
			fmt.Fprintln(stdio.Stderr, msg+".")
			return nil
		},
	}
}
