package helper

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/keychain"
)

// jwtToken is an unsigned JWT (tok reads claims only); its exp is far in the future.
const jwtToken = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDAsInN1YiI6ImFkYSJ9.sig"

func TestGitGetAnswersBasic(t *testing.T) {
	s := newStub(t)
	s.seed("https://git.example.org", keychain.Record{Secret: "s3cret", Source: keychain.SourceSet})
	out, errw, code := runGit("get", "protocol=https\nhost=git.example.org\n\n", s.backend(nil))
	if code != 0 || errw != "" {
		t.Fatalf("status %d, stderr %q", code, errw)
	}
	if out != "username=token\npassword=s3cret\n" {
		t.Fatalf("answer %q", out)
	}
}

func TestGitGetNothingStored(t *testing.T) {
	s := newStub(t)
	s.seed("https://other.example.org", keychain.Record{Secret: "x", Source: keychain.SourceSet})
	out, errw, code := runGit("get", "protocol=https\nhost=git.example.org\n", s.backend(nil))
	if code != 0 || out != "" || errw != "" {
		t.Fatalf("status %d, out %q, stderr %q", code, out, errw)
	}
}

// A request without protocol or host is never answered (CVE-2020-11008), even when a record
// for the other half exists.
func TestGitGetNeedsProtocolAndHost(t *testing.T) {
	s := newStub(t)
	s.seed("https://git.example.org", keychain.Record{Secret: "s3cret", Source: keychain.SourceSet})
	for name, in := range map[string]string{
		"no protocol": "host=git.example.org\n",
		"no host":     "protocol=https\n",
		"empty host":  "protocol=https\nhost=\n",
		"ssh":         "protocol=ssh\nhost=git.example.org\n",
		"bad host":    "protocol=https\nhost=git exa mple\n",
	} {
		out, _, code := runGit("get", in, s.backend(nil))
		if code != 0 || out != "" {
			t.Errorf("%s: status %d, answer %q", name, code, out)
		}
	}
}

func TestGitGetHonoursUsernameAndExpiry(t *testing.T) {
	s := newStub(t)
	exp := s.now.Add(2 * time.Hour).Truncate(time.Second)
	s.seed("https://git.example.org", keychain.Record{Secret: "ada-tok", Username: "ada", Source: keychain.SourceSet})
	s.seed("https://bob@git.example.org", keychain.Record{Secret: "bob-tok", Username: "bob", Source: keychain.SourceSet, Expires: exp})
	out, _, _ := runGit("get", "protocol=https\nhost=git.example.org\nusername=bob\n", s.backend(nil))
	want := "username=bob\npassword=bob-tok\npassword_expiry_utc=" + strconv.FormatInt(exp.Unix(), 10) + "\n"
	if !strings.HasSuffix(out, want) {
		t.Fatalf("answer %q, want it to end %q", out, want)
	}
	out, _, _ = runGit("get", "protocol=https\nhost=git.example.org\n", s.backend(nil))
	if !strings.HasSuffix(out, "username=ada\npassword=ada-tok\n") {
		t.Fatalf("default account: %q", out)
	}
	out, _, _ = runGit("get", "protocol=https\nhost=git.example.org\nusername=cy\n", s.backend(nil))
	if out != "" {
		t.Fatalf("another user got %q", out)
	}
}

// Code Ocean's token travels as the user name with an empty password.
func TestGitGetCodeOceanShape(t *testing.T) {
	s := newStub(t)
	s.seed("https://git.codeocean.com", keychain.Record{Secret: "cop_abcdefghijk", Platform: "codeocean", Source: keychain.SourceSet})
	out, _, _ := runGit("get", "protocol=https\nhost=git.codeocean.com\n", s.backend(nil))
	if !strings.HasSuffix(out, "username=cop_abcdefghijk\npassword=\n") {
		t.Fatalf("answer %q", out)
	}
}

