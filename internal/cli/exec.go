package cli

import (
	"fmt"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/busguard"
	"github.com/tok-dev/tok/internal/inject"
	"github.com/tok-dev/tok/internal/lifecycle"
	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

func onlyFlag() ucli.Flag {
	return &ucli.StringSliceFlag{Name: "only", Usage: "inject only this TARGET or PLATFORM (repeatable)"}
}

// selectRecords is what exec and env inject: with no --only, every record that has
// environment variables; with --only, the records it names (a platform, or a target).
func selectRecords(env *setup.Env, store *keychain.Store, only []string) ([]keychain.Record, error) {
	entries, err := store.List()
	if err != nil {
		return nil, err
	}
	if len(only) == 0 {
		var out []keychain.Record
		for _, e := range entries {
			if e.Err == nil && len(inject.EnvNames(e.Record, env.Registry)) > 0 {
				out = append(out, e.Record)
			}
		}
		return out, nil
	}
	var out []keychain.Record
	seen := map[string]bool{}
	add := func(rec keychain.Record) {
		if !seen[rec.Target] {
			seen[rec.Target] = true
			out = append(out, rec)
		}
	}
	for _, sel := range only {
		if _, ok := env.Registry.Named(sel); ok {
			found := false
			for _, e := range entries {
				if e.Err == nil && e.Record.Platform == sel {
					add(e.Record)
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("no %s token is stored; add one with: tok set %s", sel, sel)
			}
			continue
		}
		rec, err := findRecord(env, store, sel, "")
		if err != nil {
			return nil, err
		}
		add(rec)
	}
	return out, nil
}

// handOutSelection opens the store, selects the records --only names (see selectRecords) and
// hands each out (renewed when due; see freshRecords).
func handOutSelection(c *ucli.Context, stdio IO, session bool) (*setup.Env, *keychain.Store, []keychain.Record, error) {
	env, store, err := stdio.openStore()
	if err != nil {
		return nil, nil, nil, err
	}
	records, err := selectRecords(env, store, c.StringSlice("only"))
	if err != nil {
		return nil, nil, nil, err
	}
	records, err = freshRecords(c, stdio, renewer(env, store), records, session)
	return env, store, records, err
}

func execCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "exec",
		Usage:     "run a program with its tokens in the variables its SDK reads",
		ArgsUsage: "[--only TARGET|PLATFORM]... -- PROGRAM [ARGS...]",
		Description: `Sets CURVENOTE_TOKEN, CODEOCEAN_TOKEN and CODEOCEAN_DOMAIN, CAVE_TOKEN, and each record's
own --env names, plus TOK_EXEC=1, then runs PROGRAM. tok's flags come before PROGRAM.

CAVE tokens are also written where CloudVolume reads them: a private copy of the CloudVolume
directory (CLOUD_VOLUME_DIR) with <server>-cave-secret.json and cave-secret.json, linking to
everything else in yours. CAVEclient reads only ~/.cloudvolume: --cave-home points HOME at a
private mirror of your home whose .cloudvolume is that copy. --netrc writes a netrc and sets
NETRC (requests, curl --netrc-file "$NETRC", and others). Such files live in $XDG_RUNTIME_DIR,
0600 in a 0700 directory, and are removed when the program ends. Your own files are never
changed.

Examples:
   tok exec -- curvenote deploy
   tok exec --only codeocean -- python run_capsule.py
   tok exec --only cave --cave-home -- python query_synapses.py
   tok exec --only https://api.example.org --netrc -- python fetch.py
   tok exec --strict -- make publish          # refuse to start with an expired token
   tok exec --session -- curvenote deploy     # Curvenote gets a session token, not your API token

Tokens that can be refreshed are refreshed before the program starts when under a minute is left.

A project says which tokens it needs in tok.env (or --env-file FILE): NAME=VALUE lines, where a
value tok://TARGET[#token|#username|#domain] is a stored token and any other value is passed as
is. Without --only, tok looks for tok.env from here up to the repository root and injects
exactly its variables; a reference that does not resolve stops tok before the program starts.
--mask (the default when CI is set) shows every injected secret in the program's output as
<tok:NAME>, as is, base64'd or URL-encoded; on a terminal the program gets a pseudo-terminal.`,
		Flags: []ucli.Flag{
			onlyFlag(),
			envFileFlag(),
			maskFlag(),
			&ucli.BoolFlag{Name: "preserve-env", Usage: "keep a variable the environment already has"},
			&ucli.BoolFlag{Name: "strict", Usage: "refuse to run when a selected token has expired"},
			&ucli.BoolFlag{Name: "netrc", Usage: "give the program a temporary netrc (NETRC) with the selected tokens"},
			&ucli.BoolFlag{Name: "cave-home", Usage: "point HOME at a private mirror so CAVEclient finds CAVE tokens"},
			&ucli.BoolFlag{Name: "session", Usage: "give Curvenote a 15-minute session token instead of the long-lived API token"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return usageError("usage: tok exec [flags] -- PROGRAM [ARGS...]")
			}
			env, store, records, proj, err := selectionOrProject(c, stdio, c.Bool("session"))
			if err != nil {
				return err
			}
			plan, err := inject.NewPlan(busguard.Environ(), records, env.Registry, inject.Options{
				PreserveEnv: c.Bool("preserve-env"),
				Strict:      c.Bool("strict"),
				Netrc:       c.Bool("netrc"),
				CaveHome:    c.Bool("cave-home"),
				RuntimeDir:  os.Getenv("XDG_RUNTIME_DIR"),
				Now:         store.Now(),
			})
			if err != nil {
				return err
			}
			applyProject(plan, proj, c.Bool("preserve-env"))
			fromEnv, err := resolveEnvironment(c, stdio, env, store, plan, c.Bool("session"))
			if err != nil {
				plan.Cleanup()
				return err
			}
			for _, n := range plan.Notes {
				fmt.Fprintln(stdio.Stderr, "tok: "+n)
			}
			if masking(c) {
				if code := runMasked(stdio, plan, c.Args().Slice(), maskSecrets(env, records, proj, fromEnv)); code != 0 {
					return silentExit(code)
				}
				return nil
			}
			if code := inject.Run(plan, c.Args().Slice(), stdio.Stderr); code != 0 {
				return silentExit(code)
			}
			return nil
		},
	}
}

// freshRecords refreshes what can be refreshed and, for Curvenote records with --session or
// their own session setting, swaps the API token for a session token. A failure to refresh is
// a warning while the old token still works, and an error once it has expired.
func freshRecords(c *ucli.Context, stdio IO, b lifecycle.Service, records []keychain.Record, session bool) ([]keychain.Record, error) {
	out := make([]keychain.Record, 0, len(records))
	for _, rec := range records {
		fresh, err := b.Store.HandOutRecord(c.Context, rec, b, warnTo(stdio))
		if err != nil {
			return nil, err
		}
		if plat, _ := b.Registry.Named(fresh.Platform); plat.Sessions && (session || fresh.UseSession) {
			session, err := b.Session(c.Context, fresh, false)
			if err != nil {
				return nil, err
			}
			fresh.Secret, fresh.Expires = session.Token, session.Expires
		}
		out = append(out, fresh)
	}
	return out, nil
}
