package helper

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// Git runs one git credential helper operation and returns the exit status. Malformed input
// is one line on stderr and status 1; a store that cannot be opened during get is reported on
// stderr with status 0 and no answer, so git falls back to its next helper or its prompt.
func Git(op string, in io.Reader, out, errw io.Writer, open Opener) int {
	fail := func(err error) int {
		fmt.Fprintln(errw, "git-credential-tok: "+oneLine(err))
		return 1
	}
	switch op {
	case "get", "store", "erase":
	case "capability":
		fmt.Fprint(out, "version 0\ncapability authtype\n")
		return 0
	default:
		return 0 // git's rule: ignore operations we do not know
	}
	req, err := ReadGitCredential(in)
	if err != nil {
		return fail(err)
	}
	if !req.HasProtocol || !req.HasHost || req.Host == "" {
		return 0 // CVE-2020-11008: never answer a request without protocol and host
	}
	target, err := gitTarget(req)
	if err != nil {
		return 0 // not a URL tok stores (ssh, cert, a malformed host): nothing to say
	}
	b, err := open()
	if err != nil {
		fmt.Fprintln(errw, "git-credential-tok: "+oneLine(err))
		if op == "get" {
			return 0
		}
		return 1
	}
	switch op {
	case "get":
		err = gitGet(b, req, target, out, func(err error) { fmt.Fprintln(errw, "git-credential-tok: "+oneLine(err)) })
		if err != nil {
			fmt.Fprintln(errw, "git-credential-tok: "+oneLine(err))
			return 0
		}
		return 0
	case "store":
		err = gitStore(b, req, target, errw)
	case "erase":
		err = gitErase(b, req, target)
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func gitTarget(req *GitCredential) (keychain.Target, error) {
	p := strings.ToLower(req.Protocol)
	if p != "https" && p != "http" {
		return keychain.Target{}, errors.New("unsupported protocol")
	}
	t, err := keychain.ParseRequest(p + "://" + req.Host + "/" + req.Path)
	if err != nil {
		return t, err
	}
	t.Username = req.Username
	return t, nil
}

func gitGet(b Backend, req *GitCredential, target keychain.Target, out io.Writer, warn func(error)) error {
	rec, err := b.handOut(target, warn)
	if errors.Is(err, keychain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err // git then asks its next helper or the user
	}
	plat, _ := b.Registry.Named(rec.Platform)
	ans := &GitCredential{}
	if !rec.Expires.IsZero() {
		ans.PasswordExpiryUTC = strconv.FormatInt(rec.Expires.Unix(), 10)
	}
	bearer := plat.Auth == platform.AuthBearer || (plat.Name == "" && isJWT(rec.Secret))
	if bearer && req.HasCapability("authtype") && serverTakesBearer(req.WWWAuth) {
		ans.Capabilities = []string{"authtype"}
		ans.AuthType, ans.Credential = "Bearer", rec.Secret
	} else {
		ans.HasUsername = true
		ans.Username, ans.Password = plat.BasicPair(rec.Secret, rec.Username, req.Username)
	}
	return WriteGitCredential(out, ans)
}

func isJWT(s string) bool {
	_, ok := platform.ReadClaims(s)
	return ok
}

// serverTakesBearer: with no WWW-Authenticate headers we cannot tell, so Bearer; otherwise
// only when the server offers it (a Basic-only server would refuse a Bearer header).
func serverTakesBearer(wwwauth []string) bool {
	if len(wwwauth) == 0 {
		return true
	}
	for _, h := range wwwauth {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "bearer") {
			return true
		}
	}
	return false
}

func gitStore(b Backend, req *GitCredential, target keychain.Target, errw io.Writer) error {
	if req.Ephemeral || !req.HasUsername {
		return nil
	}
	secret := req.Password
	if secret == "" && req.Credential != "" {
		return nil // a pre-encoded credential (authtype) is not a password tok can keep
	}
	host := target
	host.Username = ""
	if secret == "" {
		// Code Ocean's shape: the token came back as the user name. It worked: clear a rejection.
		existing, key, err := b.Store.Find(host)
		if err == nil && existing.Secret == req.Username && existing.Rejected != nil {
			return b.Store.Update(key, func(r *keychain.Record) error { r.Rejected = nil; return nil })
		}
		return nil // nothing to keep
	}
	existing, _, err := b.Store.Find(target)
	if err == nil && existing.Source != keychain.SourceGit {
		if existing.Secret == secret {
			if existing.Rejected != nil {
				key, _ := existing.ParsedTarget()
				return b.Store.Update(key, func(r *keychain.Record) error { r.Rejected = nil; return nil })
			}
			return nil // git hands back what tok gave it
		}
		fmt.Fprintf(errw, "git-credential-tok: kept the token stored with %s for %s; replace it with: tok set %s\n", existing.Source, host.URL(), host.URL())
		return nil
	}
	if err != nil && !errors.Is(err, keychain.ErrNotFound) {
		return err
	}
	rec := keychain.Record{
		Secret:       secret,
		Username:     req.Username,
		Source:       keychain.SourceGit,
		RefreshToken: req.OAuthRefreshToken,
	}
	if n, err := strconv.ParseInt(req.PasswordExpiryUTC, 10, 64); err == nil && n > 0 {
		rec.Expires = time.Unix(n, 0).UTC()
	}
	if p, ok := b.Registry.ForHost(target.Host); ok {
		rec.Platform = p.Name
	}
	_, err = b.Store.Save(host, rec)
	return err
}

// gitErase deletes every git-stored record for the request's host (and path, when git sent
// one) that matches its username and, when git sends one, its password. A token put in by a
// person (tok set, tok login) is never deleted: git cannot know whether it will work again, so
// it is only marked rejected.
func gitErase(b Backend, req *GitCredential, target keychain.Target) error {
	entries, err := b.Store.List()
	if err != nil {
		return err
	}
	now := b.Store.Now().UTC()
	for _, e := range entries {
		t := e.Target
		if e.Err != nil || t.Scheme != target.Scheme || t.Host != target.Host || t.Port != target.Port || t.Path != target.Path {
			continue
		}
		rec := e.Record
		if req.Username != "" && rec.Username != "" && rec.Username != req.Username && rec.Secret != req.Username {
			continue
		}
		if req.Password != "" && rec.Secret != req.Password {
			continue
		}
		if rec.Source == keychain.SourceGit {
			if err := b.Store.Delete(t); err != nil && !errors.Is(err, keychain.ErrNotFound) {
				return err
			}
			continue
		}
		if err := b.Store.Update(t, func(r *keychain.Record) error {
			r.Rejected = &keychain.Rejection{At: now, Host: target.HostPort()}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