// Bearer is sent only when git announced authtype and the server offers Bearer (or said
// nothing); a Basic-only server gets the Basic pair.
func TestGitGetBearerOnlyWhenOffered(t *testing.T) {
	for _, tc := range []struct {
		name, platform, secret, in string
		bearer                     bool
	}{
		{"announced, server offers Bearer", "curvenote", "cv-tok", "capability[]=authtype\nwwwauth[]=Basic realm=x\nwwwauth[]=Bearer realm=y\n", true},
		{"announced, lower-case bearer", "curvenote", "cv-tok", "capability[]=authtype\nwwwauth[]=  bearer\n", true},
		{"announced, server silent", "curvenote", "cv-tok", "capability[]=authtype\n", true},
		{"announced, Basic-only server", "curvenote", "cv-tok", "capability[]=authtype\nwwwauth[]=Basic realm=x\n", false},
		{"not announced", "curvenote", "cv-tok", "wwwauth[]=Bearer\n", false},
		{"another capability", "curvenote", "cv-tok", "capability[]=state\nwwwauth[]=Bearer\n", false},
		{"unknown platform, JWT secret", "", jwtToken, "capability[]=authtype\nwwwauth[]=Bearer\n", true},
		{"unknown platform, plain secret", "", "plain", "capability[]=authtype\nwwwauth[]=Bearer\n", false},
		{"Basic platform, JWT secret", "codeocean", jwtToken, "capability[]=authtype\nwwwauth[]=Bearer\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStub(t)
			s.seed("https://api.example.org", keychain.Record{Secret: tc.secret, Platform: tc.platform, Source: keychain.SourceSet})
			out, _, code := runGit("get", tc.in+"protocol=https\nhost=api.example.org\n", s.backend(nil))
			if code != 0 {
				t.Fatalf("status %d", code)
			}
			if got := strings.Contains(out, "authtype=Bearer\ncredential="+tc.secret+"\n"); got != tc.bearer {
				t.Fatalf("Bearer %v, want %v: %q", got, tc.bearer, out)
			}
			if tc.bearer && (strings.Contains(out, "password=") || !strings.HasPrefix(out, "capability[]=authtype\n")) {
				t.Fatalf("a Bearer answer %q must carry the capability and no password", out)
			}
			if !tc.bearer && !strings.Contains(out, "password="+tc.secret+"\n") && !strings.Contains(out, "username="+tc.secret+"\n") {
				t.Fatalf("no Basic pair in %q", out)
			}
		})
	}
}

// A token that expired and whose renewal failed is not handed out; one still valid is, with
// the failure on stderr; a due one is renewed and the new token handed out.
func TestGitGetRenewal(t *testing.T) {
	for _, tc := range []struct {
		name      string
		left      time.Duration
		renew     renewer
		want      string
		warnsOnly bool
	}{
		{"expired, renewal fails", -time.Minute, renewer{err: errors.New("refresh refused (HTTP 401)")}, "", false},
		{"valid, renewal fails", 30 * time.Second, renewer{err: errors.New("refresh refused (HTTP 401)")}, "old-tok", true},
		{"due, renewed", 30 * time.Second, renewer{secret: "new-tok"}, "new-tok", false},
		{"not due", time.Hour, renewer{secret: "new-tok"}, "old-tok", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStub(t)
			s.seed("https://api.example.org", keychain.Record{Secret: "old-tok", RefreshToken: "rt", Expires: s.now.Add(tc.left), Source: keychain.SourceLogin})
			r := tc.renew
			out, errw, code := runGit("get", "protocol=https\nhost=api.example.org\n", s.backend(&r))
			if code != 0 {
				t.Fatalf("status %d", code)
			}
			if tc.want == "" && strings.Contains(out, "password=") {
				t.Fatalf("handed out %q", out)
			}
			if tc.want != "" && !strings.Contains(out, "password="+tc.want+"\n") {
				t.Fatalf("answer %q, want %s", out, tc.want)
			}
			if wantCalls := map[bool]int{true: 0, false: 1}[tc.left == time.Hour]; r.calls != wantCalls {
				t.Fatalf("%d renewals, want %d", r.calls, wantCalls)
			}
			if (tc.renew.err != nil) != strings.Contains(errw, "HTTP 401") {
				t.Fatalf("stderr %q", errw)
			}
			if strings.Count(errw, "\n") > 1 {
				t.Fatalf("more than one line on stderr: %q", errw)
			}
		})
	}
}

