package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tok-dev/tok/internal/testenv"
)

func curvenoteUserToken(t *testing.T, email string) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "https://api.curvenote.com/v1/tokens/user", "aud": "https://api.curvenote.com/v1/login",
		"sub": email + "/t", "email": email,
	}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type fakeFile struct {
	rel, content string
	mode         os.FileMode
}

const (
	caveHex  = "0123456789abcdef0123456789abcdef"
	caveHex2 = "fedcba9876543210fedcba9876543210"
)

func fakeHome(t *testing.T, e *testenv.Env) (map[string]fakeFile, string, string) {
	ada, bob := curvenoteUserToken(t, "ada@example.org"), curvenoteUserToken(t, "bob@exämple.org")
	files := map[string]fakeFile{
		"netrc":        {".netrc", "machine a.example.org login alice password pw1\nmachine b.example.org\n  login bob\n  password pw2\ndefault login anonymous password guest\n", 0o644},
		"gitcreds":     {".git-credentials", "https://carol:p%40ss@git.example.org\nhttps://dave:tok-dave@gitlab.example.com:8443/group\n", 0o600},
		"docker":       {".docker/config.json", "{\n\t\"auths\": {\n\t\t\"reg.example.org\": {\n\t\t\t\"auth\": \"" + base64.StdEncoding.EncodeToString([]byte("eve:regpw")) + "\"\n\t\t},\n\t\t\"ghcr.io\": {\n\t\t\t\"identitytoken\": \"idtok\"\n\t\t}\n\t},\n\t\"credHelpers\": {\"gcr.io\": \"gcloud\"},\n\t\"psFormat\": \"table {{.ID}}\"\n}\n", 0o600},
		"curvenote":    {".curvenote/settings.json", `{"tokens":[{"api":"https://api.curvenote.com/v1/login","email":"bob@exämple.org","username":"bob","note":"ünïcode laptop","token":"` + bob + `"},{"api":"https://api.curvenote.com/v1/login","email":"ada@example.org","username":"ada","note":"","token":"` + ada + `"}],"token":"` + ada + `"}`, 0o644},
		"cave-server":  {".cloudvolume/secrets/global.daf-apis.com-cave-secret.json", `{"token": "` + caveHex + `", "fanc_production": "` + caveHex2 + `"}`, 0o644},
		"cave-default": {".cloudvolume/secrets/cave-secret.json", `{"token": "` + caveHex + `"}`, 0o640},
		"broken":       {".config/cli/token.json", `{"access_token": "eyJ`, 0o600},
		"other-secret": {".cloudvolume/secrets/google-secret.json", `{"private_key": "not tok's"}`, 0o600},
	}
	for _, f := range files {
		p := filepath.Join(e.Vars["HOME"], f.rel)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(f.content), f.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, f.mode)
	}
	return files, ada, bob
}

func readHome(t *testing.T, e *testenv.Env, rel string) (string, os.FileMode, bool) {
	p := filepath.Join(e.Vars["HOME"], rel)
	info, err := os.Stat(p)
	if err != nil {
		return "", 0, false
	}
	data, _ := os.ReadFile(p)
	return string(data), info.Mode().Perm(), true
}

