// Package inject is tok exec and tok env: the environment and files a program gets from the
// selected records (its platform's variables, CAVE secret files, a netrc), and running it with
// them: signals forwarded, files removed when it ends.
package inject

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// Options are tok exec's and tok env's choices.
type Options struct {
	// PreserveEnv keeps a variable the environment already has instead of replacing it.
	PreserveEnv bool
	// Strict refuses to run with an expired token instead of warning.
	Strict bool
	// Netrc writes a temporary netrc with the selected records and points NETRC at it.
	Netrc bool
	// CaveHome redirects HOME to a private mirror so CAVEclient (which reads only
	// ~/.cloudvolume/secrets) finds its token.
	CaveHome bool
	// RuntimeDir is where temporary files go ($XDG_RUNTIME_DIR, else the system temp dir).
	RuntimeDir string
	// Now is the clock for expiry.
	Now time.Time
	// VarsOnly computes the token variables alone, with no files (tok env).
	VarsOnly bool
}

// Plan is what tok exec does: the program's environment, the files it needs, and the
// lines to say on stderr before it starts.
type Plan struct {
	Vars  map[string]string // the variables tok sets, for tok env
	Order []string          // Vars' names in a stable order
	Env   []string          // the whole environment for the program
	Dir   string            // private directory holding Files; "" when there are none
	Files map[string][]byte // path (inside Dir) to content, written 0600
	Links map[string]string // path (inside Dir) to the file it points at
	Notes []string
}

// ErrExpired means a selected token has expired and --strict was given.
var ErrExpired = errors.New("expired")

// EnvNames is the variables a record is injected as: its own, else its platform's.
func EnvNames(rec keychain.Record, reg *platform.Registry) []string {
	if len(rec.Env) > 0 {
		return rec.Env
	}
	if p, ok := reg.Named(rec.Platform); ok {
		return p.TokenEnv
	}
	return nil
}

// NewPlan computes the environment and files for records, over the environment base.
func NewPlan(base []string, records []keychain.Record, reg *platform.Registry, opts Options) (*Plan, error) {
	plan := &Plan{Vars: map[string]string{}, Files: map[string][]byte{}, Links: map[string]string{}}
	env := map[string]string{}
	var order []string
	for _, kv := range base {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; !dup {
			order = append(order, k)
		}
		env[k] = v
	}
	set := func(name, value, from string) {
		if old, ok := env[name]; ok && old != value {
			if opts.PreserveEnv {
				plan.Notes = append(plan.Notes, fmt.Sprintf("kept %s from the environment (--preserve-env); not the token for %s", name, from))
				return
			}
			plan.Notes = append(plan.Notes, fmt.Sprintf("replaced %s from the environment with the token for %s", name, from))
		}
		if _, ok := env[name]; !ok {
			order = append(order, name)
		}
		if _, ok := plan.Vars[name]; !ok {
			plan.Order = append(plan.Order, name)
		}
		env[name] = value
		plan.Vars[name] = value
	}
	var caves []keychain.Record
	for _, rec := range records {
		if rec.Expired(opts.Now) {
			msg := fmt.Sprintf("the token for %s expired %s ago", rec.Target, opts.Now.Sub(rec.Expires).Round(time.Second))
			if opts.Strict {
				return nil, fmt.Errorf("%w: %s; not running (renew it with tok set %s)", ErrExpired, msg, rec.Target)
			}
			plan.Notes = append(plan.Notes, "warning: "+msg)
		}
		for _, name := range EnvNames(rec, reg) {
			set(name, rec.Secret, rec.Target)
		}
		if p, ok := reg.Named(rec.Platform); ok && p.DomainEnv != "" {
			if t, err := rec.ParsedTarget(); err == nil {
				set(p.DomainEnv, t.Scheme+"://"+t.HostPort(), rec.Target)
			}
		}
		if p, ok := reg.Named(rec.Platform); ok && p.SecretFiles {
			caves = append(caves, rec)
		}
	}
	if opts.VarsOnly {
		caves, opts.Netrc = nil, false
	}
	if len(caves) > 0 || opts.Netrc {
		dir, err := privateDir(opts.RuntimeDir)
		if err != nil {
			return nil, err
		}
		plan.Dir = dir
	}
	if len(caves) > 0 {
		if err := planCave(plan, env, caves, opts, set); err != nil {
			return nil, err
		}
	}
	if opts.Netrc {
		path := filepath.Join(plan.Dir, "netrc")
		data, left := netrc(records, reg)
		plan.Files[path] = data
		for _, target := range left {
			plan.Notes = append(plan.Notes, "warning: left "+target+" out of the netrc: its user name or token holds a space, quote or line break, which netrc cannot carry")
		}
		set("NETRC", path, "--netrc")
	}
	if !opts.VarsOnly {
		set("TOK_EXEC", "1", "tok exec")
	}
	for _, k := range order {
		plan.Env = append(plan.Env, k+"="+env[k])
	}
	return plan, nil
}

