// Package install configures git and docker to ask tok for credentials. git's config is
// edited only through the git config command, so GIT_CONFIG_GLOBAL, includes and
// --system/--file behave as git users expect.
package install

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// HelperName is the value tok writes to credential.<url>.helper (git runs git-credential-tok).
const HelperName = "tok"

// GitTarget is one URL to configure; PathScoped records need credential.useHttpPath.
type GitTarget struct {
	URL        string
	PathScoped bool
}

// Git edits git config through the git command.
type Git struct {
	// Scope is the git config location flag: "--global" (default), "--system", "--local",
	// or "--file=PATH".
	Scope  string
	DryRun bool
	Out    io.Writer // where --dry-run prints the commands, and what was done
	// Env is the environment for git (nil: this process's).
	Env []string
	// Helper is the value written; empty means HelperName. An absolute path to
	// git-credential-tok saves git an extra process per request.
	Helper string
}

func (g Git) helper() string {
	if g.Helper == "" {
		return HelperName
	}
	return g.Helper
}

// isTokHelper reports whether a credential.helper value is one tok install writes.
func isTokHelper(v string) bool {
	return v == HelperName || strings.HasSuffix(v, "/git-credential-tok") || strings.HasSuffix(v, `\git-credential-tok.exe`)
}

func (g Git) scope() string {
	if g.Scope == "" {
		return "--global"
	}
	return g.Scope
}

func (g Git) run(args ...string) (string, error) {
	full := append([]string{"config", g.scope()}, args...)
	cmd := exec.Command("git", full...)
	cmd.Env = g.Env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && errb.Len() == 0 {
		return "", nil // git config's "not found"
	}
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(full, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// change runs a git config command that changes something, or prints it under --dry-run.
func (g Git) change(args ...string) error {
	if g.DryRun {
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = shellQuote(a)
		}
		fmt.Fprintf(g.Out, "git config %s %s\n", g.scope(), strings.Join(quoted, " "))
		return nil
	}
	_, err := g.run(args...)
	return err
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"$`\\*?[]{}|&;<>()!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (g Git) helpers(url string) ([]string, error) {
	out, err := g.run("--get-all", "credential."+url+".helper")
	if err != nil || out == "" {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n"), nil
}

// Install makes git ask tok, and only tok, for each target: an empty helper first (so helpers
// inherited from broader config do not answer for that URL), then tok; useHttpPath where a
// record is path-scoped. Running it twice changes nothing. It returns how many URLs changed.
func (g Git) Install(targets []GitTarget) (int, error) {
	changed := 0
	for _, t := range targets {
		have, err := g.helpers(t.URL)
		if err != nil {
			return changed, err
		}
		if len(have) < 2 || have[len(have)-2] != "" || have[len(have)-1] != g.helper() {
			key := "credential." + t.URL + ".helper"
			if err := g.change("--add", key, ""); err != nil {
				return changed, err
			}
			if err := g.change("--add", key, g.helper()); err != nil {
				return changed, err
			}
			changed++
		}
		if t.PathScoped {
			v, err := g.run("--get", "credential."+t.URL+".useHttpPath")
			if err != nil {
				return changed, err
			}
			if strings.TrimSpace(v) != "true" {
				if err := g.change("credential."+t.URL+".useHttpPath", "true"); err != nil {
					return changed, err
				}
			}
		}
	}
	return changed, nil
}

// Uninstall removes what Install added for every URL whose helper list ends in "", tok (or
// an absolute path to git-credential-tok):
// those two values and a useHttpPath=true beside them; other helpers stay.
func (g Git) Uninstall() (int, error) {
	out, err := g.run("--get-regexp", `^credential\..*\.helper$`)
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	removed := 0
	for _, line := range strings.Split(out, "\n") {
		key, value, _ := strings.Cut(line, " ")
		if !isTokHelper(value) || !strings.HasPrefix(key, "credential.") {
			continue
		}
		url := strings.TrimSuffix(strings.TrimPrefix(key, "credential."), ".helper")
		if url == "" || seen[url] {
			continue
		}
		seen[url] = true
		if err := g.change("--unset-all", "credential."+url+".helper", "^(tok|.*[/\\\\]git-credential-tok(\\.exe)?)?$"); err != nil {
			return removed, err
		}
		if v, _ := g.run("--get", "credential."+url+".useHttpPath"); strings.TrimSpace(v) == "true" {
			if err := g.change("--unset", "credential."+url+".useHttpPath"); err != nil {
				return removed, err
			}
		}
		removed++
	}
	return removed, nil
}

// Asks reports whether git will ask tok for url, by asking git itself.
func (g Git) Asks(url string) bool {
	cmd := exec.Command("git", "config", "--get-urlmatch", "credential.helper", url)
	cmd.Env = g.Env
	out, err := cmd.Output()
	return err == nil && isTokHelper(strings.TrimSpace(string(out)))
}
