package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/helper"
	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/keychain"
)

// t0303Step is one "check" of git's t/lib-credential.sh: git credential fill, approve or
// reject with that input, and for fill what git prints (askpass-* when git would prompt).
type t0303Step struct{ cmd, in, want string }

// longValue is lib-credential.sh's LONG_VALUE (GIT_TEST_LONG_CRED_BUFFER 1024, less 23).
var longValue = strings.Repeat("a", 1024-23)

// t0303 is git 2.55's t0303-credential-external.sh for an external helper: helper_test,
// helper_test_password_expiry_utc and helper_test_oauth_refresh_token of t/lib-credential.sh,
// 21 tests in git's order (each builds on the ones before), the inputs and expected outputs
// copied from it.
var t0303 = []struct {
	name  string
	steps []t0303Step
}{
	{"has no existing data", []t0303Step{
		{"fill", "protocol=https\nhost=example.com\n", "protocol=https\nhost=example.com\nusername=askpass-username\npassword=askpass-password\n"},
	}},
	{"stores password", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=store-user\npassword=store-pass\n", ""},
	}},
	{"can retrieve password", []t0303Step{
		{"fill", "protocol=https\nhost=example.com\n", "protocol=https\nhost=example.com\nusername=store-user\npassword=store-pass\n"},
	}},
	{"requires matching protocol", []t0303Step{
		{"fill", "protocol=http\nhost=example.com\n", "protocol=http\nhost=example.com\nusername=askpass-username\npassword=askpass-password\n"},
	}},
	{"requires matching host", []t0303Step{
		{"fill", "protocol=https\nhost=other.tld\n", "protocol=https\nhost=other.tld\nusername=askpass-username\npassword=askpass-password\n"},
	}},
	{"requires matching username", []t0303Step{
		{"fill", "protocol=https\nhost=example.com\nusername=other\n", "protocol=https\nhost=example.com\nusername=other\npassword=askpass-password\n"},
	}},
	{"requires matching path", []t0303Step{
		{"approve", "protocol=http\nhost=path.tld\npath=foo.git\nusername=user\npassword=pass\n", ""},
		{"fill", "protocol=http\nhost=path.tld\npath=bar.git\n", "protocol=http\nhost=path.tld\npath=bar.git\nusername=askpass-username\npassword=askpass-password\n"},
	}},
	{"overwrites on store", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=pass1\n", ""},
		{"approve", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=pass2\n", ""},
		{"fill", "protocol=https\nhost=example.com\nusername=user-overwrite\n", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=pass2\n"},
		{"reject", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=pass2\n", ""},
		{"fill", "protocol=https\nhost=example.com\nusername=user-overwrite\n", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=askpass-password\n"},
	}},
	{"can forget host", []t0303Step{
		{"reject", "protocol=https\nhost=example.com\n", ""},
		{"fill", "protocol=https\nhost=example.com\n", "protocol=https\nhost=example.com\nusername=askpass-username\npassword=askpass-password\n"},
	}},
	{"can store multiple users", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=user1\npassword=pass1\n", ""},
		{"approve", "protocol=https\nhost=example.com\nusername=user2\npassword=pass2\n", ""},
		{"fill", "protocol=https\nhost=example.com\nusername=user1\n", "protocol=https\nhost=example.com\nusername=user1\npassword=pass1\n"},
		{"fill", "protocol=https\nhost=example.com\nusername=user2\n", "protocol=https\nhost=example.com\nusername=user2\npassword=pass2\n"},
	}},
	{"does not erase a password distinct from input", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=user-distinct-pass\npassword=pass1\n", ""},
		{"reject", "protocol=https\nhost=example.com\nusername=user-distinct-pass\npassword=pass2\n", ""},
		{"fill", "protocol=https\nhost=example.com\nusername=user-distinct-pass\n", "protocol=https\nhost=example.com\nusername=user-distinct-pass\npassword=pass1\n"},
	}},
	{"can forget user", []t0303Step{
		{"reject", "protocol=https\nhost=example.com\nusername=user1\n", ""},
		{"fill", "protocol=https\nhost=example.com\nusername=user1\n", "protocol=https\nhost=example.com\nusername=user1\npassword=askpass-password\n"},
	}},
	{"remembers other user", []t0303Step{
		{"fill", "protocol=https\nhost=example.com\nusername=user2\n", "protocol=https\nhost=example.com\nusername=user2\npassword=pass2\n"},
	}},
	{"can store empty username", []t0303Step{
		{"approve", "protocol=https\nhost=sso.tld\nusername=\npassword=\n", ""},
		{"fill", "protocol=https\nhost=sso.tld\n", "protocol=https\nhost=sso.tld\nusername=\npassword=\n"},
	}},
	{"erases all matching credentials", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=user-erase1\npassword=pass1\n", ""},
		{"approve", "protocol=https\nhost=example.com\nusername=user-erase2\npassword=pass1\n", ""},
		{"reject", "protocol=https\nhost=example.com\n", ""},
		{"fill", "protocol=https\nhost=example.com\n", "protocol=https\nhost=example.com\nusername=askpass-username\npassword=askpass-password\n"},
	}},
	{"not confused by long header", []t0303Step{
		{"approve", "protocol=https\nhost=victim.example.com\nusername=user\npassword=to-be-stolen\n", ""},
		{"fill", "protocol=https\nhost=badguy.example.com\nwwwauth[]=basic realm=" + longValue + "host=victim.example.com\n", "protocol=https\nhost=badguy.example.com\nusername=askpass-username\npassword=askpass-password\nwwwauth[]=basic realm=" + longValue + "host=victim.example.com\n"},
	}},
	{"stores password_expiry_utc", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=user-expiry\npassword=pass\npassword_expiry_utc=9999999999\n", ""},
	}},
	{"gets password_expiry_utc", []t0303Step{
		{"fill", "protocol=https\nhost=example.com\nusername=user-expiry\n", "protocol=https\nhost=example.com\nusername=user-expiry\npassword=pass\npassword_expiry_utc=9999999999\n"},
	}},
	{"overwrites when password_expiry_utc changes", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=user-expiry-overwrite\npassword=pass1\npassword_expiry_utc=9999999998\n", ""},
		{"approve", "protocol=https\nhost=example.com\nusername=user-expiry-overwrite\npassword=pass2\npassword_expiry_utc=9999999999\n", ""},
		{"fill", "protocol=https\nhost=example.com\nusername=user-expiry-overwrite\n", "protocol=https\nhost=example.com\nusername=user-expiry-overwrite\npassword=pass2\npassword_expiry_utc=9999999999\n"},
		{"reject", "protocol=https\nhost=example.com\nusername=user-expiry-overwrite\npassword=pass2\n", ""},
		{"fill", "protocol=https\nhost=example.com\nusername=user-expiry-overwrite\n", "protocol=https\nhost=example.com\nusername=user-expiry-overwrite\npassword=askpass-password\n"},
	}},
	{"stores oauth_refresh_token", []t0303Step{
		{"approve", "protocol=https\nhost=example.com\nusername=user4\npassword=pass\noauth_refresh_token=xyzzy\n", ""},
	}},
	{"gets oauth_refresh_token", []t0303Step{
		{"fill", "protocol=https\nhost=example.com\nusername=user4\n", "protocol=https\nhost=example.com\nusername=user4\npassword=pass\noauth_refresh_token=xyzzy\n"},
	}},
}

