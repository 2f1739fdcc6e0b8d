package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/client"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/internal/testserver"
)

func lifecycleEnv(t *testing.T) (*testenv.Env, *testserver.Server) {
	srv := testserver.New()
	t.Cleanup(srv.Close)
	e := testenv.NewEnv(t).FileBackend("pw")
	e.Vars["GIT_CONFIG_GLOBAL"] = filepath.Join(e.Dir, "gitconfig")
	e.Vars["GIT_CONFIG_NOSYSTEM"] = "1"
	e.Vars["GIT_TERMINAL_PROMPT"] = "0"
	return e, srv
}

// login signs in with an access token that has only 30 s left, so the next use refreshes it.
func login(t *testing.T, e *testenv.Env, srv *testserver.Server) {
	srv.SetAccessTTL(30 * time.Second)
	r := e.Run("secret-password\n", "tok", "login", srv.URL, "--username", "ada", "--password-stdin", "--scope", "read:skills,write:skills", "--env", "SKILLS_TOKEN")
	if r.Code != 0 {
		t.Fatalf("tok login: %s", r.Stderr)
	}
	srv.SetAccessTTL(time.Hour)
}

func fill(e *testenv.Env, url string) testenv.Result {
	return e.Run("url="+url+"\n\n", "git", "-c", "credential.helper=tok", "credential", "fill")
}

func attr(out, key string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	return ""
}

func TestLoginAndRefreshThroughGitAndExec(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e, srv := lifecycleEnv(t)
	if r := e.Run("wrong\n", "tok", "login", srv.URL, "--username", "ada", "--password-stdin"); r.Code == 0 || !strings.Contains(r.Stderr, "401") {
		t.Fatalf("a wrong password: exit %d %q", r.Code, r.Stderr)
	}
	login(t, e, srv)
	first := e.Run("", "tok", "list", "--json").Stdout
	if !strings.Contains(first, `"has_refresh_token": true`) || !strings.Contains(first, "write:skills") {
		t.Fatalf("login stored %s", first)
	}
	r := fill(e, srv.URL+"/repo.git")
	if r.Code != 0 || srv.Refreshes.Load() != 1 {
		t.Fatalf("git fill: exit %d, %d refreshes, %s", r.Code, srv.Refreshes.Load(), r.Stderr)
	}
	token := attr(r.Stdout, "password")
	// git 2.40+ passes password_expiry_utc on; ask the helper itself so older git proves it too.
	h := e.Run("protocol=http\nhost="+strings.TrimPrefix(srv.URL, "http://")+"\n", "git-credential-tok", "get")
	expiry := attr(h.Stdout, "password_expiry_utc")
	if token == "" || expiry == "" || attr(h.Stdout, "password") != token {
		t.Fatalf("git got %q, the helper said %q", r.Stdout, h.Stdout)
	}
	var exp int64
	fmt.Sscan(expiry, &exp)
	if left := time.Until(time.Unix(exp, 0)); left < 50*time.Minute {
		t.Fatalf("git was given a token with %s left; the refreshed one has an hour", left)
	}
	got := e.Run("", "tok", "exec", "--only", srv.URL, "--", "sh", "-c", `printf %s "$SKILLS_TOKEN"`)
	if got.Stdout != token || srv.Refreshes.Load() != 1 {
		t.Fatalf("exec got %q (want git's token), %d refreshes", got.Stdout, srv.Refreshes.Load())
	}
	if r := e.Run("", "tok", "refresh", srv.URL); r.Code != 0 || srv.Refreshes.Load() != 2 {
		t.Fatalf("tok refresh: %d refreshes, %s", srv.Refreshes.Load(), r.Stderr)
	}
	if again := e.Run("", "tok", "get", srv.URL); strings.TrimSpace(again.Stdout) == token {
		t.Fatal("tok refresh did not store a new token")
	}
}

