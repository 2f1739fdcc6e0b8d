package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/internal/testserver"
)

// grantEnv is a vault with a CAVE token, a Curvenote token, a git host's token and a registry's
// token; the passphrase is given only where a test says so, and no cache holds the vault open,
// so every read without a grant would need the passphrase.
func grantEnv(t *testing.T) (*testenv.Env, map[string]string) {
	e := testenv.NewEnv(t)
	e.Vars["TOK_VAULT_CACHE"] = "none"
	tokens := map[string]string{
		"global.daf-apis.com":          "0123456789abcdef0123456789abcdef",
		"curvenote":                    curvenoteUserToken(t, "ada@example.org"),
		"https://git.example.org":      "git-token-in-the-vault",
		"https://registry.example.org": "registry-token-in-the-vault",
	}
	withPass := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"})
	for target, secret := range tokens {
		if r := withPass.Run(secret, "tok", "set", target); r.Code != 0 {
			t.Fatalf("tok set %s: %s", target, r.Stderr)
		}
	}
	e.Run("", "tok", "lock")
	return e, tokens
}

func TestGrantReadsWithoutTheVault(t *testing.T) {
	e, tokens := grantEnv(t)
	if r := e.Run("", "tok", "get", "global.daf-apis.com"); r.Code == 0 || !strings.Contains(r.Stderr, "locked") {
		t.Fatalf("the vault is not locked: %d %q", r.Code, r.Stderr)
	}
	create := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "grant", "create", "--ttl", "10m",
		"--only", "cave", "--only", "curvenote", "--only", "https://git.example.org", "--only", "https://registry.example.org")
	key := strings.TrimSpace(create.Stdout)
	if create.Code != 0 || strings.Count(create.Stdout, "\n") != 1 || !strings.Contains(key, ":AGE-SECRET-KEY-1") {
		t.Fatalf("grant create: exit %d, stdout %d bytes, %s", create.Code, len(create.Stdout), create.Stderr)
	}
	id, _, _ := strings.Cut(key, ":")
	if !strings.Contains(create.Stderr, id) || strings.Contains(create.Stderr, key) {
		t.Fatalf("grant create said: %s", create.Stderr)
	}
	job := e.With(map[string]string{"TOK_GRANT": key})
	for what, r := range map[string]testenv.Result{
		"exec":   job.Run("", "tok", "exec", "--", "sh", "-c", `printf '%s %s' "$CAVE_TOKEN" "$CURVENOTE_TOKEN"`),
		"env":    job.Run("", "tok", "env", "--only", "cave"),
		"get":    job.Run("", "tok", "get", "https://git.example.org"),
		"git":    job.Run("protocol=https\nhost=git.example.org\n\n", "git-credential-tok", "get"),
		"docker": job.Run("https://registry.example.org", "docker-credential-tok", "get"),
	} {
		var want string
		switch what {
		case "exec":
			want = tokens["global.daf-apis.com"] + " " + tokens["curvenote"]
		case "env":
			want = "export CAVE_TOKEN='" + tokens["global.daf-apis.com"] + "'\n"
		case "get":
			want = tokens["https://git.example.org"] + "\n"
		case "git":
			want = "password=" + tokens["https://git.example.org"]
		case "docker":
			want = `"Secret":"` + tokens["https://registry.example.org"] + `"`
		}
		if r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Errorf("%s through the grant: exit %d, %q, %s", what, r.Code, r.Stdout, r.Stderr)
		}
	}
	// A job inherits the login node's XDG_RUNTIME_DIR, which a compute node may not have.
	elsewhere := job.With(map[string]string{"XDG_RUNTIME_DIR": filepath.Join(e.Dir, "no-such-runtime-dir")})
	if r := elsewhere.Run("", "tok", "exec", "--only", "cave", "--", "sh", "-c", `cat "$CLOUD_VOLUME_DIR/secrets/cave-secret.json"`); r.Code != 0 || !strings.Contains(r.Stdout, tokens["global.daf-apis.com"]) {
		t.Fatalf("exec with a missing XDG_RUNTIME_DIR: %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	// A grant made inside a grant never outlives it.
	if r := job.Run("", "tok", "grant", "create", "--ttl", "1h", "--only", "cave"); r.Code != 0 {
		t.Fatalf("a grant inside a grant: %s", r.Stderr)
	}
	var listed []struct {
		ID      string
		Expires time.Time
	}
	json.Unmarshal([]byte(e.Run("", "tok", "grant", "list", "--json").Stdout), &listed)
	if len(listed) != 2 || !listed[0].Expires.Equal(listed[1].Expires) {
		t.Fatalf("the grant made inside grant %s: %+v", id, listed)
	}
	for _, g := range listed {
		if g.ID != id {
			e.Run("", "tok", "grant", "revoke", g.ID)
		}
	}
	// The grant is the store while TOK_GRANT is set: nothing new goes in, and the vault is untouched.
	if r := job.Run("new", "tok", "set", "https://new.example.org"); r.Code == 0 || !strings.Contains(r.Stderr, "grant") {
		t.Fatalf("tok set inside a grant: %d %s", r.Code, r.Stderr)
	}
	list := e.Run("", "tok", "grant", "list")
	if !strings.Contains(list.Stdout, id) || !strings.Contains(list.Stdout, "https://git.example.org") {
		t.Fatalf("grant list: %s %s", list.Stdout, list.Stderr)
	}
	// Nothing in the data and state directories holds a token in plaintext.
	assertNoPlaintext(t, e.Dir, append(values(tokens), strings.SplitN(key, ":", 2)[1]))
	// Revoked: the key opens nothing, and the grant's files are gone.
	if r := e.Run("", "tok", "grant", "revoke", id); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := job.Run("", "tok", "get", "cave"); r.Code == 0 || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || !strings.Contains(r.Stderr, "revoked") {
		t.Fatalf("a revoked grant: %d %q", r.Code, r.Stderr)
	}
	if left := grantFiles(e); len(left) != 0 {
		t.Fatalf("revoke left %v", left)
	}
}

func TestGrantExpires(t *testing.T) {
	e, _ := grantEnv(t)
	pass := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"})
	if r := pass.Run("", "tok", "grant", "create", "--ttl", "73h"); r.Code != 2 || !strings.Contains(r.Stderr, "72h") {
		t.Fatalf("a grant over the cap: %d %s", r.Code, r.Stderr)
	}
	cfg := filepath.Join(e.Vars["XDG_CONFIG_HOME"], "tok", "config.json")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte(`{"grant_max_ttl":"1m"}`), 0o600)
	if r := pass.Run("", "tok", "grant", "create", "--ttl", "2m", "--only", "cave"); r.Code != 2 || !strings.Contains(r.Stderr, "longest grant allowed, 1m;") {
		t.Fatalf("a grant over the configured cap: %d %s", r.Code, r.Stderr)
	}
	key := strings.TrimSpace(pass.Run("", "tok", "grant", "create", "--ttl", "1s", "--only", "cave").Stdout)
	other := strings.TrimSpace(pass.Run("", "tok", "grant", "create", "--ttl", "1s", "--only", "cave").Stdout)
	time.Sleep(1100 * time.Millisecond)
	r := e.With(map[string]string{"TOK_GRANT": key}).Run("", "tok", "exec", "--", "true")
	if r.Code == 0 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "expired") {
		t.Fatalf("an expired grant: exit %d, %q", r.Code, r.Stderr)
	}
	// That tok start swept the other expired grant too: nothing is left. revoke --all ends
	// every live one.
	pass.Run("", "tok", "grant", "create", "--ttl", "1m", "--only", "cave")
	pass.Run("", "tok", "grant", "create", "--ttl", "1m", "--only", "cave")
	if r := e.Run("", "tok", "grant", "revoke", "--all"); r.Code != 0 || strings.Count(r.Stderr, "revoked grant") != 2 {
		t.Fatalf("revoke --all: %d %s", r.Code, r.Stderr)
	}
	if left := grantFiles(e); len(left) != 0 || other == "" {
		t.Fatalf("expired grants left: %v", left)
	}
}