// t0303Clean is lib-credential.sh's helper_test_clean: the rejects t0303 runs before and
// after, so a helper that passes leaves nothing behind.
var t0303Clean = [][2]string{
	{"https", "example.com store-user"}, {"https", "example.com user1"}, {"https", "example.com user2"},
	{"https", "example.com user-expiry"}, {"https", "example.com user-expiry-overwrite"},
	{"https", "example.com user4"}, {"https", "example.com user-distinct-pass"},
	{"https", "example.com user-overwrite"}, {"https", "example.com user-erase1"},
	{"https", "example.com user-erase2"}, {"https", "victim.example.com user"},
	{"http", "path.tld user"}, {"https", "timeout.tld user"}, {"https", "sso.tld "},
}

// gitCred is what git's struct credential holds, for simulating git around the helper.
type gitCred struct {
	protocol, host, path, username, password, oauth, expiry string
	hasUser, hasPass                                        bool
	wwwauth                                                 []string
}

func parseGitCred(t *testing.T, s string) gitCred {
	t.Helper()
	c, err := helper.ReadGitCredential(strings.NewReader(s))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return gitCred{protocol: c.Protocol, host: c.Host, path: c.Path, username: c.Username, password: c.Password,
		oauth: c.OAuthRefreshToken, expiry: c.PasswordExpiryUTC, hasUser: c.HasUsername, hasPass: c.HasPassword, wwwauth: c.WWWAuth}
}

