package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/prompt"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// MaxSecret is the largest secret tok accepts (the protocols' 1 MiB input limit).
const MaxSecret = 1 << 20

func setCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "set",
		Usage:     "store a token for a URL, host, *.host or platform",
		ArgsUsage: "TARGET",
		Description: `The token is read from standard input when it is not a terminal, else from a prompt that
does not echo. A token given as a second argument is accepted, with a warning: other users
can see a program's arguments.

Examples:
   tok set curvenote                                  # prompts for the token
   printf %s "$TOKEN" | tok set https://api.example.org --platform jwt
   tok set https://acme.codeocean.com                 # a cop_ token: Code Ocean is detected
   tok set global.daf-apis.com --platform cave
   tok set '*.example.org' --env EXAMPLE_TOKEN --expires 90d
   tok set https://github.com --username alice        # a second account: --username bob`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "the account the token belongs to"},
			&ucli.StringSliceFlag{Name: "env", Usage: "environment variable tok exec sets to the token (repeatable)"},
			allowEnvFlag(),
			&ucli.StringFlag{Name: "platform", Aliases: []string{"p"}, Usage: "the platform the token is for (curvenote, codeocean, cave, jwt, or one from the config)"},
			&ucli.StringFlag{Name: "expires", Usage: "when the token expires: 2026-12-31, an RFC 3339 time, or 90d/12h (a JWT's exp is read by itself)"},
			&ucli.BoolFlag{Name: "registry", Usage: "a container registry credential: docker may list it"},
			&ucli.BoolFlag{Name: "force", Usage: "store the token even if it does not look like the platform's, or TARGET looks like a typo"},
			&ucli.BoolFlag{Name: "session", Usage: "Curvenote: tok exec always injects a 15-minute session token, never this API token"},
		},
		Action: func(c *ucli.Context) error { return runSet(c, stdio) },
	}
}

func runSet(c *ucli.Context, stdio IO) error {
	if c.NArg() < 1 || c.NArg() > 2 {
		return usageError("usage: tok set TARGET (the token is read from standard input or a prompt)")
	}
	names, err := envNames(c)
	if err != nil {
		return err
	}
	env, err := stdio.loadEnv()
	if err != nil {
		return err
	}
	if err := refuseTokenArg(c.Args().First(), env.Registry); err != nil {
		return err // before a prompt asks for the token
	}
	force := c.Bool("force")
	if err := checkTypo(c.Args().First(), env.Registry); err != nil && !force {
		return err // before the prompt: a typo costs no pasted token
	}
	secret, err := readSecret(c, stdio)
	if err != nil {
		return err
	}
	target, plat, err := targetArg(c.Args().First(), env.Registry, secret)
	if errors.Is(err, errLikelyTypo) && force {
		target, err = keychain.ParseTarget(c.Args().First())
	}
	if err != nil {
		return err
	}
	if name := c.String("platform"); name != "" {
		p, ok := env.Registry.Named(name)
		if !ok {
			return usageError("unknown platform %q: choose one of %s", name, strings.Join(env.Registry.Names(), ", "))
		}
		plat = p
	}
	if plat.Name == "" {
		if p, ok := env.Registry.ForHost(target.Host); ok {
			plat = p
		} else if p, ok := env.Registry.Detect(secret); ok {
			plat = p
		}
	}
	if plat.Check != nil && !force {
		if err := plat.Check(secret); err != nil {
			return fmt.Errorf("%v; not stored (use --force to store it anyway)", err)
		}
	}
	rec := keychain.Record{
		Secret:   secret,
		Username: c.String("username"),
		Platform: plat.Name,
		Source:   keychain.SourceSet,
		Registry: c.Bool("registry"),
	}
	if c.Bool("session") {
		if plat.Name != "curvenote" {
			return usageError("--session is for Curvenote tokens (their session exchange)")
		}
		rec.UseSession = true
	}
	rec.Env = names
	if claims, ok := platform.ReadClaims(secret); ok {
		rec.Expires = claims.Expires
		rec.Scopes = claims.Scopes
		if id := claims.Identity(); id != "" {
			rec.Extra = map[string]string{"identity": id}
		}
	}
	store, err := stdio.storeOf(env)
	if err != nil {
		return err
	}
	if s := c.String("expires"); s != "" {
		if rec.Expires, err = parseExpiry(s, store.Now()); err != nil {
			return err
		}
	}
	if rec.Expired(store.Now()) {
		fmt.Fprintf(stdio.Stderr, "tok: warning: this token %s\n", expiryText(rec.Expires, store.Now()))
	}
	key, err := store.Save(target, rec)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Stored the token for %s in %s", key, store.Backend())
	if rec.Platform != "" {
		msg += " (" + rec.Platform
		if !rec.Expires.IsZero() {
			msg += ", " + expiryText(rec.Expires, store.Now())
		}
		msg += ")"
	}
	fmt.Fprintln(stdio.Stderr, msg+".")
	return nil
}

// readSecret takes the token from the second argument (with a warning), standard input when
// it is not a terminal, or a no-echo prompt.
func readSecret(c *ucli.Context, stdio IO) (string, error) {
	var secret string
	switch {
	case c.NArg() == 2:
		fmt.Fprintln(stdio.Stderr, "tok: warning: a token given as an argument is visible to other users of this machine (ps) and may stay in your shell history; pipe it in or let tok prompt instead")
		secret = c.Args().Get(1)
	case isTerminal(stdio.Stdin):
		b, err := prompt.Secret("Token (input is hidden): ")
		if err != nil {
			return "", fmt.Errorf("reading the token: %w", err)
		}
		secret = b
	default:
		b, err := io.ReadAll(io.LimitReader(bufio.NewReader(stdio.Stdin), MaxSecret+2))
		if err != nil {
			return "", fmt.Errorf("reading the token from standard input: %w", err)
		}
		if len(b) > MaxSecret+1 {
			return "", errors.New("the token on standard input is over 1 MiB; nothing stored")
		}
		secret = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	if strings.TrimSpace(secret) == "" {
		return "", usageError("the token is empty; nothing stored")
	}
	if strings.ContainsAny(secret, "\x00\r\n") {
		return "", usageError("the token contains a NUL or line break; nothing stored (give one token, on one line)")
	}
	return secret, nil
}
