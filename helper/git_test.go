package helper

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// protoStub is the helper.Store the git policy drives, over a real store in memory (so
// resolution is keychain's own), with what a test needs to see or break: the writes made,
// and a locked vault (every read of a stored record fails as the vault's does).
type protoStub struct {
	*keychain.Store
	locked bool
	writes int
}

func newProtoStub(t *testing.T) *protoStub {
	s := keychain.NewStore(keyring.NewArrayKeyring(nil), "memory", "the test", "", time.Second)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	return &protoStub{Store: s}
}

var errLocked = fmt.Errorf("%w: run tok unlock (once per session), or set TOK_FILE_PASSPHRASE", keychain.ErrVaultLocked)

func (s *protoStub) lockedRead(err error) error {
	if s.locked && err == nil {
		return errLocked
	}
	return err
}

func (s *protoStub) Lookup(t keychain.Target) (keychain.Record, error) {
	rec, err := s.Store.Lookup(t)
	return rec, s.lockedRead(err)
}

func (s *protoStub) HandOut(ctx context.Context, t keychain.Target, r keychain.Renewer, warn func(error)) (keychain.Record, error) {
	if _, err := s.Lookup(t); err != nil {
		return keychain.Record{}, err
	}
	return s.Store.HandOut(ctx, t, r, warn)
}

func (s *protoStub) Find(t keychain.Target) (keychain.Record, keychain.Target, error) {
	rec, key, err := s.Store.Find(t)
	return rec, key, s.lockedRead(err)
}

func (s *protoStub) List() ([]keychain.Entry, error) {
	if s.locked {
		return nil, errLocked
	}
	return s.Store.List()
}

func (s *protoStub) Save(t keychain.Target, rec keychain.Record) (keychain.Target, error) {
	s.writes++
	return s.Store.Save(t, rec)
}

func (s *protoStub) Update(t keychain.Target, fn func(*keychain.Record) error) error {
	if s.locked {
		return errLocked
	}
	s.writes++
	return s.Store.Update(t, fn)
}

func (s *protoStub) Delete(t keychain.Target) error {
	s.writes++
	return s.Store.Delete(t)
}

// set stores rec as tok set (or tok login) would.
func (s *protoStub) set(t *testing.T, url string, rec keychain.Record) {
	t.Helper()
	target, err := keychain.ParseRequest(url)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Source == "" {
		rec.Source = keychain.SourceSet
	}
	if _, err := s.Store.Save(target, rec); err != nil {
		t.Fatal(err)
	}
}