// String writes the credential in credential_write's order, as git credential fill prints it.
func (c gitCred) String() string {
	var b strings.Builder
	put := func(k, v string, ok bool) {
		if ok {
			b.WriteString(k + "=" + v + "\n")
		}
	}
	put("protocol", c.protocol, true)
	put("host", c.host, true)
	put("path", c.path, c.path != "")
	put("username", c.username, c.hasUser)
	put("password", c.password, c.hasPass)
	put("oauth_refresh_token", c.oauth, c.oauth != "")
	put("password_expiry_utc", c.expiry, c.expiry != "")
	for _, w := range c.wwwauth {
		put("wwwauth[]", w, true)
	}
	return b.String()
}

// gitFill does what git's credential_fill does with tok as its one helper: the request goes
// to get, each attribute of the answer replaces git's, an expired password is dropped, and
// what is still missing comes from the prompt (t0303's askpass).
func gitFill(t *testing.T, e *testenv.Env, in string) string {
	t.Helper()
	c := parseGitCred(t, in)
	r := e.Run(in, "git-credential-tok", "get")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("get: exit %d, stderr %q", r.Code, r.Stderr)
	}
	ans := parseGitCred(t, r.Stdout)
	if ans.hasUser {
		c.username, c.hasUser = ans.username, true
	}
	if ans.hasPass {
		c.password, c.hasPass = ans.password, true
	}
	if ans.oauth != "" {
		c.oauth = ans.oauth
	}
	if ans.expiry != "" {
		c.expiry = ans.expiry
		if n, _ := strconv.ParseInt(ans.expiry, 10, 64); n != 0 && n < time.Now().Unix() {
			c.password, c.hasPass, c.expiry = "", false, ""
		}
	}
	if c.hasUser && c.hasPass {
		c.wwwauth = nil
		return c.String()
	}
	if !c.hasUser {
		c.username, c.hasUser = "askpass-username", true
	}
	c.password, c.hasPass = "askpass-password", true
	return c.String()
}

// TestGitT0303 runs git 2.55's own test suite for external helpers (t0303 with
// lib-credential.sh, 21 tests, the empty user name and password among them) against the built
// git-credential-tok, speaking to it as git does, so it runs with any git installed, or none.
func TestGitT0303(t *testing.T) {
	e := gitEnv(t)
	step := func(t *testing.T, s t0303Step) {
		t.Helper()
		switch s.cmd {
		case "fill":
			if got := gitFill(t, e, s.in); got != s.want {
				t.Fatalf("git credential fill\n%s\ngave\n%s\nt0303 expects\n%s", s.in, got, s.want)
			}
		case "approve", "reject":
			op := map[string]string{"approve": "store", "reject": "erase"}[s.cmd]
			if r := e.Run(s.in, "git-credential-tok", op); r.Code != 0 || r.Stderr != "" || r.Stdout != "" {
				t.Fatalf("%s: exit %d, stdout %q, stderr %q", op, r.Code, r.Stdout, r.Stderr)
			}
		}
	}
	clean := func(t *testing.T) {
		for _, c := range t0303Clean {
			host, user, _ := strings.Cut(c[1], " ")
			step(t, t0303Step{"reject", "protocol=" + c[0] + "\nhost=" + host + "\nusername=" + user + "\n", ""})
		}
	}
	clean(t)
	for i, c := range t0303 {
		ok := t.Run(c.name, func(t *testing.T) {
			for _, s := range c.steps {
				step(t, s)
			}
		})
		if !ok {
			t.Fatalf("t0303 test %d failed; the ones after it build on it", i+1)
		}
	}
	if len(t0303) != 21 {
		t.Fatalf("t0303 has 21 tests, the port %d", len(t0303))
	}
	clean(t)
	if r := e.Run("", "tok", "list", "--json"); strings.TrimSpace(r.Stdout) != "[]" {
		t.Fatalf("t0303's clean-up left records behind: %s %s", r.Stdout, r.Stderr)
	}
}

