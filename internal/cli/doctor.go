package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/install"
	"github.com/tok-dev/tok/internal/importer"
	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
)

func doctorCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "doctor",
		Usage: "check the backend, the helpers on PATH, and the stored tokens",
		Description: `Says which backend is in use and why, whether it answers, where tok keeps its files,
whether git-credential-tok and docker-credential-tok are on PATH, for how many of the hosts tok
holds git asks tok, whether a helper path in git's config still exists, and which tokens have
expired. In a project (a tok.env from here up to the repository root, or --env-file), also which
of its references resolve, which are missing and which expire within a day; --project checks
only that, for a CI job. Exits 1 when something needs fixing (a locked vault is the normal
state, not a fault).

Examples:
   tok doctor
   tok doctor --project`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "project", Usage: "check only the project file's references (exit 1 when one is missing)"},
			envFileFlag(),
		},
		Action: func(c *ucli.Context) error {
			if c.Bool("project") {
				return runDoctorProject(c, stdio)
			}
			return runDoctor(stdio, projectFileQuiet(c))
		},
	}
}

func runDoctor(stdio IO, projectFile string) error {
	w := stdio.Stdout
	problems := 0
	ok := func(format string, a ...any) { fmt.Fprintf(w, "  ok    "+format+"\n", a...) }
	bad := func(format string, a ...any) { problems++; fmt.Fprintf(w, "  FAIL  "+format+"\n", a...) }
	note := func(format string, a ...any) { fmt.Fprintf(w, "  note  "+format+"\n", a...) }

	fmt.Fprintln(w, "Configuration")
	env, err := stdio.loadEnv()
	if err != nil {
		bad("%v", err)
		return silentExit(1)
	}
	if _, err := os.Stat(env.Paths.ConfigFile); err == nil {
		ok("config file %s", env.Paths.ConfigFile)
	} else {
		note("no config file (%s); defaults apply", env.Paths.ConfigFile)
	}
	opts := env.StoreOptions()
	if opts.Backend != "" {
		note("backend %q chosen by %s", opts.Backend, opts.Chosen)
	}
	if _, set := os.LookupEnv(setup.EnvPassphrase); set {
		note("%s is set: the file store opens without a prompt (it protects copies of the store, not this session)", setup.EnvPassphrase)
	}

	fmt.Fprintln(w, "Backend")
	store, err := stdio.storeOf(env)
	sweepVaultTemps(env)
	var entries int
	if err != nil {
		bad("%v", err)
	} else {
		ok("%s: %s", store.Backend(), store.Why())
		start := time.Now()
		list, err := store.List()
		switch {
		case errors.Is(err, keychain.ErrVaultLocked):
			// The vault's normal state between sessions, headless: reading it needs the passphrase.
			note("the vault is locked, so its records are not listed: tok unlock opens it for a session")
		case err != nil:
			bad("listing %s failed: %v", store.Backend(), err)
		default:
			entries = len(list)
			ok("%s answers: %d credentials listed in %s", store.Backend(), entries, time.Since(start).Round(time.Millisecond))
			now := store.Now()
			doctorGitCoverage(list, ok, note)
			for _, e := range list {
				switch {
				case e.Err != nil:
					bad("%s is unreadable: %v", e.Target, e.Err)
				case e.Record.Expired(now):
					bad("%s %s; replace it with: tok set %s", e.Target, expiryText(e.Record.Expires, now), e.Target.URL())
				case e.Record.Rejected != nil:
					note("%s was refused by %s %s", e.Target, e.Record.Rejected.Host, relTime(e.Record.Rejected.At, now))
				}
			}
		}
		if store.Backend() == "file" {
			checkMode(env.Paths.FileDir(), 0o700, ok, bad)
		}
		if v, isVault := store.VaultOf(); isVault {
			doctorVault(v, opts.VaultCaches, ok, note)
			checkMode(v.Dir(), 0o700, ok, bad)
		}
	}

	fmt.Fprintln(w, "Plaintext tokens")
	found, unread := scanPlaintext(env)
	if len(found) == 0 && len(unread) == 0 {
		ok("none found in the places tok knows (settings files, netrc, git and docker credentials, env)")
	}
	for _, pc := range countByPath(found) {
		note("%d plaintext token(s) in %s; move them into the keychain with: tok import", pc.n, pc.path)
	}
	for _, p := range unread {
		note("%s could not be read: %v", p.Path, p.Err)
	}

	if projectFile != "" && store != nil {
		fmt.Fprintf(w, "Project (%s)\n", projectFile)
		problems += checkProject(env, store, projectFile, ok, bad, note)
	}

	fmt.Fprintln(w, "Helpers")
	for _, name := range []string{"git-credential-tok", "docker-credential-tok"} {
		if path, err := exec.LookPath(name); err == nil {
			ok("%s is %s", name, path)
		} else {
			bad("%s is not on PATH: install with go install ./cmd/... and add $(go env GOPATH)/bin to PATH", name)
		}
	}
	if cfg, err := (install.Git{}).ReadConfig(); err == nil {
		for _, p := range cfg.MissingHelpers(func(p string) bool { _, err := os.Stat(p); return err == nil }) {
			bad("git's config runs %s, which no longer exists (moved by an upgrade?): run tok install git", p)
		}
	}
	if problems > 0 {
		fmt.Fprintf(w, "%d problem(s) found.\n", problems)
		return silentExit(1)
	}
	fmt.Fprintln(w, "All good.")
	return nil
}