// grantFiles lists what is left of grants: files and locks, not tombstones (which say only
// why and when a grant went).
func grantFiles(e *testenv.Env) []string {
	entries, _ := os.ReadDir(filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "grants"))
	var out []string
	for _, d := range entries {
		if !strings.HasSuffix(d.Name(), ".gone") {
			out = append(out, d.Name())
		}
	}
	return out
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// assertNoPlaintext fails if any file under root holds one of secrets.
func assertNoPlaintext(t *testing.T, root string, secrets []string) {
	t.Helper()
	filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() || info.Size() > 10<<20 {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(string(data), s) {
				t.Errorf("%s holds a secret in plaintext", path)
			}
		}
		return nil
	})
}

// TestGrantRenewsOnceIntoTheGrant: a JWT that is due inside the job is refreshed once for
// ten concurrent users of the grant (tok exec, and git through the helper, which runs tok
// refresh), the new token is sealed into the grant, and the vault is not touched.
func TestGrantRenewsOnceIntoTheGrant(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e, _ := grantEnv(t)
	e.Vars["GIT_CONFIG_GLOBAL"] = filepath.Join(e.Dir, "gitconfig")
	e.Vars["GIT_CONFIG_NOSYSTEM"] = "1"
	e.Vars["GIT_TERMINAL_PROMPT"] = "0"
	srv := testserver.New()
	t.Cleanup(srv.Close)
	pass := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"})
	srv.SetAccessTTL(30 * time.Second) // every token it issues is due at once
	if r := pass.Run("secret-password\n", "tok", "login", srv.URL, "--username", "ada", "--password-stdin", "--env", "SKILLS_TOKEN"); r.Code != 0 {
		t.Fatalf("tok login: %s", r.Stderr)
	}
	pass.Run("", "tok", "install", "git")
	create := pass.Run("", "tok", "grant", "create", "--ttl", "10m", "--only", srv.URL)
	key := strings.TrimSpace(create.Stdout)
	if create.Code != 0 || srv.Refreshes.Load() != 1 {
		t.Fatalf("grant create (which refreshes a due token first): %d refreshes, %s", srv.Refreshes.Load(), create.Stderr)
	}
	srv.SetAccessTTL(time.Hour)
	srv.SetRefreshDelay(300 * time.Millisecond)
	vaultDir := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault")
	before := snapshot(t, vaultDir)
	job := e.With(map[string]string{"TOK_GRANT": key})
	results := make([]string, 10)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				results[i] = job.Run("", "tok", "exec", "--", "sh", "-c", `printf %s "$SKILLS_TOKEN"`).Stdout
				return
			}
			results[i] = attr(fill(job, srv.URL+"/repo.git").Stdout, "password")
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r == "" || r != results[0] {
			t.Fatalf("user %d of the grant got %.16q…, user 0 %.16q…", i, r, results[0])
		}
	}
	if n := srv.Refreshes.Load(); n != 2 {
		t.Fatalf("%d refresh requests in all, want 2 (one at grant create, one for ten users of the grant)", n)
	}
	if snapshot(t, vaultDir) != before {
		t.Fatal("a renewal inside the grant changed the vault")
	}
	if again := job.Run("", "tok", "get", srv.URL); strings.TrimSpace(again.Stdout) != results[0] || srv.Refreshes.Load() != 2 {
		t.Fatalf("the renewed token was not kept in the grant: %d refreshes", srv.Refreshes.Load())
	}
}