func (s *protoStub) records(t *testing.T) []keychain.Entry {
	t.Helper()
	entries, err := s.Store.List()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// git runs one helper operation against the stub, as git would run git-credential-tok.
func (s *protoStub) git(op, in string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = Git(op, strings.NewReader(in), &out, &errb, func() (Backend, error) {
		return Backend{Store: s, Registry: platform.Builtin()}, nil
	})
	return out.String(), errb.String(), code
}

func (s *protoStub) mustGet(t *testing.T, in, want string) {
	t.Helper()
	out, errs, code := s.git("get", in)
	if out != want || code != 0 {
		t.Fatalf("get\n%s\nanswered (exit %d, stderr %q):\n%s\nwant:\n%s", in, code, errs, out, want)
	}
}

func (s *protoStub) mustRun(t *testing.T, op, in string) {
	t.Helper()
	if out, errs, code := s.git(op, in); code != 0 || out != "" || errs != "" {
		t.Fatalf("%s\n%s\nexit %d, stdout %q, stderr %q", op, in, code, out, errs)
	}
}

// TestGitOAuthRefreshToken: git 2.41+ sends oauth_refresh_token on store (from an OAuth
// helper such as git-credential-oauth) and expects it back on get; tok keeps it with that
// credential only, forgets it when git stores the credential without it or erases it, and
// never treats it as a refresh token of its own.
func TestGitOAuthRefreshToken(t *testing.T) {
	s := newProtoStub(t)
	s.mustRun(t, "store", "protocol=https\nhost=git.example.org\nusername=ada\npassword=gho_access\npassword_expiry_utc=1796040000\noauth_refresh_token=ghr_refresh\n")
	s.mustGet(t, "protocol=https\nhost=git.example.org\n",
		"username=ada\npassword=gho_access\noauth_refresh_token=ghr_refresh\npassword_expiry_utc=1796040000\n")
	recs := s.records(t)
	if len(recs) != 1 || recs[0].Record.GitOAuthRefreshToken != "ghr_refresh" || recs[0].Record.RefreshToken != "" {
		t.Fatalf("stored %+v: want git's refresh token kept apart from tok's own", recs)
	}
	if recs[0].Record.NeedsRefresh(recs[0].Record.Expires) {
		t.Fatal("tok would try to renew a git OAuth credential itself")
	}
	// Another user's credential does not get it.
	s.mustRun(t, "store", "protocol=https\nhost=git.example.org\nusername=bob\npassword=bob-pass\n")
	s.mustGet(t, "protocol=https\nhost=git.example.org\nusername=bob\n", "username=bob\npassword=bob-pass\n")
	// Stored only with the credential it came with: a new credential without one drops it.
	s.mustRun(t, "store", "protocol=https\nhost=git.example.org\nusername=ada\npassword=gho_new\n")
	s.mustGet(t, "protocol=https\nhost=git.example.org\nusername=ada\n", "username=ada\npassword=gho_new\n")
	// A new refresh token with the same password is kept (the record is compared whole).
	s.mustRun(t, "store", "protocol=https\nhost=git.example.org\nusername=ada\npassword=gho_new\noauth_refresh_token=ghr_2\n")
	s.mustGet(t, "protocol=https\nhost=git.example.org\nusername=ada\n", "username=ada\npassword=gho_new\noauth_refresh_token=ghr_2\n")
	// An erase matching the credential removes it, refresh token and all.
	s.mustRun(t, "erase", "protocol=https\nhost=git.example.org\nusername=ada\npassword=gho_new\noauth_refresh_token=ghr_2\n")
	s.mustGet(t, "protocol=https\nhost=git.example.org\nusername=ada\n", "")
	for _, e := range s.records(t) {
		if e.Record.GitOAuthRefreshToken != "" {
			t.Fatalf("a refresh token outlived its erase: %v", e.Record)
		}
	}
}

// TestGitEmptyUsernameAndPassword: t0303 "can store empty username" (single sign-on hosts,
// http.emptyAuth) gives back username= and password=.
func TestGitEmptyUsernameAndPassword(t *testing.T) {
	s := newProtoStub(t)
	s.mustRun(t, "store", "protocol=https\nhost=sso.tld\nusername=\npassword=\n")
	s.mustGet(t, "protocol=https\nhost=sso.tld\n", "username=\npassword=\n")
	// A credential git stored comes back as git gave it, not in a platform's shape.
	s.mustRun(t, "store", "protocol=https\nhost=other.tld\nusername=\npassword=p\n")
	s.mustGet(t, "protocol=https\nhost=other.tld\n", "username=\npassword=p\n")
	// Code Ocean's shape (the token as the user name, an empty password) is kept as its token.
	s.mustRun(t, "store", "protocol=https\nhost=git.codeocean.com\nusername=cop_typed\npassword=\n")
	s.mustGet(t, "protocol=https\nhost=git.codeocean.com\n", "username=cop_typed\npassword=\n")
	if rec, err := s.Store.Lookup(keychain.Target{Scheme: "https", Host: "git.codeocean.com"}); err != nil || rec.Secret != "cop_typed" {
		t.Fatalf("Code Ocean token kept as %v %v", rec, err)
	}
	s.mustRun(t, "erase", "protocol=https\nhost=sso.tld\nusername=\n")
	s.mustGet(t, "protocol=https\nhost=sso.tld\n", "")
	s.mustRun(t, "erase", "protocol=https\nhost=git.codeocean.com\nusername=cop_typed\npassword=\n")
	s.mustGet(t, "protocol=https\nhost=git.codeocean.com\n", "")
}

// TestGitApprovingWhatTokHandedOutStoresNothing (issue 14.14): git approves the token tok gave
// it; before the fix a second copy appeared at https://token@host and outlived tok delete.
func TestGitApprovingWhatTokHandedOutStoresNothing(t *testing.T) {
	cases := []struct{ name, url, get string }{
		{"token without a user name", "https://git.example.org", "protocol=https\nhost=git.example.org\n"},
		{"Code Ocean's token as the user name", "https://git.codeocean.com", "protocol=https\nhost=git.codeocean.com\n"},
		{"a path-scoped token", "https://git.example.org/team", "protocol=https\nhost=git.example.org\npath=team/repo.git\n"},
		{"a wildcard token", "https://*.example.org", "protocol=https\nhost=git.example.org\n"},
		{"Bearer through authtype", "https://global.daf-apis.com", "capability[]=authtype\nprotocol=https\nhost=global.daf-apis.com\nwwwauth[]=Bearer realm=\"x\"\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newProtoStub(t)
			rec := keychain.Record{Secret: "the-token"}
			if strings.Contains(c.url, "codeocean") {
				rec = keychain.Record{Secret: "cop_token", Platform: "codeocean"}
			}
			if strings.Contains(c.url, "daf-apis") {
				rec = keychain.Record{Secret: "0123456789abcdef0123456789abcdef", Platform: "cave"}
			}
			if strings.Contains(c.url, "*") {
				target, err := keychain.ParseTarget(c.url)
				if err != nil {
					t.Fatal(err)
				}
				rec.Source = keychain.SourceSet
				s.Store.Save(target, rec)
			} else {
				s.set(t, c.url, rec)
			}
			out, _, _ := s.git("get", c.get)
			// git approves what it used: the request with the answer merged in.
			approve := strings.Replace(c.get, "wwwauth[]=Bearer realm=\"x\"\n", "", 1) + out
			s.writes = 0
			s.mustRun(t, "store", approve)
			if s.writes != 0 || len(s.records(t)) != 1 {
				t.Fatalf("approving\n%s\nwrote %d times; records: %v", approve, s.writes, s.records(t))
			}
		})
	}
	// A refused token that git approves again after all is no longer marked rejected.
	s := newProtoStub(t)
	s.set(t, "https://git.example.org", keychain.Record{Secret: "the-token"})
	s.mustRun(t, "erase", "protocol=https\nhost=git.example.org\nusername=token\npassword=the-token\n")
	if r := s.records(t); len(r) != 1 || r[0].Record.Rejected == nil {
		t.Fatalf("erase of a token tok set: %v", r)
	}
	s.mustRun(t, "store", "protocol=https\nhost=git.example.org\nusername=token\npassword=the-token\n")
	if r := s.records(t); len(r) != 1 || r[0].Record.Rejected != nil {
		t.Fatalf("approve after erase: %v", r)
	}
	// A different password for an account whose token a person set is not stored over it.
	s.set(t, "https://git.example.org", keychain.Record{Secret: "alices-token", Username: "alice"})
	out, errs, _ := s.git("store", "protocol=https\nhost=git.example.org\nusername=alice\npassword=typed\n")
	if out != "" || !strings.Contains(errs, "kept the token stored with tok set") || len(s.records(t)) != 2 {
		t.Fatalf("typed password over tok set's token: %q %v", errs, s.records(t))
	}
}

