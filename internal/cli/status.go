package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/lifecycle"
	"github.com/tok-dev/tok/internal/oneline"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
	"github.com/tok-dev/tok/platform/remote"
)

type statusRecord struct {
	listedRecord
	Subject  string     `json:"sub,omitempty"`
	Name     string     `json:"name,omitempty"`
	Email    string     `json:"email,omitempty"`
	Issuer   string     `json:"iss,omitempty"`
	Roles    []string   `json:"roles,omitempty"`
	IssuedAt *time.Time `json:"issued,omitempty"`
	State    string     `json:"state"`
	// Verified is the server's verdict with --verify.
	Verified    string `json:"verified,omitempty"`
	VerifyError string `json:"verify_error,omitempty"`
}

func statusCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "status",
		Usage:     "show each token's claims and expiry, and the project's references; exit 1 if any is expired or missing (the vault needs its passphrase)",
		ArgsUsage: "[TARGET]",
		Description: `On tok's vault this needs the passphrase (or tok unlock), though no token is shown: record
files are named by a salted hash, so the targets themselves are only readable with the key.

Examples:
   tok status
   tok status curvenote
   tok status --json
   tok status --verify        # Curvenote: session exchange; Code Ocean: GET /api/v1/;
                              # CAVE: the info service's datastacks; JWT: a refresh when needed`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print JSON for scripts"},
			envFileFlag(),
			&ucli.BoolFlag{Name: "verify", Usage: "ask each platform whether the token works: VERIFIED, EXPIRING SOON, EXPIRED or REVOKED"},
		},
		Action: func(c *ucli.Context) error {
			env, store, err := stdio.openStore()
			verify := c.Bool("verify")
			if err != nil {
				return err
			}
			var entries []keychain.Entry
			if c.NArg() > 0 {
				rec, err := findRecord(stdio, env, store, c.Args().First(), "", "tok status")
				if err != nil {
					return err
				}
				t, _ := rec.ParsedTarget()
				entries = []keychain.Entry{{Target: t, Record: rec}}
			} else if entries, err = store.List(); err != nil {
				return err
			}
			now := store.Now()
			var out []statusRecord
			expired := 0
			for _, e := range entries {
				s := statusRecord{listedRecord: describe(e, now), State: "ok"}
				if c, ok := platform.ReadClaims(e.Record.Secret); ok {
					s.Subject, s.Name, s.Email, s.Issuer, s.Roles = c.Subject, c.Name, c.Email, c.Issuer, c.Roles
					s.IssuedAt = timePtr(c.IssuedAt)
					if len(s.Scopes) == 0 {
						s.Scopes = c.Scopes
					}
				}
				switch {
				case e.Err != nil:
					s.State = "unreadable"
				case s.Expired:
					s.State = "expired"
					expired++
				case e.Record.Rejected != nil:
					s.State = "rejected"
				}
				if verify && e.Err == nil {
					s.Verified, s.VerifyError = verifyRecord(c.Context, renewer(env, store), e.Record)
					if s.Verified == verdictExpired || s.Verified == verdictRevoked {
						expired++
					}
				}
				out = append(out, s)
			}
			if c.Bool("json") {
				enc := json.NewEncoder(stdio.Stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return err
				}
			} else {
				if len(out) == 0 {
					fmt.Fprintf(stdio.Stderr, "No credentials stored in %s yet; add one with: tok set TARGET\n", store.Backend())
				}
				for _, s := range out {
					printStatus(stdio, s, now)
				}
			}
			if path := projectFileQuiet(c); path != "" && c.NArg() == 0 && !c.Bool("json") {
				expired += projectReport(stdio.Stdout, env, store, path)
			}
			if c.NArg() == 0 { // a line about the whole store, not about one TARGET
				if found, _ := scanPlaintext(env); len(found) > 0 {
					fmt.Fprintf(stdio.Stderr, "tok: %d token(s) also lie in plaintext files or variables; see: tok import\n", len(found))
				}
			}
			if expired > 0 {
				return silentExit(1)
			}
			return nil
		},
	}
}

func printStatus(stdio IO, s statusRecord, now time.Time) {
	w := stdio.Stdout
	fmt.Fprintf(w, "%s\n", s.Target)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-9s %s\n", k+":", v)
		}
	}
	if s.Error != "" {
		line("error", s.Error)
		return
	}
	line("platform", s.Platform)
	line("user", s.Username)
	line("subject", s.Subject)
	line("name", s.Name)
	line("email", s.Email)
	line("roles", strings.Join(s.Roles, ", "))
	line("scopes", strings.Join(s.Scopes, ", "))
	if s.IssuedAt != nil {
		line("issued", s.IssuedAt.Format(time.RFC3339)+" ("+relTime(*s.IssuedAt, now)+")")
	}
	exp := "no expiry known"
	if s.Expires != nil {
		exp = expiryText(*s.Expires, now) + " (" + s.Expires.Format(time.RFC3339) + ")"
	}
	line("expiry", exp)
	line("source", s.Source)
	if s.Verified != "" {
		v := s.Verified
		if s.VerifyError != "" {
			v += ": " + s.VerifyError
		}
		line("verified", v)
	}
	if s.RejectedAt != nil {
		line("rejected", "a server refused it "+relTime(*s.RejectedAt, now))
	}
}

// Verdicts of tok status --verify.
const (
	verdictVerified = "VERIFIED"
	verdictSoon     = "EXPIRING SOON"
	verdictExpired  = "EXPIRED"
	verdictRevoked  = "REVOKED"
	verdictUnknown  = "NOT CHECKED"
	verdictError    = "ERROR"
)

// expiringSoon is how close to its expiry a token that cannot be refreshed is flagged.
const expiringSoon = 24 * time.Hour

// verifyRecord asks the record's platform whether its token works. Each record's answer (or
// failure) is its own; a slow server costs at most the client's short timeouts.
func verifyRecord(ctx context.Context, b lifecycle.Service, rec keychain.Record) (string, string) {
	now := b.Store.Now()
	target, err := rec.ParsedTarget()
	if err != nil {
		return verdictError, err.Error()
	}
	plat, _ := b.Registry.Named(rec.Platform)
	var check error
	switch {
	case plat.Sessions:
		_, check = b.Session(ctx, rec, true)
	case plat.VerifyPath != "":
		url := target.Scheme + "://" + target.HostPort() + plat.VerifyPath
		check = remote.DefaultClient().Verify(ctx, url, plat.Authorization(rec.Secret, rec.Username))
	default:
		if rec.RefreshToken == "" {
			if rec.Expired(now) {
				return verdictExpired, ""
			}
			return verdictUnknown, "tok knows no check for this platform"
		}
		rec, check = b.Renew(ctx, target, rec)
	}
	switch {
	case check == nil:
	case errors.Is(check, remote.ErrRefused):
		return verdictRevoked, oneline.Error(check)
	default:
		if rec.Expired(now) {
			return verdictExpired, oneline.Error(check)
		}
		return verdictError, oneline.Error(check)
	}
	if rec.Expired(now) {
		return verdictExpired, ""
	}
	if rec.RefreshToken == "" && !rec.Expires.IsZero() && rec.Expires.Sub(now) < expiringSoon {
		return verdictSoon, expiryText(rec.Expires, now)
	}
	return verdictVerified, ""
}