func TestGitGetStoreErrors(t *testing.T) {
	s := newStub(t)
	s.fail["handout"] = errors.New("the keychain timed out")
	out, errw, code := runGit("get", "protocol=https\nhost=h.example.org\n", s.backend(nil))
	if code != 0 || out != "" || errw != "git-credential-tok: the keychain timed out\n" {
		t.Fatalf("status %d, out %q, stderr %q", code, out, errw)
	}
	// A store that cannot be opened: get says so and lets git go on; store and erase fail.
	out, errw, code = runGit("get", "protocol=https\nhost=h.example.org\n", failOpen)
	if code != 0 || out != "" || !strings.Contains(errw, "locked") {
		t.Fatalf("get: status %d, out %q, stderr %q", code, out, errw)
	}
	for _, op := range []string{"store", "erase"} {
		_, errw, code = runGit(op, "protocol=https\nhost=h.example.org\nusername=u\npassword=p\n", failOpen)
		if code != 1 || !strings.Contains(errw, "locked") {
			t.Fatalf("%s: status %d, stderr %q", op, code, errw)
		}
	}
}

func TestGitMalformedInput(t *testing.T) {
	opened := false
	open := func() (Backend, error) { opened = true; return Backend{}, errors.New("not reached") }
	for _, op := range []string{"get", "store", "erase"} {
		out, errw, code := runGit(op, "protocol=https\nhost=a\x00b\n", open)
		if code != 1 || out != "" || !strings.HasPrefix(errw, "git-credential-tok: malformed credential input") || strings.Count(errw, "\n") != 1 {
			t.Fatalf("%s: status %d, out %q, stderr %q", op, code, out, errw)
		}
	}
	if opened {
		t.Fatal("the store was opened for malformed input")
	}
}

func TestGitOperations(t *testing.T) {
	s := newStub(t)
	out, _, code := runGit("capability", "", s.backend(nil))
	if code != 0 || out != "version 0\ncapability authtype\n" {
		t.Fatalf("capability: %d %q", code, out)
	}
	s.seed("https://h.example.org", keychain.Record{Secret: "x", Source: keychain.SourceSet})
	out, _, code = runGit("frobnicate", "protocol=https\nhost=h.example.org\n", s.backend(nil))
	if code != 0 || out != "" || len(s.calls) != 0 {
		t.Fatalf("unknown operation: %d %q %v", code, out, s.calls)
	}
}

func TestGitStoreKeepsNewCredential(t *testing.T) {
	s := newStub(t)
	in := "protocol=https\nhost=git.codeocean.com\npath=org/repo.git\nusername=al\npassword=pw1\npassword_expiry_utc=4102444800\noauth_refresh_token=rt1\n"
	if _, errw, code := runGit("store", in, s.backend(nil)); code != 0 || errw != "" {
		t.Fatalf("status %d, stderr %q", code, errw)
	}
	rec, ok := s.get("https://git.codeocean.com/org/repo.git")
	if !ok {
		t.Fatalf("nothing stored; calls %v", s.calls)
	}
	if rec.Secret != "pw1" || rec.Username != "al" || rec.Source != keychain.SourceGit || rec.GitOAuthRefreshToken != "rt1" || rec.RefreshToken != "" ||
		rec.Platform != "codeocean" || rec.Expires.Unix() != 4102444800 {
		t.Fatalf("stored %+v", rec)
	}
	// git's own store of a later password replaces a git-stored one.
	runGit("store", strings.Replace(in, "pw1", "pw2", 1), s.backend(nil))
	if rec, _ := s.get("https://git.codeocean.com/org/repo.git"); rec.Secret != "pw2" {
		t.Fatalf("git-stored record not replaced: %+v", rec)
	}
}

