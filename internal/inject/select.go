package inject

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// Selection is the one rule for which record a program gets (design.md, Selection), for tok
// get, tok exec, tok env and tok default alike. A platform name means the platform's default
// record: its default host's default account. The default host is the one tok default chose,
// else the platform's own first host when a record is stored there, else the host of the
// platform's first stored record; the default account is the one at the host's key (the first
// stored there, or the one tok default chose). Another account or server is used only when
// named: a URL with the user (https://bob@api.curvenote.com), PLATFORM:HOST
// (cave:other.example.org), --username, --only, --env NAME=TARGET. Never by sort order.
//
// Selection reads the store's index (keychain.Store.Index: one item) and then only the records
// it picks, so its cost does not grow with the number of records stored.
type Selection struct {
	Store    *keychain.Store
	Registry *platform.Registry
	// CheckArg, when set, vets every argument before it is resolved (a typo, a pasted token:
	// the command's rules for what a person types); its error is returned as it is.
	CheckArg func(arg string) error
	entries  []keychain.IndexEntry
	loaded   bool
	tokenEnv map[string][]string // platform -> its token variables
}

// Choice is a record a name chose, and, when the name was a platform with several records,
// the line that says which one was used and how to pick another.
type Choice struct {
	Record keychain.Record
	Note   string
}

// Pick is a record a program gets and the variables it sets.
type Pick struct {
	Record keychain.Record
	// Vars are the variables set to the record's token.
	Vars []string
	// Domain: the record also sets its platform's domain variable (CODEOCEAN_DOMAIN).
	Domain bool
	// Whole: the record is selected as a whole (--only, or by default), so it also goes into
	// the files tok writes (CAVE secret files, --netrc); --env NAME=TARGET maps one variable.
	Whole bool
}

// EnvMapping is one --env NAME=TARGET.
type EnvMapping struct{ Name, Target string }

// ParseEnvMapping reads NAME=TARGET.
func ParseEnvMapping(s string) (EnvMapping, error) {
	name, target, ok := strings.Cut(s, "=")
	if !ok || target == "" {
		return EnvMapping{}, fmt.Errorf("--env %q: give NAME=TARGET, as in --env CURVENOTE_TOKEN=https://bob@api.curvenote.com", s)
	}
	if !platform.ValidEnvName(name) {
		return EnvMapping{}, fmt.Errorf("--env %q: %q is not a valid environment variable name", s, name)
	}
	return EnvMapping{Name: name, Target: target}, nil
}

func (s *Selection) index() ([]keychain.IndexEntry, error) {
	if !s.loaded {
		entries, err := s.Store.Index()
		if err != nil {
			return nil, err
		}
		s.entries, s.loaded = entries, true
	}
	return s.entries, nil
}

// Describe names a record as a person would name it to tok: its URL with the account.
func Describe(rec keychain.Record) string {
	t, err := rec.ParsedTarget()
	if err != nil {
		return rec.Target
	}
	t.Username = rec.Username
	return t.String()
}

// splitUser takes user information out of a URL ("https://bob@host" names bob's account).
func splitUser(arg string) (string, string) {
	scheme, rest, ok := strings.Cut(arg, "://")
	if !ok {
		scheme, rest = "", arg
	}
	at := strings.LastIndex(rest, "@")
	slash := strings.Index(rest, "/")
	if at < 0 || (slash >= 0 && at > slash) {
		return arg, ""
	}
	userinfo := rest[:at]
	if strings.Contains(userinfo, ":") {
		return arg, "" // a password in a URL: ParseTarget refuses it with its own message
	}
	user, err := url.PathUnescape(userinfo)
	if err != nil {
		return arg, ""
	}
	if scheme != "" {
		return scheme + "://" + rest[at+1:], user
	}
	return rest[at+1:], user
}

// Named is the record one argument names (tok get ARG, --only ARG, --env NAME=ARG, tok default
// ARG): a platform name, PLATFORM:HOST, or a target (URL, host, *.host), with username from
// --username or the URL. verb is the command, for the note's example ("tok get").
func (s *Selection) Named(arg, username, verb string) (Choice, error) {
	if s.CheckArg != nil {
		if err := s.CheckArg(arg); err != nil {
			return Choice{}, err
		}
	}
	if p, ok := s.Registry.Named(arg); ok && !strings.ContainsAny(arg, ".:/@") {
		return s.platformDefault(p, username, verb)
	}
	if name, host, ok := strings.Cut(arg, ":"); ok && !strings.HasPrefix(host, "//") {
		if p, known := s.Registry.Named(name); known && !strings.ContainsAny(name, "./") {
			rec, err := s.target(host, username)
			if err == nil && rec.Platform != p.Name {
				return Choice{}, fmt.Errorf("%s: the record for %s is not a %s token (it is %q)", arg, Describe(rec), p.Name, rec.Platform)
			}
			return Choice{Record: rec}, err
		}
	}
	rec, err := s.target(arg, username)
	return Choice{Record: rec}, err
}

