package cli

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/atomicfile"
	"github.com/tok-dev/tok/internal/importer"
	"github.com/tok-dev/tok/internal/setup"
)

func importCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "import",
		Usage: "find plaintext tokens (settings files, netrc, git and docker credentials, env) and move them into the keychain",
		Description: `Without flags, a dry run: a table of every token found, whether tok already holds the same
or a different secret, the file's permissions, and what --apply would do.

Sources: Curvenote's settings.json, CAVE/CloudVolume *cave-secret.json (every key), the JWT CLI's
~/.config/cli/token.json, ~/.netrc, ~/.git-credentials, docker's config.json "auths", and the
CURVENOTE_TOKEN, CODEOCEAN_TOKEN and CAVE_TOKEN variables. A file that does not parse is
reported and nothing is imported from it.

Each file is read as the tool that owns it reads it: netrc as Python's netrc module (a file curl
could read differently is reported and nothing in it imported), .git-credentials as git's
credential-store, config.json as docker. Entries without a secret (anonymous FTP) are skipped.

--remove deletes a plaintext copy only after the keychain gives the same value back. A file
that holds other data keeps everything else byte for byte and its mode; it is rewritten
atomically, and a symlinked file (stow, chezmoi, home-manager) is edited where the link points,
the link kept. A file is deleted only when nothing but imported entries was in it. tok says
"Removed" only once a re-read of the file shows every imported entry gone.

Examples:
   tok import                       # what is there, what would happen
   tok import --apply               # import; a target holding a different secret is skipped
   tok import --apply --overwrite   # ... or replaced
   tok import --apply --remove      # import, verify, then remove the plaintext copies`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "apply", Usage: "import what was found"},
			&ucli.BoolFlag{Name: "overwrite", Usage: "replace a different secret tok already holds"},
			&ucli.BoolFlag{Name: "remove", Usage: "with --apply: remove the plaintext copies once verified"},
		},
		Action: func(c *ucli.Context) error { return runImport(c, stdio) },
	}
}

func scanPlaintext(env *setup.Env) ([]importer.Found, []importer.Problem) {
	home, _ := os.UserHomeDir()
	return importer.Scan(importer.Env{Home: home, Getenv: os.Getenv, GOOS: runtime.GOOS, Registry: env.Registry})
}

func runImport(c *ucli.Context, stdio IO) error {
	if c.Bool("remove") && !c.Bool("apply") {
		return usageError("--remove needs --apply: tok removes a plaintext copy only after importing and checking it")
	}
	env, store, err := stdio.openStore()
	if err != nil {
		return err
	}
	found, problems := scanPlaintext(env)
	for _, p := range problems {
		fmt.Fprintf(stdio.Stderr, "tok: skipped %s: %v\n", p.Path, p.Err)
	}
	if len(found) == 0 {
		fmt.Fprintln(stdio.Stderr, "No plaintext tokens found.")
		return nil
	}
	apply, overwrite := c.Bool("apply"), c.Bool("overwrite")
	tw := tabwriter.NewWriter(stdio.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tTARGET\tPLATFORM\tIDENTITY\tIN TOK\tFILE MODE\tACTION")
	var settled []importer.Found // entries the keychain now holds, so their copies may go
	failed := 0
	seen := map[string]string{}
	for _, f := range found {
		state, err := importer.Compare(store, f)
		if err != nil {
			return err
		}
		id := f.Target.String() + "\x00" + f.Record.Username + "\x00" + f.Record.Secret
		action := ""
		switch {
		case seen[id] != "":
			action = "duplicate of " + seen[id]
			state = importer.StateSame
		case state == importer.StateSame:
			action = "already in tok"
		case state == importer.StateDifferent && !overwrite:
			action = "skip: tok holds a different secret (--overwrite replaces it)"
		case state == importer.StateDifferent:
			action = "overwrite"
		default:
			action = "import"
		}
		if seen[id] == "" {
			seen[id] = f.Path
		}
		if apply && (action == "import" || action == "overwrite") {
			if err := importer.Import(store, f); err != nil {
				action = "FAILED: " + err.Error()
				failed++
			} else {
				action = map[string]string{"import": "imported", "overwrite": "overwritten"}[action]
				state = importer.StateSame
			}
		}
		if state == importer.StateSame {
			settled = append(settled, f)
		}
		identity := f.Identity
		if f.Note != "" {
			identity = strings.TrimSpace(identity + " (" + f.Note + ")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Path, f.Target, dash(f.Record.Platform), dash(identity), state, importer.Describe(f), action)
	}
	tw.Flush()
	if apply && c.Bool("remove") {
		changed, err := importer.RemovePlaintext(store, settled)
		for _, p := range changed {
			fmt.Fprintf(stdio.Stderr, "Removed the imported tokens from %s.\n", p)
		}
		if err != nil {
			// One line per file that kept its copy, naming the real file.
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				fmt.Fprintln(stdio.Stderr, "tok: "+strings.ReplaceAll(e.Error(), "\n", "; "))
			}
			failed++
		}
	} else {
		files := map[string]string{}
		for _, f := range found {
			files[f.Path] = importer.Describe(f)
		}
		paths := make([]string, 0, len(files))
		for p := range files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		fmt.Fprintf(stdio.Stderr, "Plaintext copies remain in %d place(s):\n", len(paths))
		for _, p := range paths {
			if real, err := atomicfile.Real(p); err == nil && real != p {
				fmt.Fprintf(stdio.Stderr, "  %s, a link to %s (mode %s)\n", p, real, files[p])
				continue
			}
			fmt.Fprintf(stdio.Stderr, "  %s (mode %s)\n", p, files[p])
		}
		if !apply {
			fmt.Fprintln(stdio.Stderr, "Nothing changed (dry run). Import with: tok import --apply; and remove the copies with: tok import --apply --remove")
		} else {
			fmt.Fprintln(stdio.Stderr, "Remove them once you are ready with: tok import --apply --remove (environment variables: delete their export from your shell's startup files)")
		}
	}
	if failed > 0 {
		return silentExit(1)
	}
	return nil
}