// ephemeral, authtype credentials or no username: nothing is stored. (An empty password is
// stored: git's t0303 keeps empty credentials; TestGitEmptyUsernameAndPassword.)
func TestGitStoreKeepsNothing(t *testing.T) {
	for name, in := range map[string]string{
		"ephemeral":      "ephemeral=1\nusername=u\npassword=p\n",
		"ephemeral true": "ephemeral=true\nusername=u\npassword=p\n",
		"authtype":       "capability[]=authtype\nauthtype=Bearer\ncredential=abc\nusername=u\n",
		"no username":    "password=p\n",
	} {
		s := newStub(t)
		_, errw, code := runGit("store", "protocol=https\nhost=h.example.org\n"+in, s.backend(nil))
		if code != 0 || errw != "" || len(s.calls) != 0 {
			t.Errorf("%s: status %d, stderr %q, writes %v", name, code, errw, s.calls)
		}
	}
}

// git never overwrites a token a person set: it says so once on stderr and writes nothing.
func TestGitStoreNeverOverwritesPersonsToken(t *testing.T) {
	for _, src := range []string{keychain.SourceSet, keychain.SourceLogin, keychain.SourceImportPrefix + "/home/u/.netrc", keychain.SourceDocker} {
		s := newStub(t)
		s.seed("https://h.example.org", keychain.Record{Secret: "mine", Username: "u", Source: src})
		_, errw, code := runGit("store", "protocol=https\nhost=h.example.org\nusername=u\npassword=other\n", s.backend(nil))
		if code != 0 || len(s.calls) != 0 {
			t.Fatalf("%s: status %d, writes %v", src, code, s.calls)
		}
		if want := "git-credential-tok: kept the token stored with " + src + " for https://h.example.org; replace it with: tok set https://h.example.org\n"; errw != want {
			t.Fatalf("%s: stderr %q, want %q", src, errw, want)
		}
		if rec, _ := s.get("https://h.example.org"); rec.Secret != "mine" {
			t.Fatalf("%s: overwritten: %+v", src, rec)
		}
	}
}

// git storing back what tok gave it writes nothing, but clears a rejection (the token worked).
func TestGitStoreOfHandedOutToken(t *testing.T) {
	s := newStub(t)
	s.seed("https://h.example.org", keychain.Record{Secret: "mine", Username: "u", Source: keychain.SourceSet})
	_, errw, _ := runGit("store", "protocol=https\nhost=h.example.org\nusername=u\npassword=mine\n", s.backend(nil))
	if errw != "" || len(s.calls) != 0 {
		t.Fatalf("stderr %q, writes %v", errw, s.calls)
	}
	s.seed("https://bob@h.example.org", keychain.Record{Secret: "bob-tok", Username: "bob", Source: keychain.SourceSet,
		Rejected: &keychain.Rejection{At: s.now, Host: "h.example.org"}})
	runGit("store", "protocol=https\nhost=h.example.org\nusername=bob\npassword=bob-tok\n", s.backend(nil))
	if rec, _ := s.get("https://bob@h.example.org"); rec.Rejected != nil || rec.Secret != "bob-tok" {
		t.Fatalf("rejection not cleared: %+v", rec)
	}
	if !s.wrote("update", "https://bob@h.example.org") || len(s.calls) != 1 {
		t.Fatalf("writes %v", s.calls)
	}
	// Code Ocean's shape: the token came back as the user name with an empty password.
	s.seed("https://git.codeocean.com", keychain.Record{Secret: "cop_abcdefghijk", Platform: "codeocean", Source: keychain.SourceSet,
		Rejected: &keychain.Rejection{At: s.now, Host: "git.codeocean.com"}})
	_, errw, _ = runGit("store", "protocol=https\nhost=git.codeocean.com\nusername=cop_abcdefghijk\npassword=\n", s.backend(nil))
	if rec, _ := s.get("https://git.codeocean.com"); rec.Rejected != nil || errw != "" {
		t.Fatalf("Code Ocean pair not recognised: %+v %q", rec, errw)
	}
}

