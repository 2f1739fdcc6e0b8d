package helper

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tok-dev/tok/internal/oneline"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// Git runs one git credential helper operation and returns the exit status. Malformed input
// is one line on stderr and status 1; a store that cannot be opened during get is reported on
// stderr with status 0 and no answer, so git falls back to its next helper or its prompt.
func Git(op string, in io.Reader, out, errw io.Writer, open Opener) int {
	fail := func(err error) int {
		fmt.Fprintln(errw, "git-credential-tok: "+oneline.Error(err))
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
		fmt.Fprintln(errw, "git-credential-tok: "+oneline.Error(err))
		if op == "get" {
			return 0
		}
		return 1
	}
	switch op {
	case "get":
		err = gitGet(b, req, target, out, func(err error) { fmt.Fprintln(errw, "git-credential-tok: "+oneline.Error(err)) })
		if err != nil {
			fmt.Fprintln(errw, "git-credential-tok: "+oneline.Error(err))
			return 0
		}
		return 0
	case "store":
		err = gitStore(b, req, target, errw)
	case "erase":
		err = gitErase(b, req, target)
	}
	if errors.Is(err, keychain.ErrGrantReadOnly) {
		return 0 // in a batch job (TOK_GRANT) git's automatic store has nowhere to go; nothing is lost
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

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
	authtype := req.HasCapability("authtype")
	bearer := plat.Auth == platform.AuthBearer || (plat.Name == "" && isJWT(rec.Secret))
	if rec.Source != keychain.SourceGit && bearer && authtype && serverTakesBearer(req.WWWAuth) {
		ans.AuthType, ans.Credential = "Bearer", rec.Secret
	} else {
		ans.HasUsername = true
		ans.Username, ans.Password = gitPair(plat, rec, req.Username)
		ans.OAuthRefreshToken = rec.GitOAuthRefreshToken
	}
	if authtype {
		// Answering with the capability lets git pass ephemeral on to the other helpers.
		ans.Capabilities = []string{"authtype"}
		ans.Ephemeral = tokRenews(rec)
	}
	if ans.AuthType == "" && !ans.Ephemeral {
		ans.Capabilities = nil // nothing in this answer depends on the capability
	}
	return WriteGitCredential(out, ans)
}

// gitPair is the user name and password git gets for rec when it asked for user asked: what
// git stored comes back exactly as git gave it (an empty user name and password included,
// as single sign-on hosts and t0303 store them); a token put in by a person takes its
// platform's shape (platform.BasicPair).
func gitPair(plat platform.Platform, rec keychain.Record, asked string) (user, password string) {
	if rec.Source == keychain.SourceGit && !(plat.Auth == platform.AuthTokenUsername && rec.Username == "") {
		return rec.Username, rec.Secret
	}
	return plat.BasicPair(rec.Secret, rec.Username, asked)
}

// tokRenews reports whether tok renews the token it hands out itself (an access token stored
// with its refresh token, by tok login): git 2.46+ is then told it is ephemeral, so the other
// storage helpers in its chain keep no copy that expires while tok's is renewed.
func tokRenews(rec keychain.Record) bool {
	return rec.Source != keychain.SourceGit && rec.RefreshToken != ""
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

// gitStore keeps what git approved, by git's rules: never a credential git marks ephemeral,
// never a pre-encoded authtype credential (another helper's to keep), nothing when git hands
// back what tok gave it (issue 14.14: no second copy of a token tok holds), never over a token
// a person put in. Otherwise the credential replaces the one stored for that user, whole: its
// oauth_refresh_token and password_expiry_utc go with it, and one not sent again is dropped.
func gitStore(b Backend, req *GitCredential, target keychain.Target, errw io.Writer) error {
	if req.Ephemeral || !req.HasUsername || !req.HasPassword {
		return nil
	}
	host := target
	host.Username = ""
	handed, err := b.Store.Lookup(target)
	switch {
	case err == nil && gaveOut(b, handed, req):
		if handed.Rejected != nil {
			key, err := handed.ParsedTarget()
			if err != nil {
				return err
			}
			return b.Store.Update(key, func(r *keychain.Record) error { r.Rejected = nil; return nil })
		}
		return nil // git hands back what tok gave it
	case errors.Is(err, keychain.ErrVaultLocked):
		return fmt.Errorf("the password was not stored: the vault is locked and %s already has a record tok must read first; run tok unlock (git stores it at its next prompt)", host.URL())
	case err != nil && !errors.Is(err, keychain.ErrNotFound):
		return err
	}
	existing, _, err := b.Store.Find(target)
	if err == nil && existing.Source != keychain.SourceGit {
		fmt.Fprintf(errw, "git-credential-tok: kept the token stored with %s for %s; replace it with: tok set %s\n", existing.Source, host.URL(), host.URL())
		return nil
	}
	if err != nil && !errors.Is(err, keychain.ErrNotFound) {
		return err
	}
	rec := keychain.Record{
		Secret:               req.Password,
		Username:             req.Username,
		Source:               keychain.SourceGit,
		GitOAuthRefreshToken: req.OAuthRefreshToken,
	}
	if n, err := strconv.ParseInt(req.PasswordExpiryUTC, 10, 64); err == nil && n > 0 {
		rec.Expires = time.Unix(n, 0).UTC()
	}
	if p, ok := b.Registry.ForHost(target.Host); ok {
		rec.Platform = p.Name
		if p.Auth == platform.AuthTokenUsername && rec.Secret == "" && rec.Username != "" {
			rec.Secret, rec.Username = rec.Username, "" // the token is the user name (Code Ocean)
		}
	}
	if err == nil && sameGitCredential(existing, rec) {
		return nil // nothing changed: no write
	}
	_, err = b.Store.Save(host, rec)
	return err
}

// gaveOut reports whether git's credential is what tok hands out for rec.
func gaveOut(b Backend, rec keychain.Record, req *GitCredential) bool {
	if rec.Source == keychain.SourceGit {
		return false // git's own record: compared whole by sameGitCredential, so a new refresh token or expiry is kept
	}
	plat, _ := b.Registry.Named(rec.Platform)
	user, password := gitPair(plat, rec, req.Username)
	return user == req.Username && password == req.Password
}

func sameGitCredential(a, b keychain.Record) bool {
	return a.Username == b.Username && a.Secret == b.Secret && a.GitOAuthRefreshToken == b.GitOAuthRefreshToken &&
		a.Expires.Equal(b.Expires) && a.Platform == b.Platform && a.Rejected == nil
}

// gitErase follows git's matching (credential_match): an attribute git sends must match, one
// it leaves out matches anything. Every git-stored record for the request's host that matches
// its user name and, when git sends one, its password is deleted, with its refresh token;
// without a path, git's records under every path of that host go too. A token put in by a
// person (tok set, tok login) is never deleted: git cannot know whether it will work again, so
// the one git was given is only marked rejected.
func gitErase(b Backend, req *GitCredential, target keychain.Target) error {
	entries, err := b.Store.List()
	if err != nil {
		return err
	}
	now := b.Store.Now().UTC()
	for _, e := range entries {
		t := e.Target
		if e.Err != nil || t.Scheme != target.Scheme || t.Host != target.Host || t.Port != target.Port {
			continue
		}
		rec := e.Record
		if t.Path != target.Path && (target.Path != "" || rec.Source != keychain.SourceGit) {
			continue
		}
		plat, _ := b.Registry.Named(rec.Platform)
		user, password := gitPair(plat, rec, req.Username)
		if req.HasUsername && user != req.Username {
			continue
		}
		if req.HasPassword && password != req.Password {
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
