package cli

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"

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

// absoluteHelper is git-credential-tok's absolute path: beside this tok, else on PATH.
func absoluteHelper() (string, error) {
	if p := setup.SiblingBinary("git-credential-tok"); filepath.IsAbs(p) {
		return p, nil
	}
	p, err := exec.LookPath("git-credential-tok")
	if err != nil {
		return "", errors.New("git-credential-tok is neither beside tok nor on PATH; install it with go install ./cmd/...")
	}
	return filepath.Abs(p)
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
			Usage:     "make git ask tok for TARGETs (default: every host tok holds)",
			ArgsUsage: "[TARGET...]",
			Description: `Writes, through git config, credential.<url>.helper as an empty value (so helpers set
for all hosts do not answer for this one) and then tok, plus useHttpPath=true for path-scoped
records. Running it twice changes nothing.

Examples:
   tok install git                         # every host tok holds
   tok install git https://github.com
   tok install git --dry-run
   tok install git --absolute              # faster: git runs the helper directly
   GIT_CONFIG_GLOBAL=~/.gitconfig-work tok install git https://git.work.example`,
			Flags: append(gitScopeFlags(), &ucli.BoolFlag{Name: "absolute", Usage: "write git-credential-tok's absolute path instead of tok: git then skips an extra process per request (about 1.7 ms)"}),
			Action: func(c *ucli.Context) error {
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
							return usageError("git config cannot match %s; install each host", t)
						}
						targets = append(targets, install.GitTarget{URL: t.URL(), PathScoped: t.Path != ""})
					}
				} else {
					_, _, entries, err := stdio.listStore()
					if err != nil {
						return err
					}
					seen := map[string]bool{}
					for _, e := range entries {
						t := e.Target
						if t.IsWildcard() || seen[t.URL()] {
							continue
						}
						seen[t.URL()] = true
						targets = append(targets, install.GitTarget{URL: t.URL(), PathScoped: t.Path != ""})
					}
					if len(targets) == 0 {
						return fmt.Errorf("tok holds no credentials yet: add one with tok set URL, or name the URLs: tok install git https://HOST")
					}
				}
				g := gitInstaller(c, stdio)
				if c.Bool("absolute") {
					helperPath, err := absoluteHelper()
					if err != nil {
						return err
					}
					g.Helper = helperPath
				}
				n, err := g.Install(targets)
				if err != nil {
					return err
				}
				if !c.Bool("dry-run") {
					fmt.Fprintf(stdio.Stderr, "git asks tok for %d URL(s); %d changed.\n", len(targets), n)
				}
				return nil
			},
		}},
	}
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
