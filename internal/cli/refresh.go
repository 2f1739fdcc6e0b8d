package cli

import (
	"errors"
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform/remote"
)

func refreshCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "refresh",
		Usage:     "refresh TARGET's access token now with its refresh token",
		ArgsUsage: "TARGET",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "due", Usage: "only if under a minute is left (what the git and docker helpers run)"},
			&ucli.BoolFlag{Name: "quick", Usage: "give the server 3 s and one retry, as helpers must", Hidden: true},
			&ucli.StringFlag{Name: "key", Usage: "the record's stored key, as the helpers name it", Hidden: true},
		},
		Description: `tok refreshes by itself when under a minute is left; this forces one.

Example:
   tok refresh https://api.skills.example.org`,
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 && (c.NArg() != 0 || c.String("key") == "") {
				return usageError("usage: tok refresh TARGET")
			}
			env, store, err := stdio.openStore()
			if err != nil {
				return err
			}
			var rec keychain.Record
			if key := c.String("key"); key != "" {
				rec, err = storedRecord(store, key)
			} else {
				rec, err = findRecord(stdio, env, store, c.Args().First(), "", "tok refresh")
			}
			if err != nil {
				return err
			}
			r := renewer(env, store)
			stale := func(cur keychain.Record) bool { return cur.RefreshToken == rec.RefreshToken }
			if c.Bool("due") {
				if !rec.NeedsRefresh(store.Now()) {
					return nil
				}
				stale = func(cur keychain.Record) bool { return cur.NeedsRefresh(store.Now()) }
			}
			if c.Bool("quick") {
				r.Client = remote.QuickClient()
			}
			rec, err = r.Refresh(c.Context, rec, stale)
			if err != nil {
				return err
			}
			if !c.Bool("due") {
				fmt.Fprintf(stdio.Stderr, "Refreshed the token for %s (%s).\n", rec.Target, expiryText(rec.Expires, store.Now()))
			}
			return nil
		},
	}
}

// storedRecord reads the record stored at exactly key (a keychain key, as Target.Key gives).
func storedRecord(store *keychain.Store, key string) (keychain.Record, error) {
	t, ok := keychain.TargetFromKey(key)
	if !ok {
		return keychain.Record{}, usageError("--key %q is not a tok key", key)
	}
	rec, _, err := store.Find(t)
	if errors.Is(err, keychain.ErrNotFound) {
		return rec, keychain.NotFoundError(t.String())
	}
	return rec, err
}