// privateDir makes a 0700 directory for one run's files.
func privateDir(runtimeDir string) (string, error) {
	parent := runtimeDir
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "tok-exec-")
	if err != nil {
		return "", fmt.Errorf("creating a private directory for the program's files: %w", err)
	}
	return dir, os.Chmod(dir, 0o700)
}

// planCave makes CAVE tokens readable where CAVE's Python tools look, without touching the
// user's files: a private copy of the CloudVolume directory (CLOUD_VOLUME_DIR), whose secrets/
// holds <netloc>-cave-secret.json for each CAVE record and cave-secret.json for the first,
// and links to everything else the user's directory holds. CAVEclient reads only
// ~/.cloudvolume, so with CaveHome, HOME becomes a private mirror of the real one whose
// .cloudvolume is that copy.
func planCave(plan *Plan, env map[string]string, caves []keychain.Record, opts Options, set func(string, string, string)) error {
	home := env["HOME"]
	realCV := env["CLOUD_VOLUME_DIR"]
	if realCV == "" && home != "" {
		realCV = filepath.Join(home, ".cloudvolume")
	}
	cv := filepath.Join(plan.Dir, "cloudvolume")
	secrets := filepath.Join(cv, "secrets")
	ours := map[string][]byte{}
	for i, rec := range caves {
		t, err := rec.ParsedTarget()
		if err != nil {
			continue
		}
		for name, data := range platform.CAVESecretFiles(t.HostPort(), rec.Secret, i == 0) {
			ours[name] = data
		}
	}
	for name, data := range ours {
		plan.Files[filepath.Join(secrets, name)] = data
	}
	mirror(plan, realCV, cv, map[string]bool{"secrets": true})
	mirror(plan, filepath.Join(realCV, "secrets"), secrets, keys(ours))
	set("CLOUD_VOLUME_DIR", cv, "CAVE")
	if opts.CaveHome && home != "" {
		fakeHome := filepath.Join(plan.Dir, "home")
		mirror(plan, home, fakeHome, map[string]bool{".cloudvolume": true})
		plan.Links[filepath.Join(fakeHome, ".cloudvolume")] = cv
		set("HOME", fakeHome, "--cave-home")
	}
	return nil
}

func keys(m map[string][]byte) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// mirror links every entry of src into dst, except the names in skip.
func mirror(plan *Plan, src, dst string, skip map[string]bool) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !skip[e.Name()] {
			plan.Links[filepath.Join(dst, e.Name())] = filepath.Join(src, e.Name())
		}
	}
}

// netrc is a netrc file with one machine entry per record, in its platform's Basic shape.
// netrc has no quoting: a record whose user name or token holds whitespace of any kind or a
// quote would split into other attributes or entries, so it is left out (its target is in left).
func netrc(records []keychain.Record, reg *platform.Registry) (data []byte, left []string) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, rec := range records {
		t, err := rec.ParsedTarget()
		if err != nil || t.IsWildcard() || seen[t.Host] {
			continue
		}
		plat, _ := reg.Named(rec.Platform)
		user, pass := plat.BasicPair(rec.Secret, rec.Username, "")
		if !netrcSafe(user) || !netrcSafe(pass) {
			left = append(left, rec.Target)
			continue
		}
		seen[t.Host] = true
		if pass == "" {
			pass = `""` // Code Ocean's: a bare "password" would take the next line's word
		}
		fmt.Fprintf(&b, "machine %s\n  login %s\n  password %s\n", strings.Trim(t.Host, "[]"), user, pass)
	}
	return []byte(b.String()), left
}

// netrcSafe reports whether s can be one netrc token: no whitespace (netrc readers split on
// any, CR and form feed included), no quote, no control character.
func netrcSafe(s string) bool {
	for _, c := range s {
		if c <= ' ' || c == '"' || c == 0x7f || unicode.IsSpace(c) {
			return false
		}
	}
	return true
}

// WriteFiles creates the plan's files (0600) and links, in 0700 directories.
func (p *Plan) WriteFiles() error {
	paths := make([]string, 0, len(p.Files))
	for path := range p.Files {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, p.Files[path], 0o600); err != nil {
			return err
		}
	}
	for link, target := range p.Links {
		if _, taken := p.Files[link]; taken {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
			return err
		}
		if err := os.Symlink(target, link); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	}
	return nil
}

// Cleanup removes the plan's private directory.
func (p *Plan) Cleanup() {
	if p.Dir != "" {
		os.RemoveAll(p.Dir)
	}
}
