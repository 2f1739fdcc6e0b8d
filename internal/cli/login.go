package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/prompt"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
	"github.com/tok-dev/tok/platform/remote"
)

func loginCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "login",
		Usage:     "sign in to a JWT platform and store its access and refresh tokens",
		ArgsUsage: "URL",
		Description: `POSTs {"username","password"} to URL/v1/auth/login (scopes as ?scope=a,b) and stores the
access token with its refresh token, expiry and scopes. tok refreshes it from then on, when
under a minute is left. The password is read from a prompt that does not echo, or from
standard input with --password-stdin; it is never stored.

Examples:
   tok login https://api.skills.example.org --username ada
   tok login https://api.skills.example.org --username ada --scope read:skills,write:skills
   pass show skills | tok login https://api.skills.example.org --username ada --password-stdin`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "the account to sign in as", Required: true},
			&ucli.StringFlag{Name: "scope", Usage: "scopes to ask for, comma-separated"},
			&ucli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input"},
			&ucli.StringSliceFlag{Name: "env", Usage: "environment variable tok exec sets to the access token (repeatable)"},
			allowEnvFlag(),
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return usageError("usage: tok login URL --username U")
			}
			names, err := envNames(c)
			if err != nil {
				return err
			}
			env, err := stdio.loadEnv()
			if err != nil {
				return err
			}
			target, _, err := targetArg(c.Args().First(), env.Registry, "")
			if err != nil {
				return err
			}
			if target.IsWildcard() {
				return usageError("tok login needs the API's URL, not a wildcard")
			}
			password, err := readPassword(c, stdio)
			if err != nil {
				return err
			}
			var scopes []string
			if s := c.String("scope"); s != "" {
				scopes = strings.Split(s, ",")
			}
			store, err := stdio.storeOf(env)
			if err != nil {
				return err
			}
			resp, err := remote.DefaultClient().JWTLogin(c.Context, target.URL(), c.String("username"), password, scopes)
			if err != nil {
				return fmt.Errorf("signing in to %s: %w", target.URL(), err)
			}
			rec := keychain.Record{
				Secret: resp.AccessToken, RefreshToken: resp.RefreshToken, Expires: resp.Expiry(store.Now()),
				Username: c.String("username"), Platform: "jwt", Source: keychain.SourceLogin, Scopes: scopes,
				Env: names,
			}
			if claims, ok := platform.ReadClaims(resp.AccessToken); ok && len(claims.Scopes) > 0 {
				rec.Scopes = claims.Scopes
			}
			key, err := store.Save(target, rec)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stderr, "Signed in to %s as %s; token stored in %s (%s).\n", key.URL(), rec.Username, store.Backend(), expiryText(rec.Expires, store.Now()))
			return nil
		},
	}
}

func readPassword(c *ucli.Context, stdio IO) (string, error) {
	if c.Bool("password-stdin") {
		line, err := bufio.NewReader(io.LimitReader(stdio.Stdin, MaxSecret)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		p := strings.TrimRight(line, "\r\n")
		if p == "" {
			return "", usageError("the password on standard input is empty")
		}
		return p, nil
	}
	if !isTerminal(stdio.Stdin) {
		return "", usageError("no terminal to ask for the password: use --password-stdin")
	}
	p, err := prompt.Secret("Password: ")
	if err != nil || p == "" {
		return "", usageError("no password given")
	}
	return p, nil
}