func TestImport(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	files, ada, bob := fakeHome(t, e)
	e.Vars["CAVE_TOKEN"] = caveHex
	e.Run("a-different-secret", "tok", "set", "https://b.example.org", "--username", "bob")

	// Dry run: the table, nothing changed.
	r := e.Run("", "tok", "import")
	if r.Code != 0 {
		t.Fatalf("dry run: %d %s", r.Code, r.Stderr)
	}
	for _, want := range []string{".netrc", "0644 (readable by others)", "different", "skip: tok holds a different secret", "ünïcode", "active", "duplicate of", "env:CAVE_TOKEN", "key fanc_production"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("dry-run table lacks %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.Contains(r.Stderr, "skipped") || !strings.Contains(r.Stderr, "token.json") || !strings.Contains(r.Stderr, "dry run") {
		t.Errorf("dry-run stderr: %s", r.Stderr)
	}
	if l := e.Run("", "tok", "list", "--json").Stdout; strings.Count(l, `"target"`) != 1 {
		t.Fatalf("the dry run stored something: %s", l)
	}
	for name, f := range files {
		if got, mode, _ := readHome(t, e, f.rel); got != f.content || mode != f.mode {
			t.Fatalf("dry run changed %s", name)
		}
	}

	// --apply: imported, files untouched, the conflicting target skipped.
	if r = e.Run("", "tok", "import", "--apply"); r.Code != 0 {
		t.Fatalf("--apply: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	for _, c := range []struct{ args, want string }{
		{"get https://a.example.org", "pw1"},
		{"get https://b.example.org", "a-different-secret"},
		{"get https://git.example.org", "p@ss"},
		{"get https://gitlab.example.com:8443/group/repo.git", "tok-dave"},
		{"get https://reg.example.org", "regpw"},
		{"get https://ghcr.io", "idtok"},
		{"get curvenote", ada},
		{"get https://api.curvenote.com --username bob@exämple.org", bob},
		{"get global.daf-apis.com", caveHex},
		{"get global.daf-apis.com --username fanc_production", caveHex2},
	} {
		if got := e.Run("", "tok", strings.Fields(c.args)...); strings.TrimSpace(got.Stdout) != c.want {
			t.Errorf("tok %s = %q (%s), want %.20q", c.args, got.Stdout, got.Stderr, c.want)
		}
	}
	if l := e.Run("", "tok", "list", "--json").Stdout; !strings.Contains(l, `"source": "import:`+filepath.Join(e.Vars["HOME"], ".netrc")+`"`) {
		t.Errorf("imported records do not note their source: %s", l)
	}
	for name, f := range files {
		if got, _, _ := readHome(t, e, f.rel); got != f.content {
			t.Fatalf("--apply without --remove changed %s", name)
		}
	}

	// --apply --remove: only the imported entries go; the rest of each file stays byte for byte.
	if r = e.Run("", "tok", "import", "--apply", "--remove"); r.Code != 0 {
		t.Fatalf("--remove: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	expect := map[string]struct {
		content string
		mode    os.FileMode
		exists  bool
	}{
		// b.example.org was not imported (tok holds a different secret), so it stays.
		"netrc":        {"machine b.example.org\n  login bob\n  password pw2\ndefault login anonymous password guest\n", 0o644, true},
		"gitcreds":     {"", 0o600, true},
		"docker":       {"{\n\t\"auths\": {},\n\t\"credHelpers\": {\"gcr.io\": \"gcloud\"},\n\t\"psFormat\": \"table {{.ID}}\"\n}\n", 0o600, true},
		"curvenote":    {`{"tokens":[]}`, 0o644, true},
		"cave-server":  {"", 0, false},
		"cave-default": {"", 0, false},
		"broken":       {files["broken"].content, 0o600, true},
		"other-secret": {files["other-secret"].content, 0o600, true},
	}
	for name, want := range expect {
		got, mode, exists := readHome(t, e, files[name].rel)
		if exists != want.exists || got != want.content || (exists && mode != want.mode) {
			t.Errorf("%s after --remove: exists=%v mode=%o\n%q\nwant exists=%v mode=%o\n%q", name, exists, mode, got, want.exists, want.mode, want.content)
		}
	}
	if got := e.Run("", "tok", "get", "global.daf-apis.com"); strings.TrimSpace(got.Stdout) != caveHex {
		t.Fatal("the keychain lost a token whose plaintext copy was removed")
	}
}

func TestImportRefusesRemoveWithoutApply(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	if r := e.Run("", "tok", "import", "--remove"); r.Code != 2 {
		t.Fatalf("--remove alone: exit %d", r.Code)
	}
}