func checkMode(dir string, want os.FileMode, ok, bad func(string, ...any)) {
	info, err := os.Stat(dir)
	if err != nil {
		return
	}
	if info.Mode().Perm()&^want != 0 {
		bad("%s has mode %o; run: chmod %o %s", dir, info.Mode().Perm(), want, dir)
		return
	}
	ok("%s has mode %o", dir, info.Mode().Perm())
}

type pathCount struct {
	path string
	n    int
}

// countByPath counts the tokens found in each file, in the order the files were first found,
// so doctor prints the same lines in the same order every time.
func countByPath(found []importer.Found) []pathCount {
	var out []pathCount
	at := map[string]int{}
	for _, f := range found {
		i, seen := at[f.Path]
		if !seen {
			i = len(out)
			at[f.Path] = i
			out = append(out, pathCount{path: f.Path})
		}
		out[i].n++
	}
	return out
}

// doctorVault says whether the vault is locked, and where its unlocked key is held until when.
func doctorVault(v *keychain.Vault, caches []keychain.IdentityCache, ok, note func(string, ...any)) {
	if !v.Exists() {
		note("the vault (%s) is created by the first tok set", v.Dir())
		return
	}
	for _, c := range caches {
		if _, until, err := c.Load(v.VaultID()); err == nil {
			ok("the vault is unlocked until %s, held by %s; tok lock locks it", until.Format("15:04 Mon 2 Jan"), c.Name())
			return
		}
	}
	note("the vault is locked: helpers need TOK_FILE_PASSPHRASE or tok unlock (once per session)")
}

// doctorGitCoverage says in one line for how many of the hosts tok holds git asks tok.
func doctorGitCoverage(list []keychain.Entry, ok, note func(string, ...any)) {
	cfg, err := (install.Git{}).ReadConfig()
	if err != nil {
		note("git's configuration could not be read (%v)", err)
		return
	}
	var hosts []string
	asked := 0
	for _, e := range list {
		if e.Err != nil {
			continue
		}
		u := e.Target.URL()
		if e.Target.IsWildcard() { // git is asked for a host under it
			u = strings.Replace(u, "*.", "tok-probe.", 1)
		}
		if slices.Contains(hosts, u) {
			continue
		}
		hosts = append(hosts, u)
		if cfg.Asks(u) {
			asked++
		}
	}
	switch {
	case len(hosts) == 0:
	case asked == len(hosts):
		ok("git asks tok for all %d hosts tok holds", len(hosts))
	default:
		note("git asks tok for %d of %d hosts: tok install git", asked, len(hosts))
	}
}