// TestGitEphemeral (git 2.46, capability[]=authtype): a credential git marks ephemeral is never
// stored, and a token tok renews itself is marked ephemeral when git can pass that on.
func TestGitEphemeral(t *testing.T) {
	s := newProtoStub(t)
	s.mustRun(t, "store", "capability[]=authtype\nauthtype=Bearer\ncredential=git2-token\nephemeral=1\nprotocol=https\nhost=git2.example.com\n")
	s.mustRun(t, "store", "capability[]=authtype\nephemeral=1\nprotocol=https\nhost=git2.example.com\nusername=barbaz\npassword=secret\n")
	if s.writes != 0 || len(s.records(t)) != 0 {
		t.Fatalf("stored an ephemeral credential: %v", s.records(t))
	}
	exp := time.Date(2026, 11, 29, 13, 0, 0, 0, time.UTC)
	s.set(t, "https://api.skills.example.org", keychain.Record{Secret: "access", RefreshToken: "refresh", Expires: exp, Platform: "jwt", Username: "ada", Source: keychain.SourceLogin})
	s.set(t, "https://git.example.org", keychain.Record{Secret: "long-lived", Expires: exp})
	expiry := fmt.Sprint(exp.Unix())
	s.mustGet(t, "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=api.skills.example.org\n",
		"capability[]=authtype\nauthtype=Bearer\ncredential=access\nephemeral=1\npassword_expiry_utc="+expiry+"\n")
	// Basic, when the server offers only Basic: still ephemeral.
	s.mustGet(t, "capability[]=authtype\nprotocol=https\nhost=api.skills.example.org\nwwwauth[]=Basic realm=\"x\"\n",
		"capability[]=authtype\nephemeral=1\nusername=ada\npassword=access\npassword_expiry_utc="+expiry+"\n")
	// Without the capability git could not pass it on: no ephemeral, no capability.
	s.mustGet(t, "protocol=https\nhost=api.skills.example.org\n",
		"username=ada\npassword=access\npassword_expiry_utc="+expiry+"\n")
	// A token tok does not renew is not marked: another helper's copy is as good as tok's.
	s.mustGet(t, "capability[]=authtype\nprotocol=https\nhost=git.example.org\n",
		"username=token\npassword=long-lived\npassword_expiry_utc="+expiry+"\n")
	// What git approves back (ephemeral=1, as git 2.46 writes it) stores nothing.
	s.writes = 0
	s.mustRun(t, "store", "capability[]=authtype\nephemeral=1\nprotocol=https\nhost=api.skills.example.org\nusername=ada\npassword=access\npassword_expiry_utc="+expiry+"\n")
	s.mustRun(t, "store", "capability[]=authtype\nauthtype=Bearer\ncredential=access\nephemeral=1\nprotocol=https\nhost=api.skills.example.org\npassword_expiry_utc="+expiry+"\n")
	if s.writes != 0 {
		t.Fatal("approve of an ephemeral token wrote")
	}
}