// TestConcurrentRefreshSingleFlight: 20 git credential fills at the moment of expiry make one
// refresh request, and all 20 get the new token.
func TestConcurrentRefreshSingleFlight(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e, srv := lifecycleEnv(t)
	login(t, e, srv)
	srv.SetRefreshDelay(300 * time.Millisecond) // every helper arrives while the refresh is in flight
	var wg sync.WaitGroup
	results := make([]testenv.Result, 20)
	start := time.Now()
	for i := range results {
		wg.Add(1)
		go func(i int) { defer wg.Done(); results[i] = fill(e, srv.URL) }(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	stored := strings.TrimSpace(e.Run("", "tok", "get", srv.URL).Stdout)
	for i, r := range results {
		if r.Code != 0 || attr(r.Stdout, "password") != stored {
			t.Errorf("helper %d: exit %d, password %.20q…, stored %.20q…: %s", i, r.Code, attr(r.Stdout, "password"), stored, r.Stderr)
		}
	}
	if n := srv.Refreshes.Load(); n != 1 {
		t.Fatalf("the server saw %d refresh requests from 20 helpers, want 1", n)
	}
	t.Logf("20 concurrent git credential fill at expiry: %d refresh request, all 20 answered with the new token in %s", srv.Refreshes.Load(), elapsed.Round(time.Millisecond))
}

func TestRefreshFailures(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	t.Run("revoked refresh token", func(t *testing.T) {
		e, srv := lifecycleEnv(t)
		login(t, e, srv)
		before := e.Run("", "tok", "get", srv.URL) // refreshes once, fine
		e.Run("", "tok", "refresh", srv.URL)
		srv.RevokeRefreshTokens()
		r := e.Run("", "tok", "refresh", srv.URL)
		if r.Code == 0 || !strings.Contains(r.Stderr, "tok login "+srv.URL) {
			t.Fatalf("refused refresh: exit %d %q", r.Code, r.Stderr)
		}
		l := e.Run("", "tok", "list", "--json").Stdout
		if !strings.Contains(l, "rejected_at") || !strings.Contains(l, `"has_refresh_token": true`) {
			t.Fatalf("the record was not kept and marked: %s", l)
		}
		if after := e.Run("", "tok", "get", srv.URL); after.Code != 0 || after.Stdout == "" || before.Code != 0 {
			t.Fatalf("the still-valid access token is gone: %q %q", after.Stdout, after.Stderr)
		}
	})
	t.Run("server error", func(t *testing.T) {
		e, srv := lifecycleEnv(t)
		login(t, e, srv)
		before := e.Run("", "tok", "list", "--json").Stdout
		srv.Fail500.Store(true)
		r := e.Run("", "tok", "get", srv.URL)
		if r.Code != 0 || !strings.Contains(r.Stderr, "500") || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Fatalf("500 while 30 s are left: exit %d %q (want the old token and one warning)", r.Code, r.Stderr)
		}
		if n := srv.Refreshes.Load(); n != 0 || srv.Requests.Load() < 2 || srv.Requests.Load() > 4 {
			t.Fatalf("%d requests: want a bounded number of retries", srv.Requests.Load())
		}
		srv.Fail500.Store(false)
		if after := e.Run("", "tok", "list", "--json").Stdout; withoutLastUsed(t, after) != withoutLastUsed(t, before) {
			t.Fatalf("a failed refresh changed the record:\n%s\n%s", before, after)
		}
	})
	t.Run("hang", func(t *testing.T) {
		e, srv := lifecycleEnv(t)
		login(t, e, srv)
		srv.Hang.Store(true)
		start := time.Now()
		r := fill(e, srv.URL)
		if elapsed := time.Since(start); elapsed > 15*time.Second {
			t.Fatalf("git waited %s on a hung server", elapsed)
		}
		if r.Code != 0 || attr(r.Stdout, "password") == "" || !strings.Contains(r.Stderr, "timed out") {
			t.Fatalf("hung refresh: exit %d, %q, %q (want the old token and a timeout line)", r.Code, r.Stdout, r.Stderr)
		}
	})
}

// withoutLastUsed is tok list --json with the last-used times removed, for comparing records.
func withoutLastUsed(t *testing.T, listJSON string) string {
	var rows []map[string]any
	if err := json.Unmarshal([]byte(listJSON), &rows); err != nil {
		t.Fatalf("%v: %s", err, listJSON)
	}
	for _, r := range rows {
		delete(r, "last_used")
	}
	out, _ := json.Marshal(rows)
	return string(out)
}

func TestCurvenoteSessions(t *testing.T) {
	e, srv := lifecycleEnv(t)
	foreign := testserver.New() // on "localhost": not a host tok was told belongs to Curvenote
	defer foreign.Close()
	cfg := filepath.Join(e.Vars["XDG_CONFIG_HOME"], "tok", "config.json")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte(`{"platforms":[{"name":"curvenote","hosts":["127.0.0.1"]}]}`), 0o600)

	userToken := srv.CurvenoteUserToken("u1/t1", srv.URL+"/v1/login")
	if r := e.Run(userToken, "tok", "set", "curvenote"); r.Code != 0 || !strings.Contains(r.Stderr, srv.URL) {
		t.Fatalf("tok set curvenote: %s", r.Stderr)
	}
	session := func() testenv.Result {
		return e.Run("", "tok", "exec", "--session", "--only", "curvenote", "--", "sh", "-c", `printf %s "$CURVENOTE_TOKEN"`)
	}
	r := session()
	if r.Code != 0 || r.Stdout == userToken || r.Stdout == "" || srv.Exchanges.Load() != 1 {
		t.Fatalf("exec --session: exit %d, %d exchanges, %q", r.Code, srv.Exchanges.Load(), r.Stderr)
	}
	if again := session(); again.Stdout != r.Stdout || srv.Exchanges.Load() != 1 {
		t.Fatalf("the session token was not cached: %d exchanges", srv.Exchanges.Load())
	}
	plainExec := func() string {
		return e.Run("", "tok", "exec", "--only", "curvenote", "--", "sh", "-c", `printf %s "$CURVENOTE_TOKEN"`).Stdout
	}
	if plainExec() != userToken {
		t.Fatal("without --session the user token is not what is injected")
	}
	// The per-record setting: tok set --session makes every tok exec use session tokens.
	e.Run(userToken, "tok", "set", "curvenote", "--session")
	if got := plainExec(); got == userToken || got == "" {
		t.Fatal("tok set --session did not make tok exec inject a session token")
	}
	if v := e.Run("", "tok", "status", "--verify", "curvenote"); v.Code != 0 || !strings.Contains(v.Stdout, "VERIFIED") {
		t.Fatalf("status --verify: %d %s %s", v.Code, v.Stdout, v.Stderr)
	}
	srv.RevokeUserTokens("u1/t1")
	if v := e.Run("", "tok", "status", "--verify", "curvenote"); v.Code != 1 || !strings.Contains(v.Stdout, "REVOKED") {
		t.Fatalf("status --verify of a revoked token: %d %s", v.Code, v.Stdout)
	}

	// A token whose aud names a foreign host: never sent there.
	foreignURL := strings.Replace(foreign.URL, "127.0.0.1", "localhost", 1)
	bad := foreign.CurvenoteUserToken("u2/t2", foreignURL+"/v1/login")
	e.Run("", "tok", "delete", srv.URL)
	if r := e.Run(bad, "tok", "set", "curvenote"); r.Code != 0 || !strings.Contains(r.Stderr, "api.curvenote.com") {
		t.Fatalf("a foreign aud chose the target: %s", r.Stderr)
	}
	r = session()
	if r.Code == 0 || !strings.Contains(r.Stderr, "Curvenote") {
		t.Fatalf("exec --session with a foreign aud: exit %d %q", r.Code, r.Stderr)
	}
	if n := foreign.Requests.Load(); n != 0 {
		t.Fatalf("the foreign host named by the token's aud got %d requests", n)
	}
}