// target resolves a target argument the way requests are resolved (longest path prefix, then
// the host, then *.parent), with the account the URL or --username names.
func (s *Selection) target(arg, username string) (keychain.Record, error) {
	bare, user := splitUser(arg)
	if user != "" {
		if username != "" && username != user {
			return keychain.Record{}, fmt.Errorf("%s names the account %q and --username %q: give one", arg, user, username)
		}
		username = user
	}
	t, err := keychain.ParseTarget(bare)
	if err != nil {
		return keychain.Record{}, fmt.Errorf("%w (a target is a URL, a host, host:port, *.host, PLATFORM:HOST or a platform name: %s)", err, strings.Join(s.Registry.Names(), ", "))
	}
	t.Username = username
	var rec keychain.Record
	if t.IsWildcard() {
		rec, _, err = s.Store.Find(t)
	} else {
		rec, err = s.Store.Lookup(t)
	}
	if errors.Is(err, keychain.ErrNotFound) {
		what := bare
		if username != "" {
			what += " --username " + username
		}
		return rec, keychain.NotFoundError(what)
	}
	return rec, err
}

// platformDefault is the platform's default record, or with username that account on the
// platform's default host.
func (s *Selection) platformDefault(p platform.Platform, username, verb string) (Choice, error) {
	entries, err := s.index()
	if err != nil {
		return Choice{}, err
	}
	cands := ofPlatform(entries, p.Name)
	if len(cands) == 0 {
		return Choice{}, fmt.Errorf("%w: no %s token is stored; add one with: tok set %s", keychain.ErrNotFound, p.Name, p.Name)
	}
	host := defaultHost(p, cands)
	if username != "" {
		t := host
		t.Username = username
		rec, _, err := s.Store.Find(t)
		if errors.Is(err, keychain.ErrNotFound) {
			return Choice{}, keychain.NotFoundError(host.String() + " --username " + username)
		}
		return Choice{Record: rec}, err
	}
	rec, err := s.hostDefault(p, host, cands)
	if err != nil {
		return Choice{}, err
	}
	ch := Choice{Record: rec}
	if len(cands) > 1 {
		key := hostKey(rec)
		var other *keychain.IndexEntry
		for _, e := range cands {
			if e.Key != key && (other == nil || earlier(e, other)) {
				other = e
			}
		}
		if other != nil {
			ch.Note = fmt.Sprintf("%s: %d records are stored; this is %s, the default; for another name it (%s %s), or change the default: tok default TARGET",
				p.Name, len(cands), Describe(rec), verb, describeKey(other.Key))
		}
	}
	return ch, nil
}

// hostKey is the key a record is stored at.
func hostKey(rec keychain.Record) keychain.Target {
	t, _ := rec.ParsedTarget()
	return t
}

// describeKey names the record stored at key: keys with a user carry it already; a host's
// default key is named by its URL.
func describeKey(key keychain.Target) string { return key.String() }

// defaultHost is the platform's default host among its records (see Selection).
func defaultHost(p platform.Platform, cands []*keychain.IndexEntry) keychain.Target {
	hostOf := func(e *keychain.IndexEntry) keychain.Target {
		t := e.Key
		t.Username = ""
		return t
	}
	for _, e := range cands {
		if e.Default {
			return hostOf(e)
		}
	}
	if len(p.Hosts) > 0 && !strings.HasPrefix(p.Hosts[0], "*.") {
		for _, e := range cands {
			if e.Key.Host == p.Hosts[0] && e.Key.Path == "" && e.Key.Port == "" {
				return hostOf(e)
			}
		}
	}
	return hostOf(firstStored(cands))
}

// firstStored is the entry stored first; equal times (an import) fall back to the key.
func firstStored(cands []*keychain.IndexEntry) *keychain.IndexEntry {
	best := cands[0]
	for _, e := range cands[1:] {
		if earlier(e, best) {
			best = e
		}
	}
	return best
}

// earlier reports whether a was stored before b; equal times (an import) go by the key.
func earlier(a, b *keychain.IndexEntry) bool {
	return a.Created.Before(b.Created) || a.Created.Equal(b.Created) && a.Key.String() < b.Key.String()
}

// ofPlatform is the entries of one platform, pointing into entries.
func ofPlatform(entries []keychain.IndexEntry, name string) []*keychain.IndexEntry {
	var out []*keychain.IndexEntry
	for i := range entries {
		if entries[i].Platform == name {
			out = append(out, &entries[i])
		}
	}
	return out
}