// TestGitGetUnlocksOnce (issue 13.4): a get that finds the vault locked asks a person once
// (Backend.Unlock, a terminal prompt in the real helpers) and reads again; with nobody to ask,
// or a wrong passphrase, one line and no answer, so git falls back to its prompt.
func TestGitGetUnlocksOnce(t *testing.T) {
	s := newProtoStub(t)
	s.set(t, "https://git.example.org", keychain.Record{Secret: "tok"})
	get := func(unlock func() (bool, error)) (string, string) {
		s.locked = true
		var out, errb bytes.Buffer
		Git("get", strings.NewReader("protocol=https\nhost=git.example.org\n"), &out, &errb, func() (Backend, error) {
			return Backend{Store: s, Registry: platform.Builtin(), Unlock: unlock}, nil
		})
		return out.String(), errb.String()
	}
	asked := 0
	out, errs := get(func() (bool, error) { asked++; s.locked = false; return true, nil })
	if out != "username=token\npassword=tok\n" || errs != "" || asked != 1 {
		t.Fatalf("after unlocking: %q %q, asked %d times", out, errs, asked)
	}
	out, errs = get(func() (bool, error) { asked++; return false, nil })
	if out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "tok unlock") {
		t.Fatalf("nobody to ask: %q %q", out, errs)
	}
	out, errs = get(func() (bool, error) { asked++; return true, keychain.ErrWrongPassphrase })
	if out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "wrong passphrase") || asked != 3 {
		t.Fatalf("a wrong passphrase: %q %q, asked %d times", out, errs, asked)
	}
}

// TestGitStoreLockedVault (issue 13.4): with the vault locked, a password typed at git's
// prompt is stored when the host has no record (a write needs no passphrase); over an existing
// record, which tok cannot read, nothing is written and one line says what to do.
func TestGitStoreLockedVault(t *testing.T) {
	s := newProtoStub(t)
	s.set(t, "https://git.example.org", keychain.Record{Secret: "set-by-a-person"})
	s.locked = true
	s.mustRun(t, "store", "protocol=https\nhost=new.example.org\nusername=alice\npassword=typed\n")
	out, errs, code := s.git("store", "protocol=https\nhost=git.example.org\nusername=alice\npassword=typed\n")
	if out != "" || code == 0 || strings.Count(errs, "\n") != 1 || strings.Count(errs, "locked") != 1 || !strings.Contains(errs, "run tok unlock") || !strings.Contains(errs, "was not stored") {
		t.Fatalf("store over a record in a locked vault: exit %d, stderr %q", code, errs)
	}
	s.locked = false
	if rec, err := s.Store.Lookup(keychain.Target{Scheme: "https", Host: "git.example.org"}); err != nil || rec.Secret != "set-by-a-person" {
		t.Fatalf("the person's token: %v %v", rec, err)
	}
	s.mustGet(t, "protocol=https\nhost=new.example.org\n", "username=alice\npassword=typed\n")
}

