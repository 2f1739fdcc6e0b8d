package cli

import (
	"errors"
	"net/url"
	"strings"

	"github.com/tok-dev/tok/internal/setup"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// targetArg turns a command's TARGET into a target and, when the argument names a platform
// ("tok set curvenote"), that platform. secret, when known, picks Curvenote's staging host.
func targetArg(arg string, reg *platform.Registry, secret string) (keychain.Target, platform.Platform, error) {
	if err := refuseTokenArg(arg, reg); err != nil {
		return keychain.Target{}, platform.Platform{}, err
	}
	if p, ok := reg.Named(arg); ok && !strings.ContainsAny(arg, ".:/") {
		host := ""
		if p.Name == "curvenote" && secret != "" {
			if aud, err := url.Parse(p.CurvenoteAudience(secret)); err == nil && aud.Host != "" {
				host = aud.Scheme + "://" + aud.Host
			}
		}
		if host == "" && len(p.Hosts) > 0 && !strings.HasPrefix(p.Hosts[0], "*.") {
			host = p.Hosts[0]
		}
		if host == "" {
			return keychain.Target{}, p, usageError("%s has no default host: give its URL, as in tok set https://HOST --platform %s", p.Name, p.Name)
		}
		t, err := keychain.ParseTarget(host)
		return t, p, err
	}
	if err := checkTypo(arg, reg); err != nil {
		return keychain.Target{}, platform.Platform{}, err
	}
	t, err := keychain.ParseTarget(arg)
	if err != nil {
		return t, platform.Platform{}, usageError("%v (a target is a URL, a host, host:port, *.host or a platform name: %s)", err, strings.Join(reg.Names(), ", "))
	}
	return t, platform.Platform{}, nil
}

// findRecord finds the record a command's TARGET names. A platform name means that platform's
// record: the only one, or the one at the platform's default host. A wildcard names its own
// record; anything else is resolved like a request.
func findRecord(env *setup.Env, store *keychain.Store, arg, username string) (keychain.Record, error) {
	if p, ok := env.Registry.Named(arg); ok && !strings.ContainsAny(arg, ".:/") {
		entries, err := store.List()
		if err != nil {
			return keychain.Record{}, err
		}
		var found []keychain.Record
		for _, e := range entries {
			if e.Err == nil && e.Record.Platform == p.Name && (username == "" || e.Record.Username == username) {
				if e.Target.Username == "" && username == "" {
					found = append([]keychain.Record{e.Record}, found...) // a host's default account first
				} else {
					found = append(found, e.Record)
				}
			}
		}
		switch {
		case len(found) == 1:
			return found[0], nil
		case len(found) == 0:
			return keychain.Record{}, keychain.NotFoundError(arg)
		}
		for _, rec := range found {
			if t, err := rec.ParsedTarget(); err == nil && len(p.Hosts) > 0 && t.Host == p.Hosts[0] && t.Username == "" {
				return rec, nil
			}
		}
		return keychain.Record{}, usageError("%d %s tokens are stored; name one by its URL (tok list shows them)", len(found), p.Name)
	}
	t, _, err := targetArg(arg, env.Registry, "")
	if err != nil {
		return keychain.Record{}, err
	}
	t.Username = username
	var rec keychain.Record
	if t.IsWildcard() {
		rec, _, err = store.Find(t)
	} else {
		rec, err = store.Lookup(t)
	}
	if errors.Is(err, keychain.ErrNotFound) {
		return rec, keychain.NotFoundError(arg)
	}
	return rec, err
}