func TestGitStoreFindError(t *testing.T) {
	s := newStub(t)
	s.fail["find"] = errors.New("the keychain timed out")
	_, errw, code := runGit("store", "protocol=https\nhost=h.example.org\nusername=u\npassword=p\n", s.backend(nil))
	if code != 1 || errw != "git-credential-tok: the keychain timed out\n" || len(s.calls) != 0 {
		t.Fatalf("status %d, stderr %q, writes %v", code, errw, s.calls)
	}
	s = newStub(t)
	s.fail["save"] = errors.New("disk full")
	_, errw, code = runGit("store", "protocol=https\nhost=h.example.org\nusername=u\npassword=p\n", s.backend(nil))
	if code != 1 || errw != "git-credential-tok: disk full\n" {
		t.Fatalf("status %d, stderr %q", code, errw)
	}
}

// erase deletes only git-stored records of the request's scheme, host and port whose username
// and (when sent) password match, and path when git sends one: an attribute git leaves out
// matches anything (git's rule; t0303's clean-up relies on it). A person's token is only
// marked rejected.
func TestGitErase(t *testing.T) {
	const host = "protocol=https\nhost=h.example.org\n"
	for _, tc := range []struct {
		name, in string
		gone     []string // keys deleted
	}{
		{"host", host, []string{"https://h.example.org", "https://h.example.org/org/repo.git"}},
		{"host and user", host + "username=u\n", []string{"https://h.example.org", "https://h.example.org/org/repo.git"}},
		{"other user", host + "username=v\n", nil},
		{"right password", host + "username=u\npassword=pw\n", []string{"https://h.example.org", "https://h.example.org/org/repo.git"}},
		{"wrong password", host + "username=u\npassword=other\n", nil},
		{"path", host + "path=org/repo.git\n", []string{"https://h.example.org/org/repo.git"}},
		{"other path", host + "path=org/other.git\n", nil},
		{"http", "protocol=http\nhost=h.example.org\n", nil},
		{"port", "protocol=https\nhost=h.example.org:8443\n", []string{"https://h.example.org:8443"}},
		{"other host", "protocol=https\nhost=x.example.org\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStub(t)
			all := []string{"https://h.example.org", "https://h.example.org/org/repo.git", "https://h.example.org:8443"}
			for _, k := range all {
				s.seed(k, keychain.Record{Secret: "pw", Username: "u", Source: keychain.SourceGit})
			}
			if _, errw, code := runGit("erase", tc.in, s.backend(nil)); code != 0 || errw != "" {
				t.Fatalf("status %d, stderr %q", code, errw)
			}
			for _, k := range all {
				_, present := s.get(k)
				gone := contains(tc.gone, k)
				if present == gone {
					t.Errorf("%s: present %v, want deleted %v (writes %v)", k, present, gone, s.calls)
				}
			}
		})
	}
}

// Code Ocean's pair (token as user name) names the record in erase as in get.
func TestGitEraseTokenAsUsername(t *testing.T) {
	s := newStub(t)
	s.seed("https://git.codeocean.com", keychain.Record{Secret: "cop_abcdefghijk", Platform: "codeocean", Source: keychain.SourceGit})
	runGit("erase", "protocol=https\nhost=git.codeocean.com\nusername=cop_abcdefghijk\n", s.backend(nil))
	if _, ok := s.get("https://git.codeocean.com"); ok {
		t.Fatal("not erased")
	}
}

