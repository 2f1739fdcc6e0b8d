package e2e

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// gitServer serves bare repositories under root through git http-backend, demanding HTTP
// Basic auth whose password is the one passwordFor gives for the request path.
type gitServer struct {
	*httptest.Server
	root     string
	refused  atomic.Int64
	accepted atomic.Int64
}

func newGitServer(t *testing.T, passwordFor func(path string) string) *gitServer {
	t.Helper()
	backend := gitHTTPBackend()
	testenv.Require(t, testenv.FileExists(backend), "git http-backend (apt install git)")
	s := &gitServer{root: t.TempDir()}
	h := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + s.root, "GIT_HTTP_EXPORT_ALL=1"}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || pass != passwordFor(r.URL.Path) {
			s.refused.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "auth required", http.StatusUnauthorized)
			return
		}
		s.accepted.Add(1)
		r.Header.Set("Remote-User", user)
		h.Env = append(h.Env[:2:2], "REMOTE_USER="+user)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// addRepo makes a bare repository with one commit at root/name.
func (s *gitServer) addRepo(t *testing.T, e *testenv.Env, name string) {
	t.Helper()
	bare := filepath.Join(s.root, name)
	work := t.TempDir()
	for _, args := range [][]string{
		{"init", "-q", "--bare", bare},
		{"-C", bare, "config", "http.receivepack", "true"},
		{"init", "-q", work},
		{"-C", work, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "--allow-empty", "-m", "first"},
		{"-C", work, "push", "-q", bare, "HEAD:refs/heads/main"},
		{"-C", bare, "symbolic-ref", "HEAD", "refs/heads/main"},
	} {
		if r := e.Run("", "git", args...); r.Code != 0 {
			t.Fatalf("git %v: %s", args, r.Stderr)
		}
	}
}

func gitEnv(t *testing.T) *testenv.Env {
	e := testenv.NewEnv(t).FileBackend("pw")
	e.Vars["GIT_CONFIG_GLOBAL"] = filepath.Join(e.Dir, "gitconfig")
	e.Vars["GIT_CONFIG_NOSYSTEM"] = "1"
	e.Vars["GIT_TERMINAL_PROMPT"] = "0"
	e.Vars["GIT_ASKPASS"] = "/bin/false"
	return e
}

func TestGitCloneFetchPushThroughTok(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	srv := newGitServer(t, func(string) string { return "the-token" })
	srv.addRepo(t, e, "repo.git")
	if r := e.Run("the-token", "tok", "set", srv.URL); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("", "tok", "install", "git"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	clone := filepath.Join(e.Dir, "clone")
	if r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", clone); r.Code != 0 {
		t.Fatalf("clone: %s", r.Stderr)
	}
	if r := e.Run("", "git", "-C", clone, "fetch", "-q"); r.Code != 0 {
		t.Fatalf("fetch: %s", r.Stderr)
	}
	if r := e.Run("", "git", "-C", clone, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "--allow-empty", "-m", "second"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("", "git", "-C", clone, "push", "-q", "origin", "HEAD:main"); r.Code != 0 {
		t.Fatalf("push: %s", r.Stderr)
	}
	// Installing again changes nothing; uninstalling leaves the config as it was.
	before, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"])
	e.Run("", "tok", "install", "git")
	after, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"])
	if string(before) != string(after) {
		t.Fatalf("second install changed the config:\n%s\n%s", before, after)
	}
	e.Run("", "tok", "uninstall", "git")
	if cfg, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"]); strings.Contains(string(cfg), "tok") {
		t.Fatalf("uninstall left: %s", cfg)
	}
	// --by-name: git finds git-credential-tok on PATH, and the clone still works.
	if r := e.Run("", "tok", "install", "git", "--by-name"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if cfg, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"]); !strings.Contains(string(cfg), "helper = tok\n") || strings.Contains(string(cfg), "/git-credential-tok") {
		t.Fatalf("--by-name wrote: %s", cfg)
	}
	if r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", filepath.Join(e.Dir, "clone-by-name")); r.Code != 0 {
		t.Fatalf("clone with the helper by name: %s", r.Stderr)
	}
	e.Run("", "tok", "uninstall", "git")
	if cfg, _ := os.ReadFile(e.Vars["GIT_CONFIG_GLOBAL"]); strings.Contains(string(cfg), "tok") {
		t.Fatalf("uninstall after --by-name left: %s", cfg)
	}
}

func TestGitWrongTokenKeepsUserRecord(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	srv := newGitServer(t, func(string) string { return "right" })
	srv.addRepo(t, e, "repo.git")
	e.Run("wrong", "tok", "set", srv.URL)
	e.Run("", "tok", "install", "git")
	r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", filepath.Join(e.Dir, "c"))
	if r.Code == 0 {
		t.Fatal("clone with a wrong token succeeded")
	}
	if got := e.Run("", "tok", "get", srv.URL); got.Stdout != "wrong\n" {
		t.Fatalf("git's erase removed a user-set token: %q %q", got.Stdout, got.Stderr)
	}
	if l := e.Run("", "tok", "list", "--json"); !strings.Contains(l.Stdout, "rejected_at") {
		t.Fatalf("the refused token is not marked rejected: %s", l.Stdout)
	}
}

