package importer_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/internal/importer"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// jwtFor makes an unsigned JWT with claims.
func jwtFor(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc(b) + ".sig"
}

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// found is one Found as a line: path (relative to home), target, user, platform, secret.
func lines(home string, found []importer.Found) []string {
	var out []string
	for _, f := range found {
		rel, err := filepath.Rel(home, f.Path)
		if err != nil || strings.HasPrefix(f.Path, "env:") {
			rel = f.Path
		}
		out = append(out, strings.Join([]string{rel, f.Target.String(), f.Record.Username, f.Record.Platform, f.Record.Secret}, " | "))
	}
	sort.Strings(out)
	return out
}

// Every source, read as its own tool reads it.
func TestScanEverySource(t *testing.T) {
	home := t.TempDir()
	cv := jwtFor(t, map[string]any{"iss": "https://api.curvenote.com/tokens/user", "aud": "https://api.curvenote.com", "email": "ada@example.org"})
	cvStaging := jwtFor(t, map[string]any{"iss": "https://scms.curvenote.dev/tokens/user", "aud": "https://scms.curvenote.dev", "sub": "s1"})
	cvEvil := jwtFor(t, map[string]any{"iss": "https://evil.example/tokens/user", "aud": "https://evil.example", "sub": "e"})
	write(t, filepath.Join(home, ".curvenote", "settings.json"),
		`{"theme":"dark","token":"`+cv+`","tokens":[{"token":"`+cv+`","email":"ada@example.org"},{"token":"`+cvStaging+`","username":"stage"},{"token":"`+cvEvil+`"}]}`, 0o600)
	write(t, filepath.Join(home, ".cloudvolume", "secrets", "cave-secret.json"), `{"token":"`+strings.Repeat("a", 32)+`","other":"`+strings.Repeat("b", 32)+`","n":3}`, 0o644)
	write(t, filepath.Join(home, ".cloudvolume", "secrets", "c.example.org-cave-secret.json"), `{"token":"`+strings.Repeat("c", 32)+`"}`, 0o600)
	write(t, filepath.Join(home, ".config", "cli", "token.json"), `{"access_token":"acc","refresh_token":"ref","api_url":"https://api.example.org","username":"ada","expires_at":"2030-01-01T00:00:00Z"}`, 0o600)
	write(t, filepath.Join(home, ".netrc"), "machine n.example.org login nu password np\nmachine git.codeocean.com login cop_abcdefghijk\ndefault login anonymous password x\n", 0o600)
	write(t, filepath.Join(home, ".git-credentials"), "https://gu:g%40p@git.example.org\nhttps://gu2:gp2@git.example.org:8443/org/repo.git\n", 0o600)
	auth := base64.StdEncoding.EncodeToString([]byte("du:dp"))
	write(t, filepath.Join(home, ".docker", "config.json"),
		`{"auths":{"https://index.docker.io/v1/":{"auth":"`+auth+`"},"r.example.org:5000":{"username":"ru","password":"rp"},"id.example.org":{"identitytoken":"idt"},"empty.example.org":{}},"credsStore":"desktop"}`, 0o600)
	vars := map[string]string{"CODEOCEAN_TOKEN": "cop_fromenvironment", "CODEOCEAN_DOMAIN": "https://acme.codeocean.com"}
	env := importer.Env{Home: home, GOOS: "linux", Registry: platform.Builtin(), Getenv: func(k string) string { return vars[k] }}
	found, problems := importer.Scan(env)
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	want := []string{
		".cloudvolume/secrets/c.example.org-cave-secret.json | https://c.example.org |  | cave | " + strings.Repeat("c", 32),
		".cloudvolume/secrets/cave-secret.json | https://global.daf-apis.com |  | cave | " + strings.Repeat("a", 32),
		".cloudvolume/secrets/cave-secret.json | https://global.daf-apis.com | other | cave | " + strings.Repeat("b", 32),
		".config/cli/token.json | https://api.example.org | ada | jwt | acc",
		".curvenote/settings.json | https://api.curvenote.com | ada@example.org | curvenote | " + cv,
		".curvenote/settings.json | https://api.curvenote.com | e | curvenote | " + cvEvil,
		".curvenote/settings.json | https://scms.curvenote.dev | stage | curvenote | " + cvStaging,
		".docker/config.json | https://id.example.org | <token> |  | idt",
		".docker/config.json | https://index.docker.io | du |  | dp",
		".docker/config.json | https://r.example.org:5000 | ru |  | rp",
		".git-credentials | https://git.example.org | gu |  | g@p",
		".git-credentials | https://git.example.org:8443/org/repo.git | gu2 |  | gp2",
		".netrc | https://git.codeocean.com |  | codeocean | cop_abcdefghijk",
		".netrc | https://n.example.org | nu |  | np",
		"env:CODEOCEAN_TOKEN | https://acme.codeocean.com |  | codeocean | cop_fromenvironment",
	}
	got := lines(home, found)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range found {
		if f.Record.Registry != strings.HasSuffix(f.Path, "config.json") && strings.Contains(f.Path, ".docker") {
			t.Errorf("%s %s: registry %v", f.Path, f.Target, f.Record.Registry)
		}
		if strings.HasSuffix(f.Path, "cave-secret.json") && strings.Contains(f.Path, "/cave-secret.json") && importer.Describe(f) != "0644 (readable by others)" {
			t.Errorf("mode %q", importer.Describe(f))
		}
	}
}