func TestStatusVerifyPlatforms(t *testing.T) {
	e, srv := lifecycleEnv(t)
	e.Run(testserver.GoodCodeOcean, "tok", "set", srv.URL+"/co", "--platform", "codeocean")
	e.Run(testserver.GoodCAVE, "tok", "set", srv.URL+"/cave", "--platform", "cave")
	// status --verify: one line per record, each judged on its own.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.Command(ctx, "tok", "status", "--verify", "--json")
	out, _ := cmd.Output()
	if strings.Count(string(out), `"verified": "VERIFIED"`) != 2 || srv.Verifies.Load() != 2 {
		t.Fatalf("verify: %s (%d checks)", out, srv.Verifies.Load())
	}
	e.Run("cop_revokedtokenxxxxx", "tok", "set", srv.URL+"/co", "--platform", "codeocean")
	r := e.Run("", "tok", "status", "--verify")
	if r.Code != 1 || !strings.Contains(r.Stdout, "REVOKED") || !strings.Contains(r.Stdout, "VERIFIED") {
		t.Fatalf("one revoked, one good: %d %s", r.Code, r.Stdout)
	}
}

// TestSecondAccountRenewsThroughGit: two tok login accounts on one host, both about to expire.
// git asking for bob's account makes one refresh request, for bob, and gets bob's new token;
// ada's record is untouched. (The helpers once named the record by a re-typed URL that tok
// refresh refused for a second account, and handed out the stale token.)
func TestSecondAccountRenewsThroughGit(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e, srv := lifecycleEnv(t)
	srv.AddUser("bob", "bobs-password")
	srv.SetAccessTTL(30 * time.Second)
	for _, u := range [][2]string{{"ada", "secret-password"}, {"bob", "bobs-password"}} {
		if r := e.Run(u[1]+"\n", "tok", "login", srv.URL, "--username", u[0], "--password-stdin"); r.Code != 0 {
			t.Fatalf("tok login %s: %s", u[0], r.Stderr)
		}
	}
	srv.SetAccessTTL(time.Hour)
	adaBefore := listedRecord(t, e, "ada")
	host := strings.TrimPrefix(srv.URL, "http://")
	r := fill(e, "http://bob@"+host+"/repo.git")
	if r.Code != 0 {
		t.Fatalf("git fill for bob: exit %d: %s", r.Code, r.Stderr)
	}
	if got := srv.RefreshedFor(); len(got) != 1 || got[0] != "bob" {
		t.Fatalf("refresh requests were for %q, want exactly one for bob (%s)", got, r.Stderr)
	}
	token := attr(r.Stdout, "password")
	if sub := jwtSubject(t, token); sub != "bob" || attr(r.Stdout, "username") != "bob" {
		t.Fatalf("git was given user %q and a token for %q, want bob's", attr(r.Stdout, "username"), sub)
	}
	var exp int64
	fmt.Sscan(attr(e.Run("protocol=http\nhost="+host+"\nusername=bob\n", "git-credential-tok", "get").Stdout, "password_expiry_utc"), &exp)
	if left := time.Until(time.Unix(exp, 0)); left < 50*time.Minute {
		t.Fatalf("bob's token has %s left after the renewal; the renewed one has an hour", left)
	}
	if after := listedRecord(t, e, "ada"); after != adaBefore {
		t.Fatalf("ada's record changed:\nbefore %s\nafter  %s", adaBefore, after)
	}
	if n := srv.Refreshes.Load(); n != 1 {
		t.Fatalf("%d refresh requests in all, want 1", n)
	}
}

