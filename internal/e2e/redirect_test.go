package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/internal/testserver"
)

// front stands before a testserver on its own port: it passes requests on, except those whose
// path was told to redirect, which it answers with that status and a Location on thief, a
// server on yet another port that counts whatever reaches it.
type front struct {
	*httptest.Server
	thief  *httptest.Server
	stolen atomic.Int64
	// redirected counts the redirects the front answered.
	redirected atomic.Int64
	mu         sync.Mutex
	rules      map[string]int // path -> redirect status
}

func newFront(t *testing.T, to *testserver.Server) *front {
	f := &front{rules: map[string]int{}}
	f.thief = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.stolen.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"stolen"}`))
	}))
	t.Cleanup(f.thief.Close)
	target, _ := url.Parse(to.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		code := f.rules[r.URL.Path]
		f.mu.Unlock()
		if code != 0 {
			f.redirected.Add(1)
			http.Redirect(w, r, f.thief.URL+"/steal", code)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Server.Close)
	return f
}

func (f *front) redirect(path string, code int) { f.mu.Lock(); f.rules[path] = code; f.mu.Unlock() }

// refusedRedirect checks the one line tok says, and that nothing reached the other origin.
func (f *front) refusedRedirect(t *testing.T, r testenv.Result, secrets ...string) {
	t.Helper()
	if r.Code == 0 {
		t.Fatalf("exit 0 after a redirect to another origin: %q", r.Stderr)
	}
	want := "the server at " + f.URL + " redirected to " + f.thief.URL + ", another origin; tok does not send credentials there"
	if !strings.Contains(r.Stderr, want) || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Fatalf("stderr %q, want one line saying %q", r.Stderr, want)
	}
	for _, s := range secrets {
		if strings.Contains(r.Stderr+r.Stdout, s) {
			t.Fatal("a secret is in tok's output")
		}
	}
	if n := f.stolen.Load(); n != 0 {
		t.Fatalf("the other origin received %d requests", n)
	}
}

// TestLoginRedirectToAnotherOrigin: a login server answering 307 to another port never gets
// tok to send the password there, and nothing is stored.
func TestLoginRedirectToAnotherOrigin(t *testing.T) {
	e, srv := lifecycleEnv(t)
	f := newFront(t, srv)
	f.redirect("/v1/auth/login", http.StatusTemporaryRedirect)
	r := e.Run("secret-password\n", "tok", "login", f.URL, "--username", "ada", "--password-stdin")
	f.refusedRedirect(t, r, "secret-password")
	if l := e.Run("", "tok", "list", "--json"); strings.Contains(l.Stdout, f.URL) {
		t.Fatalf("a record was stored: %s", l.Stdout)
	}
	// The same server without the redirect signs in: the front itself is sound.
	f.redirect("/v1/auth/login", 0)
	if r := e.Run("secret-password\n", "tok", "login", f.URL, "--username", "ada", "--password-stdin"); r.Code != 0 {
		t.Fatalf("login through the front: %s", r.Stderr)
	}
}

// TestRefreshRedirectToAnotherOrigin: a 308 on refresh never POSTs the refresh token to
// another origin, neither from tok refresh nor from the renewal git's helper starts, and the
// stored record is kept as it was.
func TestRefreshRedirectToAnotherOrigin(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e, srv := lifecycleEnv(t)
	f := newFront(t, srv)
	if r := e.Run("secret-password\n", "tok", "login", f.URL, "--username", "ada", "--password-stdin"); r.Code != 0 {
		t.Fatalf("login: %s", r.Stderr)
	}
	before := e.Run("", "tok", "list", "--json").Stdout
	f.redirect("/v1/auth/refresh", http.StatusPermanentRedirect)
	f.refusedRedirect(t, e.Run("", "tok", "refresh", f.URL), "secret-password")
	if after := e.Run("", "tok", "list", "--json").Stdout; withoutLastUsed(t, after) != withoutLastUsed(t, before) {
		t.Fatalf("the record changed:\n%s\n%s", before, after)
	}
	// A due renewal on git's behalf: git still gets no answer from another origin.
	srv.SetAccessTTL(30 * time.Second)
	if r := e.Run("secret-password\n", "tok", "login", f.URL, "--username", "ada", "--password-stdin"); r.Code != 0 {
		t.Fatalf("login: %s", r.Stderr)
	}
	redirected := f.redirected.Load()
	fill(e, f.URL+"/repo.git")
	if f.redirected.Load() == redirected {
		t.Fatal("git's fill did not try to renew the token")
	}
	if n := f.stolen.Load(); n != 0 {
		t.Fatalf("the other origin received %d requests from git's renewal", n)
	}
}

// TestCurvenoteExchangeRedirect: the session exchange at an allowed aud answering 307 to
// another port never sends the user token (Bearer) there.
func TestCurvenoteExchangeRedirect(t *testing.T) {
	e, srv := lifecycleEnv(t)
	f := newFront(t, srv)
	cfg := filepath.Join(e.Vars["XDG_CONFIG_HOME"], "tok", "config.json")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte(`{"platforms":[{"name":"curvenote","hosts":["127.0.0.1"]}]}`), 0o600)
	userToken := srv.CurvenoteUserToken("u1/t1", f.URL+"/v1/login")
	if r := e.Run(userToken, "tok", "set", "curvenote"); r.Code != 0 {
		t.Fatalf("tok set curvenote: %s", r.Stderr)
	}
	f.redirect("/v1/login", http.StatusTemporaryRedirect)
	r := e.Run("", "tok", "exec", "--session", "--only", "curvenote", "--", "true")
	f.refusedRedirect(t, r, userToken)
	if srv.Exchanges.Load() != 0 {
		t.Fatal("the exchange was answered")
	}
}

// TestVerifyRedirect: tok status --verify sends a token only to its own origin; the record's
// verdict is ERROR with the one line (status exits 1 only for expired or revoked tokens, and a
// server that fails a check is not that).
func TestVerifyRedirect(t *testing.T) {
	e, srv := lifecycleEnv(t)
	f := newFront(t, srv)
	e.Run(testserver.GoodCAVE, "tok", "set", f.URL, "--platform", "cave")
	f.redirect("/info/api/v2/datastacks", http.StatusFound)
	r := e.Run("", "tok", "status", "--verify")
	want := "ERROR: the server at " + f.URL + " redirected to " + f.thief.URL + ", another origin; tok does not send credentials there\n"
	if !strings.Contains(r.Stdout, want) {
		t.Fatalf("status --verify: exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	if n := f.stolen.Load(); n != 0 {
		t.Fatalf("the other origin received %d requests", n)
	}
}
