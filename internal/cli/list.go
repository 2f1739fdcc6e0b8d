package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/inject"
	"github.com/tok-dev/tok/keychain"
)

// listedRecord is what list --json shows of a record: everything but the secrets.
type listedRecord struct {
	Target     string     `json:"target"`
	Platform   string     `json:"platform,omitempty"`
	Username   string     `json:"username,omitempty"`
	Identity   string     `json:"identity,omitempty"`
	Env        []string   `json:"env,omitempty"`
	Expires    *time.Time `json:"expires,omitempty"`
	Expired    bool       `json:"expired"`
	Scopes     []string   `json:"scopes,omitempty"`
	Source     string     `json:"source"`
	Registry   bool       `json:"registry,omitempty"`
	Refresh    bool       `json:"has_refresh_token,omitempty"`
	Created    *time.Time `json:"created,omitempty"`
	Updated    *time.Time `json:"updated,omitempty"`
	LastUsed   *time.Time `json:"last_used,omitempty"`
	RejectedAt *time.Time `json:"rejected_at,omitempty"`
	Error      string     `json:"error,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func describe(e keychain.Entry, now time.Time) listedRecord {
	r := e.Record
	out := listedRecord{
		Target: e.Target.String(), Platform: r.Platform, Username: r.Username,
		Identity: r.Extra["identity"], Env: r.Env, Expires: timePtr(r.Expires),
		Expired: r.Expired(now), Scopes: r.Scopes, Source: r.Source, Registry: r.Registry,
		Refresh: r.RefreshToken != "", Created: timePtr(r.Created), Updated: timePtr(r.Updated),
		LastUsed: timePtr(r.LastUsed),
	}
	if r.Rejected != nil {
		out.RejectedAt = timePtr(r.Rejected.At)
	}
	if e.Err != nil {
		out.Error = e.Err.Error()
	}
	return out
}

func listCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "list",
		Usage: "list stored credentials (never the tokens themselves; the vault needs its passphrase)",
		Description: `On tok's vault this needs the passphrase (or tok unlock), though no token is shown: record
files are named by a salted hash, so the targets themselves are only readable with the key.

Examples:
   tok list
   tok list --json | jq -r '.[] | select(.expired) | .target'`,
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print JSON for scripts"}},
		Action: func(c *ucli.Context) error {
			env, store, entries, err := stdio.listStore()
			if err != nil {
				return err
			}
			now := store.Now()
			rows := make([]listedRecord, 0, len(entries))
			for _, e := range entries {
				r := describe(e, now)
				if e.Err == nil {
					r.Env = inject.EnvNames(e.Record, env.Registry) // the record's, else its platform's
				}
				rows = append(rows, r)
			}
			if c.Bool("json") {
				enc := json.NewEncoder(stdio.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintf(stdio.Stderr, "No credentials stored in %s yet; add one with: tok set TARGET\n", store.Backend())
				return nil
			}
			tw := tabwriter.NewWriter(stdio.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TARGET\tPLATFORM\tUSER\tENV\tEXPIRES\tSOURCE\tLAST USED")
			for _, r := range rows {
				if r.Error != "" {
					fmt.Fprintf(tw, "%s\t-\t-\t-\t-\tunreadable: %s\t-\n", r.Target, r.Error)
					continue
				}
				user := r.Username
				if user == "" {
					user = r.Identity
				}
				exp := "-"
				if r.Expires != nil {
					exp = relTime(*r.Expires, now)
					if r.Expired {
						exp = "EXPIRED " + exp
					}
				}
				used := "never"
				if r.LastUsed != nil {
					used = relTime(*r.LastUsed, now)
				}
				source := r.Source
				if r.RejectedAt != nil {
					source += " (rejected " + relTime(*r.RejectedAt, now) + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, dash(r.Platform), dash(user),
					dash(strings.Join(r.Env, ",")), exp, source, used)
			}
			return tw.Flush()
		},
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