// TestGitAttributes speaks the protocol as git 2.39 to 2.55 does, one subtest per row of
// README's table of attributes (oauth_refresh_token and ephemeral have their own tests above).
// The sequences are git's: the order of credential.c's credential_write, and the cases of
// t/lib-credential.sh.
func TestGitAttributes(t *testing.T) {
	t.Run("protocol and host", func(t *testing.T) {
		s := newProtoStub(t)
		s.set(t, "https://example.com", keychain.Record{Secret: "tok"})
		s.mustGet(t, "protocol=https\nhost=example.com\n", "username=token\npassword=tok\n")
		s.mustGet(t, "protocol=http\nhost=example.com\n", "") // https answers https only
		s.mustGet(t, "protocol=https\nhost=other.tld\n", "")  // requires matching host
		s.mustGet(t, "host=example.com\n", "")                // CVE-2020-11008: no protocol, no answer
		s.mustGet(t, "protocol=https\n", "")                  // nor without a host
		s.mustGet(t, "protocol=https\nhost=\n", "")           // nor with an empty one
		s.mustGet(t, "url=https://example.com/a.git\n", "username=token\npassword=tok\n")
		s.mustGet(t, "protocol=https\r\nhost=example.com\r\n", "username=token\npassword=tok\n")
	})
	t.Run("path", func(t *testing.T) {
		s := newProtoStub(t)
		s.mustRun(t, "store", "protocol=http\nhost=path.tld\npath=foo.git\nusername=user\npassword=pass\n")
		s.mustGet(t, "protocol=http\nhost=path.tld\npath=bar.git\n", "")
		s.mustGet(t, "protocol=http\nhost=path.tld\npath=foo.git\n", "username=user\npassword=pass\n")
		s.mustRun(t, "erase", "protocol=http\nhost=path.tld\npath=bar.git\nusername=user\n")
		s.mustGet(t, "protocol=http\nhost=path.tld\npath=foo.git\n", "username=user\npassword=pass\n")
		// Without a path (git leaves it out unless credential.useHttpPath), git's matching
		// takes every path of the host: t0303's clean-up erases this record so.
		s.mustRun(t, "erase", "protocol=http\nhost=path.tld\nusername=user\n")
		s.mustGet(t, "protocol=http\nhost=path.tld\npath=foo.git\n", "")
		// A token a person scoped to a path is not marked rejected by an erase for the host.
		s.set(t, "https://example.com/team", keychain.Record{Secret: "team-token"})
		s.mustRun(t, "erase", "protocol=https\nhost=example.com\n")
		if r := s.records(t); len(r) != 1 || r[0].Record.Rejected != nil {
			t.Fatalf("erase for the host touched a path-scoped token: %v", r)
		}
	})
	t.Run("username and password", func(t *testing.T) {
		s := newProtoStub(t)
		s.mustRun(t, "store", "protocol=https\nhost=example.com\nusername=user1\npassword=pass1\n")
		s.mustRun(t, "store", "protocol=https\nhost=example.com\nusername=user2\npassword=pass2\n")
		s.mustGet(t, "protocol=https\nhost=example.com\nusername=user2\n", "username=user2\npassword=pass2\n")
		s.mustGet(t, "protocol=https\nhost=example.com\nusername=other\n", "")
		// t0303 "does not erase a password distinct from input".
		s.mustRun(t, "erase", "protocol=https\nhost=example.com\nusername=user1\npassword=not-pass1\n")
		s.mustGet(t, "protocol=https\nhost=example.com\nusername=user1\n", "username=user1\npassword=pass1\n")
		s.mustRun(t, "erase", "protocol=https\nhost=example.com\nusername=user1\npassword=pass1\n")
		s.mustGet(t, "protocol=https\nhost=example.com\nusername=user1\n", "")
		s.mustGet(t, "protocol=https\nhost=example.com\nusername=user2\n", "username=user2\npassword=pass2\n")
		// git approves only with both: no password, nothing stored.
		s.mustRun(t, "store", "protocol=https\nhost=nopass.tld\nusername=u\n")
		s.mustGet(t, "protocol=https\nhost=nopass.tld\n", "")
	})
	t.Run("password_expiry_utc (2.40)", func(t *testing.T) {
		s := newProtoStub(t)
		s.mustRun(t, "store", "protocol=https\nhost=example.com\nusername=user-expiry\npassword=pass\npassword_expiry_utc=9999999999\n")
		s.mustGet(t, "protocol=https\nhost=example.com\nusername=user-expiry\n", "username=user-expiry\npassword=pass\npassword_expiry_utc=9999999999\n")
		s.mustRun(t, "store", "protocol=https\nhost=example.com\nusername=user-expiry\npassword=pass2\npassword_expiry_utc=9999999998\n")
		s.mustGet(t, "protocol=https\nhost=example.com\nusername=user-expiry\n", "username=user-expiry\npassword=pass2\npassword_expiry_utc=9999999998\n")
		// 0 means no expiry (git's reader).
		s.mustRun(t, "store", "protocol=https\nhost=zero.tld\nusername=u\npassword=p\npassword_expiry_utc=0\n")
		s.mustGet(t, "protocol=https\nhost=zero.tld\n", "username=u\npassword=p\n")
	})
	t.Run("wwwauth[] (2.41)", func(t *testing.T) {
		s := newProtoStub(t)
		s.mustRun(t, "store", "protocol=https\nhost=victim.example.com\nusername=user\npassword=to-be-stolen\n")
		long := strings.Repeat("a", 1001)
		s.mustGet(t, "protocol=https\nhost=badguy.example.com\nwwwauth[]=basic realm="+long+"host=victim.example.com\n", "")
		// It chooses between Bearer and Basic for a Bearer platform's token, nothing else.
		s.set(t, "https://global.daf-apis.com", keychain.Record{Secret: "0123456789abcdef0123456789abcdef", Platform: "cave"})
		s.mustGet(t, "capability[]=authtype\nprotocol=https\nhost=global.daf-apis.com\nwwwauth[]=Basic realm=\"x\"\n", "username=token\npassword=0123456789abcdef0123456789abcdef\n")
		s.mustGet(t, "capability[]=authtype\nprotocol=https\nhost=global.daf-apis.com\nwwwauth[]=Basic realm=\"x\"\nwwwauth[]=Bearer realm=\"x\"\n", "capability[]=authtype\nauthtype=Bearer\ncredential=0123456789abcdef0123456789abcdef\n")
	})
	t.Run("capability[]=authtype, authtype and credential (2.46)", func(t *testing.T) {
		s := newProtoStub(t)
		if out, _, code := s.git("capability", ""); out != "version 0\ncapability authtype\n" || code != 0 {
			t.Fatalf("capability: %q", out)
		}
		s.set(t, "https://global.daf-apis.com", keychain.Record{Secret: "0123456789abcdef0123456789abcdef", Platform: "cave"})
		s.mustGet(t, "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=global.daf-apis.com\n", "capability[]=authtype\nauthtype=Bearer\ncredential=0123456789abcdef0123456789abcdef\n")
		// Only with the capability (lib-credential "only if request has authtype capability").
		s.mustGet(t, "protocol=https\nhost=global.daf-apis.com\n", "username=token\npassword=0123456789abcdef0123456789abcdef\n")
		// Another helper's pre-encoded credential is that helper's to keep.
		s.mustRun(t, "store", "capability[]=authtype\nauthtype=Bearer\ncredential=random-token\nprotocol=https\nhost=git.example.com\n")
		s.mustRun(t, "store", "capability[]=authtype\nauthtype=Bearer\ncredential=other-token\nprotocol=https\nhost=git.example.com\nusername=foobar\n")
		s.mustGet(t, "capability[]=authtype\nprotocol=https\nhost=git.example.com\n", "")
		if s.writes != 0 {
			t.Fatalf("stored a pre-encoded credential: %v", s.records(t))
		}
		// A token that is not a Bearer platform's gets no authtype, so no capability back.
		s.set(t, "https://example.com", keychain.Record{Secret: "tok"})
		s.mustGet(t, "capability[]=authtype\nprotocol=https\nhost=example.com\n", "username=token\npassword=tok\n")
	})
	t.Run("capability[]=state, state[] and continue (2.46)", func(t *testing.T) {
		s := newProtoStub(t)
		s.set(t, "https://example.com", keychain.Record{Secret: "tok"})
		// tok keeps no state between rounds and has no multistage scheme: it announces no
		// state capability and sends neither state[] nor continue, whatever git sends.
		s.mustGet(t, "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=example.com\ncontinue=1\nstate[]=other-helper:x\n", "username=token\npassword=tok\n")
		s.mustRun(t, "store", "capability[]=state\nprotocol=https\nhost=state.tld\nusername=u\npassword=p\nstate[]=other-helper:x\ncontinue=1\n")
		s.mustGet(t, "protocol=https\nhost=state.tld\n", "username=u\npassword=p\n")
	})
	t.Run("quit and unknown attributes or operations", func(t *testing.T) {
		s := newProtoStub(t)
		s.set(t, "https://example.com", keychain.Record{Secret: "tok"})
		s.mustGet(t, "protocol=https\nhost=example.com\nquit=1\nfuture-attribute=x\nfuture[]=y\n", "username=token\npassword=tok\n")
		s.mustRun(t, "future-operation", "protocol=https\nhost=example.com\n")
	})
}