// A file that does not parse contributes nothing, and says so.
func TestScanProblems(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, ".curvenote", "settings.json"), `{"token":`, 0o600)
	write(t, filepath.Join(home, ".cloudvolume", "secrets", "cave-secret.json"), `[`, 0o600)
	write(t, filepath.Join(home, ".config", "cli", "token.json"), `{"access_token":"a"}`, 0o600)
	write(t, filepath.Join(home, ".docker", "config.json"), `{"auths":{"r.example.org":{"auth":"!!"},"s.example.org":{"username":"u","password":"p"}}}`, 0o600)
	write(t, filepath.Join(home, ".git-credentials"), "https://u:p@ok.example.org\nnot a url at all\n", 0o600)
	env := importer.Env{Home: home, GOOS: "linux", Registry: platform.Builtin(), Getenv: func(string) string { return "" }}
	found, problems := importer.Scan(env)
	// git's reader passes over a line it cannot read and keeps the rest: so does tok (the bad
	// line is reported and left in place).
	if len(found) != 1 || found[0].Target.String() != "https://ok.example.org" {
		t.Fatalf("found %v", lines(home, found))
	}
	if len(problems) != 5 {
		t.Fatalf("problems %v", problems)
	}
	for _, p := range problems {
		if strings.Contains(p.Err.Error(), "p@ok") {
			t.Errorf("a secret in %v", p.Err)
		}
	}
}

// Whole files (a CAVE secret file, the JWT CLI's token file) go only when every entry in them
// is settled; JSON files that hold other settings keep them.
func TestRemoveWholeFilesAndJSONEdits(t *testing.T) {
	home := t.TempDir()
	cave := filepath.Join(home, ".cloudvolume", "secrets", "cave-secret.json")
	write(t, cave, `{"token":"`+strings.Repeat("a", 32)+`","other":"`+strings.Repeat("b", 32)+`"}`, 0o600)
	cli := filepath.Join(home, ".config", "cli", "token.json")
	write(t, cli, `{"access_token":"acc","api_url":"https://api.example.org"}`, 0o600)
	docker := filepath.Join(home, ".docker", "config.json")
	write(t, docker, "{\n  \"auths\": {\n    \"r.example.org\": {\"username\": \"ru\", \"password\": \"rp\"}\n  },\n  \"credsStore\": \"desktop\"\n}\n", 0o644)
	env := importer.Env{Home: home, GOOS: "linux", Registry: platform.Builtin(), Getenv: func(string) string { return "" }}
	found, _ := importer.Scan(env)
	store := keychain.NewStore(keyring.NewArrayKeyring(nil), "memory", "test", "", 0)
	var caveFirst []importer.Found
	for _, f := range found {
		if err := importer.Import(store, f); err != nil {
			t.Fatal(err)
		}
		if f.Path == cave && f.Record.Username == "" {
			caveFirst = append(caveFirst, f)
		}
	}
	// One key of two: the CAVE file loses that key only.
	if _, err := importer.RemovePlaintext(store, caveFirst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(cave); !strings.Contains(string(b), "other") || strings.Contains(string(b), strings.Repeat("a", 32)) {
		t.Fatalf("cave file now %q", b)
	}
	found, _ = importer.Scan(env)
	changed, err := importer.RemovePlaintext(store, found)
	if err != nil || len(changed) != 3 {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	for _, p := range []string{cave, cli} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", p, err)
		}
	}
	b, err := os.ReadFile(docker)
	if err != nil || strings.Contains(string(b), "rp") || !strings.Contains(string(b), `"credsStore": "desktop"`) {
		t.Fatalf("docker config now %q (%v)", b, err)
	}
	if fi, _ := os.Stat(docker); fi.Mode().Perm() != 0o644 {
		t.Fatalf("docker config mode %v", fi.Mode())
	}
	if rec, err := store.Lookup(mustReq(t, "https://r.example.org")); err != nil || rec.Secret != "rp" || !rec.Registry ||
		rec.Source != keychain.SourceImportPrefix+docker {
		t.Fatalf("imported %+v %v", rec, err)
	}
}

func mustReq(t *testing.T, s string) keychain.Target {
	t.Helper()
	r, err := keychain.ParseRequest(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func scanHome(t *testing.T, home string, vars map[string]string) []importer.Found {
	t.Helper()
	env := importer.Env{Home: home, GOOS: "linux", Registry: platform.Builtin(), Getenv: func(k string) string { return vars[k] }}
	found, problems := importer.Scan(env)
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	return found
}

// A CAVE file's "token" key comes first (it takes the server's default key), then the others
// by name.
func TestScanCAVEKeyOrder(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, ".cloudvolume", "secrets", "cave-secret.json"),
		`{"zeta":"`+strings.Repeat("z", 32)+`","token":"`+strings.Repeat("t", 32)+`","alpha":"`+strings.Repeat("a", 32)+`"}`, 0o600)
	var users []string
	for _, f := range scanHome(t, home, nil) {
		users = append(users, f.Record.Username)
	}
	if strings.Join(users, ",") != ",alpha,zeta" {
		t.Fatalf("order %q", users)
	}
}