// hostDefault is the platform's record at host's own key, else its first stored on that host.
func (s *Selection) hostDefault(p platform.Platform, host keychain.Target, cands []*keychain.IndexEntry) (keychain.Record, error) {
	rec, _, err := s.Store.Find(host)
	if err == nil && rec.Platform == p.Name {
		return rec, nil
	}
	if err != nil && !errors.Is(err, keychain.ErrNotFound) {
		return rec, err
	}
	var onHost []*keychain.IndexEntry
	for _, e := range cands {
		if e.Key.Scheme == host.Scheme && e.Key.HostPort() == host.HostPort() && e.Key.Path == host.Path {
			onHost = append(onHost, e)
		}
	}
	if len(onHost) == 0 {
		return keychain.Record{}, keychain.NotFoundError(p.Name)
	}
	rec, _, err = s.Store.Find(firstStored(onHost).Key)
	return rec, err
}

// EnvNames is the variables a record is injected as: its own, else its platform's.
func EnvNames(rec keychain.Record, reg *platform.Registry) []string {
	if len(rec.Env) > 0 {
		return rec.Env
	}
	p, _ := reg.Named(rec.Platform)
	return p.TokenEnv
}

// varNames is EnvNames by platform name, remembered for the platform.
func (s *Selection) varNames(platformName string, own []string) []string {
	if len(own) > 0 {
		return own
	}
	if names, ok := s.tokenEnv[platformName]; ok {
		return names
	}
	var names []string
	if p, ok := s.Registry.Named(platformName); ok {
		names = p.TokenEnv
	}
	if s.tokenEnv == nil {
		s.tokenEnv = map[string][]string{}
	}
	s.tokenEnv[platformName] = names
	return names
}