// TestGitApproveStoresNoSecondCopy (issue 14.14), with the real git: git approves the token
// tok handed out after a clone works; that must store nothing, so tok delete forgets the
// token for good.
func TestGitApproveStoresNoSecondCopy(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	srv := newGitServer(t, func(string) string { return "the-token" })
	srv.addRepo(t, e, "repo.git")
	e.Run("the-token", "tok", "set", srv.URL)
	e.Run("", "tok", "install", "git")
	if r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", filepath.Join(e.Dir, "c")); r.Code != 0 {
		t.Fatalf("clone: %s", r.Stderr)
	}
	if l := e.Run("", "tok", "list", "--json"); strings.Count(l.Stdout, `"target"`) != 1 || strings.Contains(l.Stdout, "git store") {
		t.Fatalf("after git approved tok's token: %s", l.Stdout)
	}
	if r := e.Run("", "tok", "delete", srv.URL); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	in := "protocol=http\nhost=" + strings.TrimPrefix(srv.URL, "http://") + "\n"
	if r := e.Run(in, "git-credential-tok", "get"); r.Stdout != "" {
		t.Fatalf("a copy outlived tok delete: %q", r.Stdout)
	}
}

// TestGitOAuthRefreshTokenStaysWithGit: git's oauth_refresh_token goes back to git and
// nowhere else: not to tok exec's or tok env's program, not into tok list or tok status.
func TestGitOAuthRefreshTokenStaysWithGit(t *testing.T) {
	e := gitEnv(t)
	const oauth = "oauth-refresh-secret-7f3a"
	cred := "protocol=https\nhost=global.daf-apis.com\nusername=ada\npassword=0123456789abcdef0123456789abcdef\noauth_refresh_token=" + oauth + "\n"
	if r := e.Run(cred, "git-credential-tok", "store"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("protocol=https\nhost=global.daf-apis.com\n", "git-credential-tok", "get"); !strings.Contains(r.Stdout, "oauth_refresh_token="+oauth+"\n") {
		t.Fatalf("get: %q %q", r.Stdout, r.Stderr)
	}
	exec := e.Run("", "tok", "exec", "--", "sh", "-c", "env; cat \"$HOME\"/.cloudvolume/secrets/* 2>/dev/null")
	if !strings.Contains(exec.Stdout, "CAVE_TOKEN=0123456789abcdef0123456789abcdef") {
		t.Fatalf("tok exec did not give the record's token: %q %q", exec.Stdout, exec.Stderr)
	}
	for _, r := range []testenv.Result{exec, e.Run("", "tok", "env"), e.Run("", "tok", "list"), e.Run("", "tok", "list", "--json"), e.Run("", "tok", "status")} {
		if strings.Contains(r.Stdout+r.Stderr, oauth) {
			t.Fatalf("git's refresh token left tok: %q %q", r.Stdout, r.Stderr)
		}
	}
	if r := e.Run("protocol=https\nhost=global.daf-apis.com\nusername=ada\n", "git-credential-tok", "erase"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("protocol=https\nhost=global.daf-apis.com\n", "git-credential-tok", "get"); r.Stdout != "" {
		t.Fatalf("after erase: %q", r.Stdout)
	}
}

// TestGitStoreLockedVault (issue 13.4): a password typed at git's prompt while the vault is
// locked is stored for a host with no record (a write needs no passphrase) and, for a host
// whose record tok cannot read, is not stored, with one line saying what to do.
func TestGitStoreLockedVault(t *testing.T) {
	e := vaultEnv(t, "none")
	r := e.Run("protocol=https\nhost=h1.example.org\nusername=alice\npassword=typed\n", "git-credential-tok", "store")
	if strings.Count(r.Stderr, "\n") != 1 || strings.Count(r.Stderr, "locked") != 1 || !strings.Contains(r.Stderr, "run tok unlock") || !strings.Contains(r.Stderr, "not stored") {
		t.Fatalf("store over an existing record: exit %d, stderr %q", r.Code, r.Stderr)
	}
	if r := e.Run("protocol=https\nhost=new.example.org\nusername=alice\npassword=typed\n", "git-credential-tok", "store"); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("store of a new record: exit %d, stderr %q", r.Code, r.Stderr)
	}
	open := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"})
	if r := open.Run("", "tok", "get", "h1.example.org"); r.Stdout != "secret-1\n" {
		t.Fatalf("the existing record changed: %q %q", r.Stdout, r.Stderr)
	}
	if r := open.Run("protocol=https\nhost=new.example.org\n", "git-credential-tok", "get"); r.Stdout != "username=alice\npassword=typed\n" {
		t.Fatalf("the new record: %q %q", r.Stdout, r.Stderr)
	}
}

// tmuxSession runs script in a detached tmux session on a private socket (a terminal the test
// can type into and read) and kills it when the test ends.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T, e *testenv.Env, script string) *tmuxSession {
	t.Helper()
	testenv.Require(t, testenv.Have("tmux"), "tmux")
	var b strings.Builder
	for _, kv := range e.List() {
		k, v, _ := strings.Cut(kv, "=")
		b.WriteString("export " + k + "='" + strings.ReplaceAll(v, "'", `'\''`) + "'\n")
	}
	b.WriteString("cd '" + e.Dir + "'\n" + script + "\n")
	path := filepath.Join(e.Dir, "tmux-script.sh")
	if err := os.WriteFile(path, []byte(b.String()), 0o700); err != nil {
		t.Fatal(err)
	}
	s := &tmuxSession{t: t, socket: filepath.Join(e.Dir, "tmux.sock")}
	t.Cleanup(func() { exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	if out, err := exec.Command("tmux", "-S", s.socket, "-f", "/dev/null", "new-session", "-d", "-x", "150", "-y", "20", "sh "+path+"; sleep 60").CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	return s
}

// screen is what the terminal shows.
func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "-S", s.socket, "capture-pane", "-p").Output()
	return string(out)
}

