package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/install"
	"github.com/tok-dev/tok/internal/setup"
)

func gitScopeFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.BoolFlag{Name: "system", Usage: "edit the system git config instead of the global one"},
		&ucli.BoolFlag{Name: "local", Usage: "edit this repository's git config"},
		&ucli.StringFlag{Name: "file", Usage: "edit this git config file"},
		&ucli.BoolFlag{Name: "dry-run", Usage: "print the git config commands instead of running them"},
	}
}

// absoluteHelper is git-credential-tok's absolute path: beside this tok, else on PATH. When
// the one on PATH is the same file reached through a link (Homebrew's bin/, a distribution's
// /usr/bin), the path on PATH is written: it survives an upgrade that moves the real file.
func absoluteHelper() (string, error) {
	onPath, pathErr := exec.LookPath("git-credential-tok")
	if pathErr == nil {
		onPath, pathErr = filepath.Abs(onPath)
	}
	if p := setup.SiblingBinary("git-credential-tok"); filepath.IsAbs(p) {
		if pathErr == nil && sameFile(p, onPath) {
			return onPath, nil
		}
		return p, nil
	}
	if pathErr != nil {
		return "", errors.New("git-credential-tok is neither beside tok nor on PATH; install it with go install ./cmd/...")
	}
	return onPath, nil
}

func sameFile(a, b string) bool {
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

func gitInstaller(c *ucli.Context, stdio IO) install.Git {
	g := install.Git{DryRun: c.Bool("dry-run"), Out: stdio.Stdout}
	switch {
	case c.String("file") != "":
		g.Scope = "--file=" + c.String("file")
	case c.Bool("system"):
		g.Scope = "--system"
	case c.Bool("local"):
		g.Scope = "--local"
	}
	return g
}

func installCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "install",
		Usage: "configure git or docker to ask tok for credentials",
		Subcommands: []*ucli.Command{installDockerCommand(stdio), {
			Name:      "git",
			Usage:     "make git ask tok for every host, or for TARGETs",
			ArgsUsage: "[TARGET...]",
			Description: `With no TARGET, adds one credential.helper entry that covers every host tok holds now
or later. It goes before the other helpers of that config file (after its last empty value,
which would drop it); they keep working: for a host tok holds nothing for, tok answers nothing
and git asks the next helper. git hands a credential that worked to every helper's store, and an
erase to every helper's erase: tok keeps what git's prompt or another helper gave (source
git store), and erases only such records.

With TARGETs, writes credential.<url>.helper as an empty value (so helpers set for all hosts do
not answer for that URL) and then tok, for each. Either way useHttpPath=true is set for
path-scoped records. Running it twice changes nothing.

The entry is git-credential-tok's absolute path, so git runs it directly (an extra git process
per request, about 1.7 ms, is saved); --by-name writes "tok", which git resolves on PATH each
time. tok doctor says when the path no longer exists (a package manager moved it): run tok
install git again.

Examples:
   tok install git                         # every host, now and later
   tok install git https://github.com      # only this host
   tok install git --dry-run
   tok install git --by-name
   GIT_CONFIG_GLOBAL=~/.gitconfig-work tok install git https://git.work.example`,
			Flags: append(gitScopeFlags(),
				&ucli.BoolFlag{Name: "by-name", Usage: "write \"tok\" instead of git-credential-tok's absolute path (git finds it on PATH, at the cost of an extra process per request)"},
				&ucli.BoolFlag{Name: "absolute", Hidden: true, Usage: "the default; kept for scripts"}),
			Action: func(c *ucli.Context) error { return runInstallGit(c, stdio) },
		}},
	}
}

func runInstallGit(c *ucli.Context, stdio IO) error {
	var targets []install.GitTarget
	if c.NArg() > 0 {
		env, err := stdio.loadEnv()
		if err != nil {
			return err
		}
		for _, arg := range c.Args().Slice() {
			t, _, err := targetArg(arg, env.Registry, "")
			if err != nil {
				return err
			}
			if t.IsWildcard() {
				return usageError("git config cannot match %s; install each host, or run tok install git with no URL for every host", t)
			}
			targets = append(targets, install.GitTarget{URL: t.URL(), PathScoped: t.Path != ""})
		}
	}
	g := gitInstaller(c, stdio)
	if !c.Bool("by-name") {
		helperPath, err := absoluteHelper()
		if err != nil {
			return err
		}
		g.Helper = install.HelperValue(helperPath)
	}
	if c.NArg() == 0 {
		var pathScoped []string
		if entries, err := listNoPrompt(stdio); err != nil {
			fmt.Fprintf(stdio.Stderr, "tok: note: the records were not listed (%v): for a path-scoped record, run tok install git URL\n", err)
		} else {
			for _, e := range entries {
				if t := e.Target; t.Path != "" && !t.IsWildcard() && !slices.Contains(pathScoped, t.URL()) {
					pathScoped = append(pathScoped, t.URL())
				}
			}
		}
		n, err := g.InstallAll(pathScoped)
		if err != nil {
			return err
		}
		if !c.Bool("dry-run") {
			fmt.Fprintf(stdio.Stderr, "git asks tok for every host (%s); %d changed.\n", g.Helper, n)
			if others, _ := g.OtherHelpers(); len(others) > 0 {
				fmt.Fprintf(stdio.Stderr, "tok: note: git also asks %s for hosts tok holds nothing for, and hands each of them every credential that worked, tok's included\n", strings.Join(others, ", "))
			}
		}
		return nil
	}
	n, err := g.Install(targets)
	if err != nil {
		return err
	}
	if !c.Bool("dry-run") {
		fmt.Fprintf(stdio.Stderr, "git asks tok for %d URL(s); %d changed.\n", len(targets), n)
	}
	return nil
}

func uninstallCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:  "uninstall",
		Usage: "undo tok install",
		Subcommands: []*ucli.Command{uninstallDockerCommand(stdio), {
			Name:        "git",
			Usage:       "remove exactly the git config entries tok install git added",
			Description: "Example:\n   tok uninstall git --dry-run",
			Flags:       gitScopeFlags(),
			Action: func(c *ucli.Context) error {
				n, err := gitInstaller(c, stdio).Uninstall()
				if err != nil {
					return err
				}
				if !c.Bool("dry-run") {
					fmt.Fprintf(stdio.Stderr, "Removed tok from %d URL(s) in git config.\n", n)
				}
				return nil
			},
		}},
	}
}