// ForProgram is what tok exec and tok env inject. With no --only, every variable any record
// carries, each from one record: the only one that carries it, else its platform's default
// record, else the first stored; a line on stderr (Notes) says which when several carry it.
// With --only, the records named, as a whole. Each --env NAME=TARGET then sets NAME from the
// record TARGET names, whatever else would have.
func (s *Selection) ForProgram(only []string, envs []EnvMapping) ([]Pick, []string, error) {
	var picks []Pick
	var notes []string
	owner := map[string]int{} // variable -> index in picks
	claim := func(i int, names []string, domain bool) {
		for _, n := range names {
			if j, taken := owner[n]; taken {
				notes = append(notes, fmt.Sprintf("%s is the token for %s; %s, named too, carries it as well (for that one: --env %s=%s)",
					n, Describe(picks[j].Record), Describe(picks[i].Record), n, Describe(picks[i].Record)))
				continue
			}
			owner[n] = i
			picks[i].Vars = append(picks[i].Vars, n)
		}
		picks[i].Domain = domain
	}
	if len(only) > 0 {
		seen := map[keychain.Target]bool{}
		for _, arg := range only {
			ch, err := s.Named(arg, "", "tok exec --only")
			if err != nil {
				return nil, nil, err
			}
			if ch.Note != "" {
				notes = append(notes, ch.Note)
			}
			if seen[hostKey(ch.Record)] {
				continue
			}
			seen[hostKey(ch.Record)] = true
			picks = append(picks, Pick{Record: ch.Record, Whole: true})
			claim(len(picks)-1, s.varNames(ch.Record.Platform, ch.Record.Env), len(ch.Record.Env) == 0)
		}
	} else {
		var err error
		if picks, notes, err = s.byVariable(); err != nil {
			return nil, nil, err
		}
		for i, p := range picks {
			for _, n := range p.Vars {
				owner[n] = i
			}
		}
	}
	for _, m := range envs {
		ch, err := s.Named(m.Target, "", "tok exec --env "+m.Name+"=")
		if err != nil {
			return nil, nil, err
		}
		if j, taken := owner[m.Name]; taken {
			picks[j].Vars = remove(picks[j].Vars, m.Name)
		}
		pick := Pick{Record: ch.Record, Vars: []string{m.Name}}
		// The platform's own token variable brings its domain variable along (CODEOCEAN_TOKEN
		// and CODEOCEAN_DOMAIN always name one deployment).
		if p, ok := s.Registry.Named(ch.Record.Platform); ok && p.DomainEnv != "" && contains(p.TokenEnv, m.Name) {
			for i := range picks {
				if picks[i].Record.Platform == p.Name {
					picks[i].Domain = false
				}
			}
			pick.Domain = true
		}
		picks = append(picks, pick)
		owner[m.Name] = len(picks) - 1
	}
	return picks, notes, nil
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

func remove(names []string, name string) []string {
	out := names[:0:0]
	for _, n := range names {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

// byVariable is the default selection (no --only): each variable from one record.
func (s *Selection) byVariable() ([]Pick, []string, error) {
	entries, err := s.index()
	if err != nil {
		return nil, nil, err
	}
	carriers := map[string][]*keychain.IndexEntry{}
	var names []string
	for i := range entries {
		e := &entries[i]
		for _, n := range s.varNames(e.Platform, e.Env) {
			if carriers[n] == nil {
				names = append(names, n)
			}
			carriers[n] = append(carriers[n], e)
		}
	}
	sort.Strings(names)
	defaults := map[string]keychain.Target{} // platform -> its default record's key
	defaultOf := func(plat string) (keychain.Target, bool) {
		if k, ok := defaults[plat]; ok {
			return k, k.Host != ""
		}
		p, ok := s.Registry.Named(plat)
		if !ok {
			defaults[plat] = keychain.Target{}
			return keychain.Target{}, false
		}
		ch, err := s.platformDefault(p, "", "")
		if err != nil {
			defaults[plat] = keychain.Target{}
			return keychain.Target{}, false
		}
		defaults[plat] = hostKey(ch.Record)
		return defaults[plat], true
	}
	won := map[keychain.Target][]string{}
	var order []keychain.Target
	type pendingNote struct {
		name string
		key  keychain.Target
		rest string
	}
	var pending []pendingNote
	for _, n := range names {
		cands := carriers[n]
		winner := cands[0]
		why := ""
		if len(cands) > 1 {
			var defs []*keychain.IndexEntry
			for _, e := range cands {
				if k, ok := defaultOf(e.Platform); ok && k == e.Key {
					defs = append(defs, e)
				}
			}
			if len(defs) > 0 {
				winner, why = firstStored(defs), "the "+firstStored(defs).Platform+" default"
			} else {
				winner, why = firstStored(cands), "the first stored"
			}
			other := cands[0]
			if other.Key == winner.Key {
				other = cands[1]
			}
			pending = append(pending, pendingNote{n, winner.Key, fmt.Sprintf("(%s; %d records carry it); for another: --env %s=%s, --only TARGET, or tok default TARGET",
				why, len(cands), n, describeKey(other.Key))})
		}
		if won[winner.Key] == nil {
			order = append(order, winner.Key)
		}
		won[winner.Key] = append(won[winner.Key], n)
	}
	var picks []Pick
	described := map[keychain.Target]string{}
	for _, key := range order {
		rec, _, err := s.Store.Find(key)
		if errors.Is(err, keychain.ErrNotFound) {
			continue // removed since the index was written
		}
		if err != nil {
			return nil, nil, err
		}
		// The record is believed over its entry: only names it still carries.
		carried := map[string]bool{}
		for _, n := range s.varNames(rec.Platform, rec.Env) {
			carried[n] = true
		}
		var vars []string
		for _, n := range won[key] {
			if carried[n] {
				vars = append(vars, n)
			}
		}
		if len(vars) > 0 {
			picks = append(picks, Pick{Record: rec, Vars: vars, Domain: len(rec.Env) == 0, Whole: true})
		}
		described[key] = Describe(rec)
	}
	var notes []string
	for _, p := range pending {
		if d, ok := described[p.key]; ok {
			notes = append(notes, fmt.Sprintf("%s is the token for %s %s", p.name, d, p.rest))
		}
	}
	return picks, notes, nil
}

// DefaultKey is the key tok default ARG [--username U] makes the default: the account (from
// the URL or username; none: the host's current default) on the host ARG names (a platform
// name: the platform's default host).
func (s *Selection) DefaultKey(arg, username string) (keychain.Target, error) {
	var host keychain.Target
	if p, ok := s.Registry.Named(arg); ok && !strings.ContainsAny(arg, ".:/@") {
		entries, err := s.index()
		if err != nil {
			return host, err
		}
		cands := ofPlatform(entries, p.Name)
		if len(cands) == 0 {
			return host, fmt.Errorf("%w: no %s token is stored; add one with: tok set %s", keychain.ErrNotFound, p.Name, p.Name)
		}
		host = defaultHost(p, cands)
	} else {
		if name, rest, ok := strings.Cut(arg, ":"); ok && !strings.HasPrefix(rest, "//") {
			if _, known := s.Registry.Named(name); known {
				arg = rest
			}
		}
		bare, user := splitUser(arg)
		if user != "" {
			if username != "" && username != user {
				return host, fmt.Errorf("%s names the account %q and --username %q: give one", arg, user, username)
			}
			username = user
		}
		t, err := keychain.ParseTarget(bare)
		if err != nil {
			return host, err
		}
		host = t
	}
	host.Username = username
	return host, nil
}