// waitFor waits until the terminal shows text (at most 20 s).
func (s *tmuxSession) waitFor(text string) {
	s.t.Helper()
	for i := 0; i < 200; i++ {
		if strings.Contains(s.screen(), text) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("the terminal never showed %q; it shows:\n%s", text, s.screen())
}

func (s *tmuxSession) typeLine(text string) {
	s.t.Helper()
	for _, args := range [][]string{{"send-keys", "-l", text}, {"send-keys", "Enter"}} {
		if out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput(); err != nil {
			s.t.Fatalf("tmux %v: %v %s", args, err, out)
		}
	}
}

// TestHelperAsksForThePassphraseOnTheTerminal (issue 13.4): with the vault locked, git's
// helper run from a terminal asks for the passphrase there once, as a pinentry would, answers
// git, and leaves the vault unlocked (here in tok agent, started by the helper) so later
// calls, from no terminal, need nothing; docker's helper asks the same way. Without a
// terminal, one line names tok unlock.
func TestHelperAsksForThePassphraseOnTheTerminal(t *testing.T) {
	e := vaultEnv(t, "agent")
	in := "protocol=https\nhost=h1.example.org\n"
	if r := e.Run(in, "git-credential-tok", "get"); r.Stdout != "" || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "tok unlock") {
		t.Fatalf("no terminal: %q %q", r.Stdout, r.Stderr)
	}
	tm := newTmux(t, e, "printf 'protocol=https\\nhost=h1.example.org\\n' | git-credential-tok get >get.out 2>get.err; echo done-$?")
	tm.waitFor("Passphrase to unlock it")
	// A person types slower than a keychain answers: the prompt is outside the backend's deadline.
	time.Sleep(keychain.DefaultHelperTimeout + time.Second)
	tm.typeLine("vault pass")
	tm.waitFor("done-0")
	if out, _ := os.ReadFile(filepath.Join(e.Dir, "get.out")); string(out) != "username=token\npassword=secret-1\n" {
		errs, _ := os.ReadFile(filepath.Join(e.Dir, "get.err"))
		t.Fatalf("get after the prompt: %q %q\n%s", out, errs, tm.screen())
	}
	if scr := tm.screen(); strings.Contains(scr, "vault pass") || !strings.Contains(scr, "unlocked until") {
		t.Fatalf("the terminal shows:\n%s", scr)
	}
	// Unlocked for the session: no terminal, no passphrase, and the answer comes.
	for _, host := range []string{"h0", "h2"} {
		if r := e.Run("protocol=https\nhost="+host+".example.org\n", "git-credential-tok", "get"); !strings.Contains(r.Stdout, "password=secret-") || r.Stderr != "" {
			t.Fatalf("after the prompt, %s: %q %q", host, r.Stdout, r.Stderr)
		}
	}
	// A wrong passphrase: one line, no answer, and it asks only once.
	e.Run("", "tok", "lock")
	tm2 := newTmux(t, e, "echo https://h2.example.org | docker-credential-tok get >d.out 2>d.err; echo done-$?")
	tm2.waitFor("Passphrase to unlock it")
	tm2.typeLine("wrong")
	tm2.waitFor("done-")
	if strings.Count(tm2.screen(), "Passphrase") != 1 {
		t.Fatalf("asked more than once:\n%s", tm2.screen())
	}
	out, _ := os.ReadFile(filepath.Join(e.Dir, "d.out"))
	errs, _ := os.ReadFile(filepath.Join(e.Dir, "d.err"))
	// docker's protocol carries an error message on stdout.
	if both := string(out) + string(errs); strings.Contains(both, "secret-2") || strings.Count(both, "\n") != 1 || !strings.Contains(both, "wrong passphrase") {
		t.Fatalf("docker get with a wrong passphrase: %q %q", out, errs)
	}
	// GIT_TERMINAL_PROMPT=0 means no prompt, even on a terminal.
	tm3 := newTmux(t, e.With(map[string]string{"GIT_TERMINAL_PROMPT": "0"}), "printf 'protocol=https\\nhost=h1.example.org\\n' | git-credential-tok get >g3.out 2>g3.err; echo done-$?")
	tm3.waitFor("done-0")
	if errs, _ := os.ReadFile(filepath.Join(e.Dir, "g3.err")); strings.Contains(tm3.screen(), "Passphrase") || !strings.Contains(string(errs), "tok unlock") {
		t.Fatalf("GIT_TERMINAL_PROMPT=0:\n%s\n%s", tm3.screen(), errs)
	}
}

