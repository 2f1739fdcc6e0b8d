// Package install configures git and docker to ask tok for credentials. git's config is
// edited only through the git config command, so GIT_CONFIG_GLOBAL, includes and
// --system/--file behave as git users expect.
package install

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
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
	// Helper is the value written; empty means HelperName. HelperValue of git-credential-tok's
	// absolute path saves git an extra process per request.
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
	return v == HelperName || HelperPath(v) != ""
}

// HelperValue is the credential.helper value that makes git run the helper at path directly:
// the path itself, or, when it holds characters a shell would read (git runs an absolute
// helper through the shell), "!" and the path quoted.
func HelperValue(path string) string {
	path = filepath.ToSlash(path)
	if shellQuote(path) == path {
		return path
	}
	return "!" + shellQuote(path)
}

// HelperPath is the path of git-credential-tok a credential.helper value written by
// HelperValue names, or "" when it names none (the name form "tok" included).
func HelperPath(v string) string {
	p := v
	if rest, ok := strings.CutPrefix(v, "!"); ok {
		p = strings.TrimSpace(rest)
		if len(p) >= 2 && p[0] == '\'' && p[len(p)-1] == '\'' {
			p = strings.ReplaceAll(p[1:len(p)-1], `'\''`, "'")
		}
	}
	if strings.HasSuffix(p, "/git-credential-tok") || strings.HasSuffix(p, "/git-credential-tok.exe") || strings.HasSuffix(p, `\git-credential-tok.exe`) {
		return p
	}
	return ""
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

// helpers lists credential.<url>.helper in the scope, in order; url "" means credential.helper.
func (g Git) helpers(url string) ([]string, error) {
	key := "credential.helper"
	if url != "" {
		key = "credential." + url + ".helper"
	}
	out, err := g.run("--get-all", key)
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
			if err := g.useHTTPPath(t.URL); err != nil {
				return changed, err
			}
		}
	}
	return changed, nil
}

// useHTTPPath makes git send the path for url, so a path-scoped record can answer.
func (g Git) useHTTPPath(url string) error {
	v, err := g.run("--get", "credential."+url+".useHttpPath")
	if err != nil || strings.TrimSpace(v) == "true" {
		return err
	}
	return g.change("credential."+url+".useHttpPath", "true")
}