// listedRecord is tok list --json's entry for user, as JSON text.
func listedRecord(t *testing.T, e *testenv.Env, user string) string {
	t.Helper()
	var entries []map[string]any
	out := e.Run("", "tok", "list", "--json").Stdout
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("tok list --json: %v: %s", err, out)
	}
	for _, en := range entries {
		if en["username"] == user {
			b, _ := json.Marshal(en)
			return string(b)
		}
	}
	t.Fatalf("tok list has no record for %s: %s", user, out)
	return ""
}

// jwtSubject reads a JWT's sub claim without verifying it.
func jwtSubject(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %.12q…", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Sub string }
	json.Unmarshal(payload, &claims)
	return claims.Sub
}

// TestDefaultAccountRenewsThroughDocker (issue 12, docker): two accounts on one JWT host, both
// about to expire; after tok default HOST --username bob, docker's get for the host (the
// official client) makes exactly one refresh request, for bob, and hands out bob's new token;
// ada's record is untouched.
func TestDefaultAccountRenewsThroughDocker(t *testing.T) {
	e, srv := lifecycleEnv(t)
	srv.AddUser("bob", "bobs-password")
	srv.SetAccessTTL(30 * time.Second)
	for _, u := range [][2]string{{"ada", "secret-password"}, {"bob", "bobs-password"}} {
		if r := e.Run(u[1]+"\n", "tok", "login", srv.URL, "--username", u[0], "--password-stdin"); r.Code != 0 {
			t.Fatalf("tok login %s: %s", u[0], r.Stderr)
		}
	}
	srv.SetAccessTTL(time.Hour)
	if r := e.Run("", "tok", "default", srv.URL, "--username", "bob"); r.Code != 0 {
		t.Fatalf("tok default: %s", r.Stderr)
	}
	adaBefore := listedRecord(t, e, "ada")
	got, err := client.Get(dockerProgram(t, e), srv.URL)
	if err != nil {
		t.Fatalf("docker get: %v", err)
	}
	if refreshed := srv.RefreshedFor(); len(refreshed) != 1 || refreshed[0] != "bob" {
		t.Fatalf("refresh requests were for %q, want exactly one for bob", refreshed)
	}
	if sub := jwtSubject(t, got.Secret); sub != "bob" || got.Username != "bob" {
		t.Fatalf("docker was given user %q and a token for %q, want bob's", got.Username, sub)
	}
	if r := e.Run("", "tok", "get", srv.URL); strings.TrimSpace(r.Stdout) != got.Secret {
		t.Fatal("docker was not given the renewed token tok now holds for the host")
	}
	if after := listedRecord(t, e, "ada"); after != adaBefore {
		t.Fatalf("ada's record changed:\nbefore %s\nafter  %s", adaBefore, after)
	}
	if n := srv.Refreshes.Load(); n != 1 {
		t.Fatalf("%d refresh requests in all, want 1", n)
	}
}