func TestGitEraseOnlyMarksPersonsToken(t *testing.T) {
	s := newStub(t)
	s.seed("https://h.example.org", keychain.Record{Secret: "mine", Source: keychain.SourceSet})
	s.seed("https://h.example.org/org", keychain.Record{Secret: "other", Source: keychain.SourceSet})
	s.now = s.now.Add(time.Hour)
	if _, errw, code := runGit("erase", "protocol=https\nhost=h.example.org\nusername=token\npassword=mine\n", s.backend(nil)); code != 0 || errw != "" {
		t.Fatalf("status %d, stderr %q", code, errw)
	}
	rec, ok := s.get("https://h.example.org")
	if !ok || rec.Secret != "mine" {
		t.Fatalf("a person's token was erased: %v %+v", ok, rec)
	}
	if rec.Rejected == nil || !rec.Rejected.At.Equal(s.now) || rec.Rejected.Host != "h.example.org" {
		t.Fatalf("not marked rejected: %+v", rec.Rejected)
	}
	if other, _ := s.get("https://h.example.org/org"); other.Rejected != nil {
		t.Fatal("a record under another path was marked")
	}
	for _, c := range s.calls {
		if strings.HasPrefix(c, "delete") {
			t.Fatalf("deleted: %v", s.calls)
		}
	}
}

func TestGitEraseErrors(t *testing.T) {
	for _, op := range []string{"list", "delete", "update"} {
		s := newStub(t)
		s.seed("https://h.example.org", keychain.Record{Secret: "a", Source: keychain.SourceGit})
		s.seed("https://h.example.org/p", keychain.Record{Secret: "b", Source: keychain.SourceSet})
		s.fail[op] = errors.New(op + " failed")
		in := "protocol=https\nhost=h.example.org\n"
		if op == "update" {
			in += "path=p\n"
		}
		_, errw, code := runGit("erase", in, s.backend(nil))
		if code != 1 || errw != "git-credential-tok: "+op+" failed\n" {
			t.Errorf("%s: status %d, stderr %q", op, code, errw)
		}
	}
	// A record gone between list and delete is not an error.
	s := newStub(t)
	s.seed("https://h.example.org", keychain.Record{Secret: "a", Source: keychain.SourceGit})
	s.fail["delete"] = keychain.ErrNotFound
	if _, errw, code := runGit("erase", "protocol=https\nhost=h.example.org\n", s.backend(nil)); code != 0 {
		t.Fatalf("status %d, stderr %q", code, errw)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// An http record answers an http request (loopback, or a record stored as http).
func TestGitGetHTTP(t *testing.T) {
	s := newStub(t)
	s.seed("http://127.0.0.1:8080", keychain.Record{Secret: "local", Source: keychain.SourceSet})
	out, _, _ := runGit("get", "protocol=http\nhost=127.0.0.1:8080\n", s.backend(nil))
	if !strings.HasSuffix(out, "password=local\n") {
		t.Fatalf("answer %q", out)
	}
}

// password_expiry_utc=0 (or junk) means no expiry.
func TestGitStoreExpiry(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "-5": 0, "junk": 0, "1": 1, "4102444800": 4102444800} {
		s := newStub(t)
		runGit("store", "protocol=https\nhost=h.example.org\nusername=u\npassword=p\npassword_expiry_utc="+in+"\n", s.backend(nil))
		rec, ok := s.get("https://h.example.org")
		if !ok {
			t.Fatalf("%s: nothing stored", in)
		}
		switch {
		case want == 0 && !rec.Expires.IsZero():
			t.Errorf("%s: expires %v, want no expiry", in, rec.Expires)
		case want != 0 && rec.Expires.Unix() != want:
			t.Errorf("%s: expires %v, want %d", in, rec.Expires, want)
		}
	}
}