// Curvenote's active token (settings "token") comes first, noted active, whether or not it is
// also in the list.
func TestScanCurvenoteActive(t *testing.T) {
	home := t.TempDir()
	a := jwtFor(t, map[string]any{"sub": "a"})
	b := jwtFor(t, map[string]any{"sub": "b"})
	write(t, filepath.Join(home, ".curvenote", "settings.json"), `{"token":"`+b+`","tokens":[{"token":"`+a+`","note":"work"},{"token":"`+b+`","note":"home"}]}`, 0o600)
	found := scanHome(t, home, nil)
	if len(found) != 2 || found[0].Record.Secret != b || found[0].Note != "active, home" || found[1].Note != "work" {
		t.Fatalf("%+v", found)
	}
	write(t, filepath.Join(home, ".curvenote", "settings.json"), `{"token":"`+b+`","tokens":[{"token":"`+a+`"}]}`, 0o600)
	found = scanHome(t, home, nil)
	if len(found) != 2 || found[0].Record.Secret != b || found[0].Note != "active" || found[0].Record.Extra["identity"] != "b" {
		t.Fatalf("%+v", found)
	}
	// No identity at all: none recorded.
	write(t, filepath.Join(home, ".curvenote", "settings.json"), `{"token":"`+jwtFor(t, map[string]any{})+`"}`, 0o600)
	if found := scanHome(t, home, nil); len(found) != 1 || found[0].Record.Extra != nil || found[0].Record.Username != "" {
		t.Fatalf("%+v", found)
	}
}

// git's XDG credentials file is read, and lines leave it one at a time, wherever they are.
func TestGitCredentialsXDGAndRemoval(t *testing.T) {
	home := t.TempDir()
	xdg := filepath.Join(home, "xdg")
	path := filepath.Join(xdg, "git", "credentials")
	write(t, path, "https://a:1@a.example.org\nhttps://b:2@b.example.org\nhttps://c:3@c.example.org", 0o600)
	found := scanHome(t, home, map[string]string{"XDG_CONFIG_HOME": xdg})
	if len(found) != 3 {
		t.Fatalf("%d found", len(found))
	}
	store := keychain.NewStore(keyring.NewArrayKeyring(nil), "memory", "test", "", 0)
	for _, i := range []int{2, 0} { // the last line (no newline), then the first
		if err := importer.Import(store, found[i]); err != nil {
			t.Fatal(err)
		}
		if _, err := importer.RemovePlaintext(store, found[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "https://b:2@b.example.org\n" {
		t.Fatalf("now %q", b)
	}
	// A line that is not a URL with a password: reported by its line, the others imported (git
	// passes over such a line too).
	write(t, path, "https://a:1@a.example.org\nhttps://nopassword.example.org\n", 0o600)
	env := importer.Env{Home: home, GOOS: "linux", Registry: platform.Builtin(), Getenv: func(k string) string { return map[string]string{"XDG_CONFIG_HOME": xdg}[k] }}
	found, problems := importer.Scan(env)
	if len(found) != 1 || len(problems) != 1 || !strings.Contains(problems[0].Err.Error(), "line 2") {
		t.Fatalf("%v %v", found, problems)
	}
}

// A netrc cut short (a keyword without its value at the end) imports nothing: curl would drop
// the entry's password, so the file is reported, never half read.
func TestNetrcCutShort(t *testing.T) {
	for _, text := range []string{"machine", "machine a.example.org login", "machine a.example.org login u password", "  \n\t"} {
		home := t.TempDir()
		write(t, filepath.Join(home, ".netrc"), text, 0o600)
		env := importer.Env{Home: home, GOOS: "linux", Registry: platform.Builtin(), Getenv: func(string) string { return "" }}
		if found, _ := importer.Scan(env); len(found) != 0 {
			t.Errorf("%q: %v", text, found)
		}
	}
}

// The JWT CLI's expires_at counts only when the token has no exp of its own.
func TestJWTCLIExpiry(t *testing.T) {
	home := t.TempDir()
	withExp := jwtFor(t, map[string]any{"exp": 4102444800})
	for tok, want := range map[string]int64{withExp: 4102444800, "opaque": 1893456000} {
		write(t, filepath.Join(home, ".config", "cli", "token.json"), `{"access_token":"`+tok+`","url":"https://api.example.org","expires_at":"2030-01-01T00:00:00Z"}`, 0o600)
		found := scanHome(t, home, nil)
		if len(found) != 1 || found[0].Record.Expires.Unix() != want {
			t.Errorf("%.10s: %+v", tok, found)
		}
	}
}
