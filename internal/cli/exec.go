package cli

import (
	"context"
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

func envFlag() ucli.Flag {
	return &ucli.StringSliceFlag{Name: "env", Usage: "set NAME from the record TARGET names: NAME=TARGET (repeatable)"}
}

// handOutSelection opens the store, selects what --only and --env name (inject.Selection: the
// one rule) and hands each record out (renewed when due; see freshRecords). Selection's notes
// (which record a variable got when several could give it) go to stderr.
func handOutSelection(c *ucli.Context, stdio IO, session bool) (*setup.Env, *keychain.Store, []inject.Pick, error) {
	var envs []inject.EnvMapping
	for _, arg := range c.StringSlice("env") {
		m, err := inject.ParseEnvMapping(arg)
		if err != nil {
			return nil, nil, nil, usageError("%v", err)
		}
		envs = append(envs, m)
	}
	env, store, err := stdio.openStore()
	if err != nil {
		return nil, nil, nil, err
	}
	picks, err := handOutPicks(c.Context, stdio, env, store, c.StringSlice("only"), envs, session)
	return env, store, picks, err
}

// handOutPicks selects what only and envs name (inject.Selection: the one rule) and hands each
// record out (renewed when due; see freshRecords). Selection's notes (which record a variable
// got when several could give it) go to stderr.
func handOutPicks(ctx context.Context, stdio IO, env *setup.Env, store *keychain.Store, only []string, envs []inject.EnvMapping, session bool) ([]inject.Pick, error) {
	sel := selection(env, store)
	picks, notes, err := sel.ForProgram(only, envs)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		fmt.Fprintln(stdio.Stderr, "tok: "+n)
	}
	return freshRecords(ctx, stdio, renewer(env, store), picks, session)
}

// handOutRecords is handOutPicks for --only alone, as records (what a grant seals).
func handOutRecords(ctx context.Context, stdio IO, env *setup.Env, store *keychain.Store, only []string) ([]keychain.Record, error) {
	picks, err := handOutPicks(ctx, stdio, env, store, only, nil, false)
	records := make([]keychain.Record, 0, len(picks))
	for _, p := range picks {
		records = append(records, p.Record)
	}
	return records, err
}

func execCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "exec",
		Usage:     "run a program with its tokens in the variables its SDK reads",
		ArgsUsage: "[--only TARGET|PLATFORM]... [--env NAME=TARGET]... -- PROGRAM [ARGS...]",
		Description: `Sets CURVENOTE_TOKEN, CODEOCEAN_TOKEN and CODEOCEAN_DOMAIN, CAVE_TOKEN, and each record's
own --env names, plus TOK_EXEC=1, then runs PROGRAM. tok's flags come before PROGRAM.

Which record: a platform's variables come from its default record (its default host's default
account: the first stored, or the one tok default chose). Another account or server only when
named: --only https://bob@api.curvenote.com, --only cave:other.example.org, or
--env NAME=TARGET for one variable. When several records could give a variable, tok says on
stderr which one did.

CAVE tokens are also written where CloudVolume reads them: a private copy of the CloudVolume
directory (CLOUD_VOLUME_DIR) with <server>-cave-secret.json and cave-secret.json, linking to
everything else in yours. CAVEclient reads only ~/.cloudvolume: --cave-home points HOME at a
private mirror of your home whose .cloudvolume is that copy. --netrc writes a netrc and sets
NETRC (requests, curl --netrc-file "$NETRC", and others). Such files live in $XDG_RUNTIME_DIR,
0600 in a 0700 directory, and are removed when the program ends. Your own files are never
changed.

The program does not get TOK_FILE_PASSPHRASE, which opens every token in the store, unless
--pass-passphrase says so; nor a record's variable that changes how programs load code
(LD_PRELOAD, PATH, ...) unless --allow-env NAME says so.

Examples:
   tok exec -- curvenote deploy
   tok exec --only codeocean -- python run_capsule.py
   tok exec --only https://bob@api.curvenote.com -- curvenote deploy
   tok exec --env CAVE_TOKEN=cave:other.example.org -- python query.py
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
			envFlag(),
			envFileFlag(),
			maskFlag(),
			&ucli.BoolFlag{Name: "preserve-env", Usage: "keep a variable the environment already has"},
			&ucli.BoolFlag{Name: "strict", Usage: "refuse to run when a selected token has expired"},
			&ucli.BoolFlag{Name: "netrc", Usage: "give the program a temporary netrc (NETRC) with the selected tokens"},
			&ucli.BoolFlag{Name: "cave-home", Usage: "point HOME at a private mirror so CAVEclient finds CAVE tokens"},
			&ucli.BoolFlag{Name: "session", Usage: "give Curvenote a 15-minute session token instead of the long-lived API token"},
			allowEnvFlag(),
			&ucli.BoolFlag{Name: "pass-passphrase", Usage: "pass TOK_FILE_PASSPHRASE on to the program (it opens every token in the store)"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return usageError("usage: tok exec [flags] -- PROGRAM [ARGS...]")
			}
			env, store, picks, proj, err := selectionOrProject(c, stdio, c.Bool("session"))
			if err != nil {
				return err
			}
			plan, err := inject.NewPlan(busguard.Environ(), picks, env.Registry, inject.Options{
				PreserveEnv:    c.Bool("preserve-env"),
				Strict:         c.Bool("strict"),
				Netrc:          c.Bool("netrc"),
				CaveHome:       c.Bool("cave-home"),
				RuntimeDir:     os.Getenv("XDG_RUNTIME_DIR"),
				Now:            store.Now(),
				AllowEnv:       c.StringSlice("allow-env"),
				PassPassphrase: c.Bool("pass-passphrase"),
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
				if code := runMasked(stdio, plan, c.Args().Slice(), maskSecrets(picks, proj, fromEnv)); code != 0 {
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
func freshRecords(ctx context.Context, stdio IO, b lifecycle.Service, picks []inject.Pick, session bool) ([]inject.Pick, error) {
	out := make([]inject.Pick, 0, len(picks))
	for _, pick := range picks {
		fresh, err := b.Store.HandOutRecord(ctx, pick.Record, b, warnTo(stdio))
		if err != nil {
			return nil, err
		}
		if plat, _ := b.Registry.Named(fresh.Platform); plat.Sessions && (session || fresh.UseSession) {
			session, err := b.Session(ctx, fresh, false)
			if err != nil {
				return nil, err
			}
			fresh.Secret, fresh.Expires = session.Token, session.Expires
		}
		pick.Record = fresh
		out = append(out, pick)
	}
	return out, nil
}