// InstallAll makes git ask tok for every host with one credential.helper entry in the scope,
// so a host stored later needs no second run. tok goes right after the scope's last reset (an
// empty value, which would drop it) and before the scope's other helpers, which keep working:
// for a host tok holds no record for, tok's get answers nothing and git asks the next helper.
// useHttpPath is set for each of pathScoped (URLs of path-scoped records), as Install does.
// Running it twice changes nothing. It returns 1 when the helper list changed, else 0.
func (g Git) InstallAll(pathScoped []string) (int, error) {
	have, err := g.helpers("")
	if err != nil {
		return 0, err
	}
	reset := -1
	for i, v := range have {
		if v == "" {
			reset = i
		}
	}
	var want []string
	for i, v := range have {
		if !isTokHelper(v) {
			want = append(want, v)
		}
		if i == reset {
			want = append(want, g.helper())
		}
	}
	if reset < 0 {
		want = append([]string{g.helper()}, want...)
	}
	changed := 0
	if !slices.Equal(want, have) {
		if len(have) > 0 {
			if err := g.change("--unset-all", "credential.helper"); err != nil {
				return 0, err
			}
		}
		for _, v := range want {
			if err := g.change("--add", "credential.helper", v); err != nil {
				return 0, err
			}
		}
		changed = 1
	}
	for _, u := range pathScoped {
		if err := g.useHTTPPath(u); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// OtherHelpers lists the scope's credential.helper values other than tok's.
func (g Git) OtherHelpers() ([]string, error) {
	have, err := g.helpers("")
	var out []string
	for _, v := range have {
		if v != "" && !isTokHelper(v) {
			out = append(out, v)
		}
	}
	return out, err
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
	if have, err := g.helpers(""); err != nil {
		return 0, err
	} else if slices.ContainsFunc(have, isTokHelper) {
		// The one entry InstallAll wrote; the scope's other helpers and resets stay.
		if err := g.change("--unset-all", "credential.helper", "^(tok|.*[/\\\\]git-credential-tok(\\.exe)?'?)$"); err != nil {
			return 0, err
		}
		removed++
	}
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
		if err := g.change("--unset-all", "credential."+url+".helper", "^(tok|.*[/\\\\]git-credential-tok(\\.exe)?'?)?$"); err != nil {
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

// Config is git's credential configuration as git reads it (every scope, includes followed),
// in order.
type Config struct{ entries [][2]string }

// ReadConfig reads git's credential configuration: every credential.* entry in the order
// git applies them.
func (g Git) ReadConfig() (Config, error) {
	cmd := exec.Command("git", "config", "--includes", "-z", "--get-regexp", `^credential\.`)
	cmd.Env = g.Env
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		return Config{}, nil // none set
	}
	if err != nil {
		return Config{}, fmt.Errorf("git config: %w", err)
	}
	var c Config
	for _, item := range strings.Split(string(out), "\x00") {
		if item == "" {
			continue
		}
		k, v, _ := strings.Cut(item, "\n")
		c.entries = append(c.entries, [2]string{k, v})
	}
	return c, nil
}

// Helpers is the list of helpers git runs for url, as git builds it: credential.helper and
// each credential.<pattern>.helper whose pattern matches url, in config order, an empty value
// emptying the list so far.
func (c Config) Helpers(url string) []string {
	var list []string
	for _, e := range c.entries {
		key := strings.ToLower(e[0])
		if key != "credential.helper" {
			// credential.<pattern>.helper, the pattern's case kept (a path is case-sensitive)
			pattern, ok := strings.CutPrefix(e[0], "credential.")
			if !ok || !strings.HasSuffix(key, ".helper") {
				continue
			}
			if !urlMatches(strings.TrimSuffix(pattern, pattern[len(pattern)-len(".helper"):]), url) {
				continue
			}
		}
		if e[1] == "" {
			list = nil
		} else {
			list = append(list, e[1])
		}
	}
	return list
}

// Asks reports whether git runs tok for url.
func (c Config) Asks(url string) bool { return slices.ContainsFunc(c.Helpers(url), isTokHelper) }

// MissingHelpers lists the git-credential-tok paths the configuration names that do not exist
// (a package manager moved the binary): git fails on each request that reaches one.
func (c Config) MissingHelpers(exists func(string) bool) []string {
	var out []string
	for _, e := range c.entries {
		if p := HelperPath(e[1]); p != "" && strings.HasSuffix(strings.ToLower(e[0]), ".helper") && !exists(p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// urlMatches reports whether a credential.<pattern> section applies to url, as git's
// urlmatch does: the same scheme (any, for a pattern without one), host (a "*" matches one
// label), port, a path that is a prefix of url's on a "/" boundary, and user when named.
func urlMatches(pattern, rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	anyScheme := !strings.Contains(pattern, "://")
	if anyScheme {
		pattern = u.Scheme + "://" + pattern
	}
	p, err := url.Parse(pattern)
	if err != nil || !strings.EqualFold(p.Scheme, u.Scheme) {
		return false
	}
	if p.User != nil && p.User.Username() != "" && (u.User == nil || u.User.Username() != p.User.Username()) {
		return false
	}
	if portOf(p) != portOf(u) || !hostMatches(strings.ToLower(p.Hostname()), strings.ToLower(u.Hostname())) {
		return false
	}
	pp := strings.TrimSuffix(p.Path, "/")
	return pp == "" || u.Path == pp || strings.HasPrefix(u.Path, pp+"/")
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

func hostMatches(pattern, host string) bool {
	pl, hl := strings.Split(pattern, "."), strings.Split(host, ".")
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		if pl[i] != "*" && pl[i] != hl[i] {
			return false
		}
	}
	return true
}