// TestGitBearerThroughAuthtypeDirect is TestGitBearerThroughAuthtype without git 2.46: it does
// what git 2.46+ does around the built helper (http.c and credential.c): a request without
// credentials, the server's WWW-Authenticate headers passed as wwwauth[] with git's capability
// announcements, the helper's authtype and credential sent back as the Authorization header,
// then git's approve, which must store nothing. It runs wherever the tests run.
func TestGitBearerThroughAuthtypeDirect(t *testing.T) {
	e := gitEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer 0123456789abcdef0123456789abcdef" {
			w.Header().Add("WWW-Authenticate", `Basic realm="test"`)
			w.Header().Add("WWW-Authenticate", `Bearer realm="test", scope="repo"`)
			http.Error(w, "bearer required", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	if r := e.Run("0123456789abcdef0123456789abcdef", "tok", "set", srv.URL, "--platform", "cave", "--force"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	resp, err := http.Get(srv.URL + "/repo.git/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req := "capability[]=authtype\ncapability[]=state\nprotocol=http\nhost=" + strings.TrimPrefix(srv.URL, "http://") + "\n"
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		req += "wwwauth[]=" + h + "\n"
	}
	got := e.Run(req, "git-credential-tok", "get")
	ans := parseGitCredFull(t, got.Stdout)
	if !ans.HasCapability("authtype") || ans.AuthType != "Bearer" || ans.Credential == "" || ans.HasUsername {
		t.Fatalf("get answered %q (stderr %q)", got.Stdout, got.Stderr)
	}
	hreq, _ := http.NewRequest("GET", srv.URL+"/repo.git/info/refs?service=git-upload-pack", nil)
	hreq.Header.Set("Authorization", ans.AuthType+" "+ans.Credential)
	resp, err = http.DefaultClient.Do(hreq)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the server refused git's Authorization header: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	// git approves: capability, authtype and credential, then protocol and host (no wwwauth[]).
	approve := "capability[]=authtype\nauthtype=Bearer\ncredential=" + ans.Credential + "\nprotocol=http\nhost=" + strings.TrimPrefix(srv.URL, "http://") + "\n"
	if r := e.Run(approve, "git-credential-tok", "store"); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("store: %d %q", r.Code, r.Stderr)
	}
	if l := e.Run("", "tok", "list", "--json"); strings.Count(l.Stdout, `"target"`) != 1 {
		t.Fatalf("approve stored a copy: %s", l.Stdout)
	}
}

func parseGitCredFull(t *testing.T, s string) *helper.GitCredential {
	t.Helper()
	c, err := helper.ReadGitCredential(strings.NewReader(s))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return c
}
