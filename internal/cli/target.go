package cli

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/tok-dev/tok/internal/inject"
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

// findRecord is the record a command's TARGET names, by the one selection rule
// (inject.Selection.Named): a platform name means its default record, PLATFORM:HOST or a URL
// (with the account as user@ or username) names another. When the platform has several records
// and none was named, a line on stderr says which one this is and how to name another.
func findRecord(stdio IO, env *setup.Env, store *keychain.Store, arg, username, verb string) (keychain.Record, error) {
	sel := selection(env, store)
	ch, err := sel.Named(arg, username, verb)
	if err != nil {
		if _, ok := env.Registry.Named(arg); !ok && errors.Is(err, keychain.ErrBadTarget) {
			return ch.Record, usageError("%v", err)
		}
		return ch.Record, err
	}
	if ch.Note != "" && username == "" {
		fmt.Fprintln(stdio.Stderr, "tok: "+ch.Note)
	}
	return ch.Record, nil
}

// selection is the one selection rule (inject.Selection) over store, vetting each argument as
// targetArg does: a pasted token is refused unechoed, a typo with the platform it is close to.
func selection(env *setup.Env, store *keychain.Store) *inject.Selection {
	reg := env.Registry
	return &inject.Selection{Store: store, Registry: reg, CheckArg: func(arg string) error {
		if err := refuseTokenArg(arg, reg); err != nil {
			return err
		}
		if name, host, ok := strings.Cut(arg, ":"); ok && !strings.HasPrefix(host, "//") {
			if _, known := reg.Named(name); known && !strings.ContainsAny(name, "./") {
				arg = host // PLATFORM:HOST
			}
		}
		return checkTypo(arg, reg)
	}}
}
