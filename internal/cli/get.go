package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"
)

func getCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "get",
		Usage:     "print the token that answers TARGET (for $(tok get ...))",
		ArgsUsage: "TARGET",
		Description: `Resolves TARGET the way git and docker requests are resolved (longest path prefix, then
the host, then *.parent records) and prints the token alone. A platform name means the
platform's default record (its default host's default account; tok default chooses it); when
the platform has several records, stderr says which one this is. Another account or server only
when named: https://bob@HOST, --username, or PLATFORM:HOST.

Examples:
   curl -H "Authorization: Bearer $(tok get https://api.example.org)" https://api.example.org/v1/me
   tok get curvenote
   tok get https://bob@api.curvenote.com
   tok get cave:other.example.org
   tok get https://github.com --username bob`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "the account to get, when a host has several"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return usageError("usage: tok get TARGET")
			}
			env, store, err := stdio.openStore()
			if err != nil {
				return err
			}
			rec, err := findRecord(stdio, env, store, c.Args().First(), c.String("username"), "tok get")
			if err != nil {
				return err
			}
			rec, err = store.HandOutRecord(c.Context, rec, renewer(env, store), warnTo(stdio))
			if err != nil {
				return err
			}
			if rec.Expired(store.Now()) {
				fmt.Fprintf(stdio.Stderr, "tok: warning: the token for %s %s\n", rec.Target, expiryText(rec.Expires, store.Now()))
			}
			_, err = fmt.Fprintln(stdio.Stdout, rec.Secret)
			return err
		},
	}
}
