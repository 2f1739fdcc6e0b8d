package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

func grantCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "grant",
		Usage: "give a batch job or CI run a short-lived, sealed copy of some tokens (TOK_GRANT)",
		Description: `A grant is a copy of the records tok exec would inject (narrowed by --only), sealed to a fresh
one-time key, with an expiry, in $XDG_DATA_HOME/tok/grants (the shared home on a cluster). The key
is printed once and stored nowhere: give it to the job as TOK_GRANT, and tok exec, tok env, tok get
and the git and docker helpers read the grant, with no vault and no prompt. Past its expiry a grant
is refused and removed. On SLURM, tok sbatch does all of this for a job.

Examples:
   TOK_GRANT=$(tok grant create --ttl 2h --only cave) qsub -v TOK_GRANT job.sh
   tok grant list
   tok grant revoke 3f2a9c0d1e4b5a67`,
		Subcommands: []*ucli.Command{grantCreateCommand(stdio), grantListCommand(stdio), grantRevokeCommand(stdio)},
	}
}

func grantCreateCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "create",
		Usage: "seal the selected tokens into a new grant and print its key (only the key, on stdout)",
		Flags: []ucli.Flag{
			onlyFlag(),
			&ucli.DurationFlag{Name: "ttl", Value: time.Hour, Usage: "how long the grant lives (at most grant_max_ttl, 72h unless the config file says otherwise)"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 0 {
				return usageError("usage: tok grant create [--ttl DURATION] [--only TARGET|PLATFORM]...")
			}
			ttl := c.Duration("ttl")
			if ttl <= 0 {
				return usageError("--ttl must be positive, as 2h or 30m")
			}
			env, store, err := stdio.openStore()
			if err != nil {
				return err
			}
			records, err := handOutRecords(c.Context, stdio, env, store, c.StringSlice("only"))
			if err != nil {
				return err
			}
			maxTTL, err := env.GrantMaxTTL()
			if err != nil {
				return err
			}
			if ttl > maxTTL {
				return usageError("--ttl %s is longer than the longest grant allowed, %s; ask for less, or raise grant_max_ttl in %s", shortDuration(ttl), shortDuration(maxTTL), env.Paths.ConfigFile)
			}
			key, info, err := makeGrant(env, store, records, store.Now().Add(ttl))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stderr, "tok: grant %s holds %s until %s; end it early with: tok grant revoke %s\n",
				info.ID, strings.Join(info.Targets, ", "), info.Expires.Local().Format(time.RFC3339), info.ID)
			_, err = fmt.Fprintln(stdio.Stdout, key)
			return err
		},
	}
}

// makeGrant seals records (handed out, so due tokens were refreshed in the user's store first)
// into a new grant that expires at expires. A refresh token goes into the grant only when the
// job may need it, i.e. when the access token expires before the grant does. Inside a grant, a
// new grant never outlives the one it came from.
func makeGrant(env *setup.Env, store *keychain.Store, records []keychain.Record, expires time.Time) (string, keychain.GrantInfo, error) {
	if len(records) == 0 {
		return "", keychain.GrantInfo{}, errors.New("nothing to grant: no stored record has environment variables for tok exec; name the records with --only TARGET|PLATFORM")
	}
	if _, parent, ok := store.GrantOf(); ok && expires.After(parent) {
		expires = parent
	}
	sealed := make([]keychain.Record, 0, len(records))
	for _, fresh := range records {
		if fresh.RefreshToken != "" && (fresh.Expires.IsZero() || !fresh.Expires.Before(expires)) {
			fresh.RefreshToken = "" // the access token outlives the grant: the job never refreshes
		}
		fresh.LastUsed = store.Now().UTC() // so the job's first uses do not each rewrite the grant (Touch)
		sealed = append(sealed, fresh)
	}
	return keychain.CreateGrant(env.Paths.GrantDir(), sealed, store.Now(), expires)
}

// listedGrant is what grant list --json shows.
type listedGrant struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Targets []string  `json:"targets"`
	Error   string    `json:"error,omitempty"`
}

func grantListCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "list",
		Usage: "list the grants that have not expired (never their keys, which tok does not keep)",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print JSON for scripts"}},
		Action: func(c *ucli.Context) error {
			env, err := stdio.loadEnv()
			if err != nil {
				return err
			}
			grants, err := keychain.ListGrants(env.Paths.GrantDir())
			if err != nil {
				return err
			}
			rows := make([]listedGrant, 0, len(grants))
			for _, g := range grants {
				row := listedGrant{ID: g.ID, Created: g.Created, Expires: g.Expires, Targets: g.Targets}
				if g.Err != nil {
					row.Error = g.Err.Error()
				}
				rows = append(rows, row)
			}
			if c.Bool("json") {
				enc := json.NewEncoder(stdio.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(stdio.Stderr, "No grants; make one with tok sbatch or tok grant create")
				return nil
			}
			now := time.Now()
			tw := tabwriter.NewWriter(stdio.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEXPIRES\tTARGETS")
			for _, r := range rows {
				if r.Error != "" {
					fmt.Fprintf(tw, "%s\t-\tunreadable: %s\n", r.ID, r.Error)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, relTime(r.Expires, now), strings.Join(r.Targets, ", "))
			}
			return tw.Flush()
		},
	}
}

func grantRevokeCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "revoke",
		Usage:     "end grants now: their sealed copies are removed, so their keys open nothing",
		ArgsUsage: "ID... | --all",
		Flags:     []ucli.Flag{&ucli.BoolFlag{Name: "all", Usage: "revoke every grant"}},
		Action: func(c *ucli.Context) error {
			if c.Bool("all") == (c.NArg() > 0) {
				return usageError("usage: tok grant revoke ID... (or --all)")
			}
			env, err := stdio.loadEnv()
			if err != nil {
				return err
			}
			dir := env.Paths.GrantDir()
			ids := c.Args().Slice()
			if c.Bool("all") {
				grants, err := keychain.ListGrants(dir)
				if err != nil {
					return err
				}
				for _, g := range grants {
					ids = append(ids, g.ID)
				}
			}
			var errs []error
			for _, id := range ids {
				if err := keychain.RevokeGrant(dir, id); err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintf(stdio.Stderr, "tok: revoked grant %s\n", id)
			}
			return errors.Join(errs...)
		},
	}
}

// sweepGrants removes expired grants when tok starts: one directory read when there are none.
func sweepGrants() {
	own, _, _ := strings.Cut(os.Getenv(setup.EnvGrant), ":")
	keychain.SweepGrants(setup.DefaultPaths().GrantDir(), time.Now(), own)
}