func TestGitStoresWhatThePromptGave(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	srv := newGitServer(t, func(string) string { return "typed-password" })
	srv.addRepo(t, e, "repo.git")
	if r := e.Run("", "tok", "install", "git", srv.URL); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	askpass := filepath.Join(e.Dir, "askpass.sh")
	os.WriteFile(askpass, []byte("#!/bin/sh\ncase \"$1\" in Username*) echo alice;; *) echo typed-password;; esac\n"), 0o700)
	e.Vars["GIT_ASKPASS"] = askpass
	if r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", filepath.Join(e.Dir, "c1")); r.Code != 0 {
		t.Fatalf("clone with askpass: %s", r.Stderr)
	}
	e.Vars["GIT_ASKPASS"] = "/bin/false"
	if r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", filepath.Join(e.Dir, "c2")); r.Code != 0 {
		t.Fatalf("second clone did not use the stored credential: %s", r.Stderr)
	}
	l := e.Run("", "tok", "list", "--json")
	if !strings.Contains(l.Stdout, `"source": "git store"`) || !strings.Contains(l.Stdout, `"username": "alice"`) {
		t.Fatalf("list: %s", l.Stdout)
	}
}

func TestGitPathScopedRecord(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	srv := newGitServer(t, func(p string) string {
		if strings.HasPrefix(p, "/team/") {
			return "team-token"
		}
		return "host-token"
	})
	srv.addRepo(t, e, "team/repo.git")
	srv.addRepo(t, e, "other.git")
	e.Run("team-token", "tok", "set", srv.URL+"/team")
	e.Run("host-token", "tok", "set", srv.URL)
	if r := e.Run("", "tok", "install", "git"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	for _, repo := range []string{"team/repo.git", "other.git"} {
		if r := e.Run("", "git", "clone", "-q", srv.URL+"/"+repo, filepath.Join(e.Dir, strings.ReplaceAll(repo, "/", "_"))); r.Code != 0 {
			t.Fatalf("clone %s: %s", repo, r.Stderr)
		}
	}
	// The path-scoped token answers only its own path.
	in := "protocol=http\nhost=" + strings.TrimPrefix(srv.URL, "http://") + "\npath=teammate/x.git\n"
	if r := e.Run(in, "git-credential-tok", "get"); !strings.Contains(r.Stdout, "password=host-token") {
		t.Fatalf("teammate/ got %q", r.Stdout)
	}
}

// TestGitBearerThroughAuthtype: a Bearer-only server gets the token as Bearer. git 2.46 and
// newer clone through it; with an older git (Debian 12 has 2.39) the test speaks git's side of
// the protocol itself, as git 2.46 does (capability[]=authtype and the server's
// WWW-Authenticate), and sends what the helper answers to the server.
func TestGitBearerThroughAuthtype(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	out, _ := exec.Command("git", "version").Output()
	var major, minor int
	fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(string(out)), "git version "), "%d.%d", &major, &minor)
	e := gitEnv(t)
	backendSrv := newGitServer(t, func(string) string { return "unused" })
	backendSrv.addRepo(t, e, "repo.git")
	h := &cgi.Handler{Path: gitHTTPBackend(), Env: []string{"GIT_PROJECT_ROOT=" + backendSrv.root, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer the-jwt" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="test"`)
			http.Error(w, "bearer required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	e.Run("the-jwt", "tok", "set", srv.URL, "--platform", "cave", "--force")
	e.Run("", "tok", "install", "git")
	if major > 2 || (major == 2 && minor >= 46) {
		if r := e.Run("", "git", "clone", "-q", srv.URL+"/repo.git", filepath.Join(e.Dir, "c")); r.Code != 0 {
			t.Fatalf("clone with a Bearer token: %s", r.Stderr)
		}
		return
	}
	t.Logf("git %d.%d predates authtype (2.46): speaking its side of the protocol directly", major, minor)
	refs := srv.URL + "/repo.git/info/refs?service=git-upload-pack"
	first, err := http.Get(refs)
	if err != nil {
		t.Fatal(err)
	}
	first.Body.Close()
	challenge := first.Header.Get("WWW-Authenticate")
	if first.StatusCode != http.StatusUnauthorized || challenge == "" {
		t.Fatalf("the server did not ask for credentials: %d %q", first.StatusCode, challenge)
	}
	in := "capability[]=authtype\nprotocol=http\nhost=" + strings.TrimPrefix(srv.URL, "http://") +
		"\npath=repo.git/info/refs\nwwwauth[]=" + challenge + "\n\n"
	r := e.Run(in, "git-credential-tok", "get")
	if r.Code != 0 {
		t.Fatalf("helper: %d %q", r.Code, r.Stderr)
	}
	answer := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		k, v, _ := strings.Cut(line, "=")
		answer[k] = v
	}
	if answer["authtype"] != "Bearer" || answer["credential"] == "" || answer["capability[]"] != "authtype" || answer["password"] != "" {
		t.Fatalf("the helper's answer %q is no Bearer credential", r.Stdout)
	}
	req, _ := http.NewRequest("GET", refs, nil)
	req.Header.Set("Authorization", answer["authtype"]+" "+answer["credential"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the server refused the helper's Bearer credential: %d", resp.StatusCode)
	}
	// Without the capability (what git 2.39 itself sends), the helper falls back to Basic.
	r = e.Run(strings.Replace(in, "capability[]=authtype\n", "", 1), "git-credential-tok", "get")
	if strings.Contains(r.Stdout, "authtype") || !strings.Contains(r.Stdout, "password=the-jwt\n") {
		t.Fatalf("without authtype: %q", r.Stdout)
	}
}

func gitHTTPBackend() string {
	if out, err := exec.Command("git", "--exec-path").Output(); err == nil {
		return filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	}
	return "/usr/lib/git-core/git-http-backend"
}
