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
	// RuntimeDir is where temporary files go: $XDG_RUNTIME_DIR, else /dev/shm when it is a
	// tmpfs, else the system temp dir (see privateDir).
	RuntimeDir string
	// Now is the clock for expiry.
	Now time.Time
	// VarsOnly computes the token variables alone, with no files (tok env).
	VarsOnly bool
	// PassPassphrase passes the store's passphrase (keychain.PassphraseEnv) on to the program;
	// without it the program does not get it (--pass-passphrase).
	PassPassphrase bool
	// AllowEnv are the variables a record may set though platform.CheckEnvName refuses them
	// (--allow-env); any other such name is skipped with a warning.
	AllowEnv []string
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

// NewPlan computes the environment and files for the picked records, over the environment
// base. Its notes tell the truth: a variable is "replaced" only when base had it with another
// value, and a variable that holds no token (a domain, a directory, a file) is named for what
// it holds.
func NewPlan(base []string, picks []Pick, reg *platform.Registry, opts Options) (*Plan, error) {
	plan := &Plan{Vars: map[string]string{}, Files: map[string][]byte{}, Links: map[string]string{}}
	env := map[string]string{}
	given := map[string]string{}
	var order []string
	if kept := keychain.WithoutPassphrase(base); len(kept) < len(base) && !opts.PassPassphrase {
		plan.Notes = append(plan.Notes, keychain.PassphraseEnv+" is not passed to the program: it opens every token in the store (--pass-passphrase passes it)")
		base = kept
	}
	for _, kv := range base {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; !dup {
			order = append(order, k)
		}
		env[k], given[k] = v, v
	}
	// set gives name the value; what says what the value is ("the token for X", "the domain
	// of X", "a private copy of your home").
	set := func(name, value, what string) {
		if old, ok := given[name]; ok && old != value {
			if opts.PreserveEnv {
				plan.Notes = append(plan.Notes, fmt.Sprintf("kept %s from the environment (--preserve-env), not %s", name, what))
				return
			}
			plan.Notes = append(plan.Notes, fmt.Sprintf("replaced %s from the environment with %s", name, what))
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
	var caves, whole []keychain.Record
	for _, pick := range picks {
		rec := pick.Record
		if rec.Expired(opts.Now) {
			msg := fmt.Sprintf("the token for %s expired %s ago", Describe(rec), opts.Now.Sub(rec.Expires).Round(time.Second))
			if opts.Strict {
				return nil, fmt.Errorf("%w: %s; not running (renew it with tok set %s)", ErrExpired, msg, rec.Target)
			}
			plan.Notes = append(plan.Notes, "warning: "+msg)
		}
		// A record read back is checked again: the store may hold what tok set would refuse
		// (a record planted in a synced vault, or written by an older tok).
		fromRecord := func(name, value, what string) {
			if err := platform.CheckEnvName(name, opts.AllowEnv); err != nil {
				plan.Notes = append(plan.Notes, fmt.Sprintf("warning: not setting a variable from the record for %s: %v%s", rec.Target, err, allowHint(err, name)))
				return
			}
			set(name, value, what)
		}
		for _, name := range pick.Vars {
			fromRecord(name, rec.Secret, "the token for "+Describe(rec))
		}
		p, known := reg.Named(rec.Platform)
		if known && pick.Domain && p.DomainEnv != "" {
			if t, err := rec.ParsedTarget(); err == nil {
				fromRecord(p.DomainEnv, t.Scheme+"://"+t.HostPort(), "the domain of "+Describe(rec)+" (not a secret)")
			}
		}
		if !pick.Whole {
			continue
		}
		whole = append(whole, rec)
		if known && p.SecretFiles {
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
		data, notes := netrc(whole, reg)
		plan.Files[path] = data
		plan.Notes = append(plan.Notes, notes...)
		set("NETRC", path, "a temporary netrc for --netrc (not a secret itself)")
	}
	if !opts.VarsOnly {
		set("TOK_EXEC", "1", "1 (tok exec)")
	}
	for _, k := range order {
		plan.Env = append(plan.Env, k+"="+env[k])
	}
	return plan, nil
}

// allowHint says how to set a refused name anyway, when that is possible at all.
func allowHint(err error, name string) string {
	if errors.Is(err, platform.ErrRiskyEnv) {
		return " (--allow-env " + name + " sets it)"
	}
	return ""
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
	set("CLOUD_VOLUME_DIR", cv, "a private copy of your CloudVolume directory holding the CAVE tokens (a directory, not a secret)")
	if opts.CaveHome && home != "" {
		fakeHome := filepath.Join(plan.Dir, "home")
		mirror(plan, home, fakeHome, map[string]bool{".cloudvolume": true})
		plan.Links[filepath.Join(fakeHome, ".cloudvolume")] = cv
		set("HOME", fakeHome, "a private mirror of your home for --cave-home (a directory, not a secret)")
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

// netrc is a netrc file for the records, one machine entry each in its platform's Basic shape,
// that Python's netrc module, requests and curl --netrc-file all read back as the same triple,
// and notes naming what was left out. netrc has no quoting every reader shares, no scheme, port,
// path or wildcard, and one entry per host:
//   - a value with whitespace, quotes, a backslash, '#', a control or non-ASCII character, or
//     a netrc keyword is left out, never written escaped (a user name "x default login x"
//     must never turn into a default entry);
//   - an empty password is written as "", which all three read as empty (a bare "password"
//     would swallow the next "machine");
//   - a host gets one entry: a record scoped narrower than https, the default port and the
//     whole host (http, a port, a path, an account beside another) is written only when it is
//     the only selected record for its host; otherwise the broad one is written, or none.
func netrc(records []keychain.Record, reg *platform.Registry) ([]byte, []string) {
	var b strings.Builder
	var notes []string
	byHost := map[string][]keychain.Record{}
	var hosts []string
	for _, rec := range records {
		t, err := rec.ParsedTarget()
		if err != nil {
			continue
		}
		if t.IsWildcard() {
			notes = append(notes, fmt.Sprintf("--netrc: left out %s: netrc has no wildcard hosts", Describe(rec)))
			continue
		}
		host := strings.Trim(t.Host, "[]")
		if byHost[host] == nil {
			hosts = append(hosts, host)
		}
		byHost[host] = append(byHost[host], rec)
	}
	broad := func(rec keychain.Record) bool {
		t, _ := rec.ParsedTarget()
		return t.Scheme == "https" && t.Port == "" && t.Path == ""
	}
	for _, host := range hosts {
		recs := byHost[host]
		chosen := recs[0]
		if len(recs) > 1 {
			found := false
			for _, rec := range recs {
				if broad(rec) {
					chosen, found = rec, true
					break
				}
			}
			var left []string
			for _, rec := range recs {
				if !found || rec.Target != chosen.Target {
					left = append(left, Describe(rec))
				}
			}
			if !found {
				notes = append(notes, fmt.Sprintf("--netrc: left out %s: netrc has one entry per host and no scheme, port or path to tell them apart", strings.Join(left, ", ")))
				continue
			}
			notes = append(notes, fmt.Sprintf("--netrc: %s gets %s; left out %s (netrc has one entry per host)", host, Describe(chosen), strings.Join(left, ", ")))
		}
		plat, _ := reg.Named(chosen.Platform)
		user, pass := plat.BasicPair(chosen.Secret, chosen.Username, "")
		if !netrcSafe(host) || !netrcSafe(user) || pass != "" && !netrcSafe(pass) {
			notes = append(notes, fmt.Sprintf("--netrc: left out %s: its user name or token has a character netrc cannot carry safely (whitespace, a quote, '#', a control character)", Describe(chosen)))
			continue
		}
		if pass == "" {
			pass = `""`
		}
		fmt.Fprintf(&b, "machine %s\n  login %s\n  password %s\n", host, user, pass)
	}
	return []byte(b.String()), notes
}

// netrcSafe reports whether v can be written as a bare netrc token that every reader reads
// back unchanged: printable ASCII with no space, quote, backslash or '#', and no keyword.
func netrcSafe(v string) bool {
	if v == "" {
		return false
	}
	switch v {
	case "machine", "default", "login", "password", "account", "macdef":
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' || c == '#' {
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
