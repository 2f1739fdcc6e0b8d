package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/project"
	"github.com/tok-dev/tok/keychain"
)

const caveSecret = "0123456789abcdef0123456789abcdef"

func writeProject(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tok.env")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEnvReadsProjectFile(t *testing.T) {
	h := newHarness(t)
	h.must(caveSecret, "set", "global.daf-apis.com")
	h.must("cop_abcdefghijklmnop", "set", "https://acme.codeocean.com")
	h.must("other-secret", "set", "https://api.example.org", "--env", "EXAMPLE_TOKEN")
	h.must("bobs-secret", "set", "https://api.example.org", "--username", "bob")
	p := writeProject(t, "CAVE_TOKEN=tok://cave\nCODEOCEAN_DOMAIN=tok://codeocean#domain\nBOB=tok://https://bob@api.example.org\nBOB_USER=tok://https://bob@api.example.org#username\nDATASTACK=minnie65_public\n")
	r := h.must("", "env", "--env-file", p, "--format", "json")
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"CAVE_TOKEN": caveSecret, "CODEOCEAN_DOMAIN": "https://acme.codeocean.com", "BOB": "bobs-secret", "BOB_USER": "bob", "DATASTACK": "minnie65_public"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if !strings.Contains(r.stderr, "tok: using "+p+" (5 variables)") {
		t.Errorf("stderr %q does not name the file", r.stderr)
	}
}

func TestEnvFindsProjectFileAndOnlyOverridesIt(t *testing.T) {
	h := newHarness(t)
	h.must(caveSecret, "set", "global.daf-apis.com")
	h.must("cop_abcdefghijklmnop", "set", "https://acme.codeocean.com")
	repo := t.TempDir()
	os.Mkdir(filepath.Join(repo, ".git"), 0o700)
	os.MkdirAll(filepath.Join(repo, "a", "b"), 0o700)
	os.WriteFile(filepath.Join(repo, "tok.env"), []byte("MY_CAVE=tok://cave\n"), 0o600)
	t.Chdir(filepath.Join(repo, "a", "b"))
	r := h.must("", "env", "--format", "json")
	if strings.TrimSpace(r.stdout) != `{
  "MY_CAVE": "`+caveSecret+`"
}` {
		t.Errorf("with tok.env: %s", r.stdout)
	}
	// --only says what to inject: the project file is not read.
	r = h.must("", "env", "--only", "codeocean", "--format", "json")
	if strings.Contains(r.stdout, "MY_CAVE") || !strings.Contains(r.stdout, "CODEOCEAN_TOKEN") {
		t.Errorf("--only: %s", r.stdout)
	}
	if r := h.run("", "env", "--only", "cave", "--env-file", "tok.env"); r.code != 2 {
		t.Errorf("--only with --env-file: exit %d", r.code)
	}
	if r := h.run("", "exec", "--netrc", "--", "true"); r.code != 2 || !strings.Contains(r.stderr, "--netrc and --cave-home work with --only") {
		t.Errorf("--netrc with a project file: exit %d: %s", r.code, r.stderr)
	}
}

func TestProjectMissingReferencesFailClosed(t *testing.T) {
	h := newHarness(t)
	h.must(caveSecret, "set", "global.daf-apis.com")
	h.must("old", "set", "https://old.example.org", "--expires", "1h")
	h.now = h.now.Add(2 * time.Hour)
	p := writeProject(t, "CAVE_TOKEN=tok://cave\nCURVENOTE_TOKEN=tok://https://bob@api.curvenote.com\nAPI=tok://codeocean\nOLD=tok://old.example.org\nSKILLS=tok://jwt\n")
	marker := filepath.Join(t.TempDir(), "ran")
	for _, args := range [][]string{
		{"env", "--env-file", p},
		{"exec", "--env-file", p, "--", "touch", marker},
	} {
		r := h.run("", args...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
		for _, want := range []string{
			p + ":2: CURVENOTE_TOKEN=tok://https://bob@api.curvenote.com: no token is stored; run: tok set https://api.curvenote.com --username bob\n",
			p + ":3: API=tok://codeocean: no token is stored; run: tok set codeocean\n",
			p + ":4: OLD=tok://old.example.org: the token expired 1h0m0s ago and cannot be renewed; run: tok set old.example.org\n",
			p + ":5: SKILLS=tok://jwt: no token is stored; run: tok set jwt\n",
			"4 reference(s) in " + p + " did not resolve; nothing was run",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
		if strings.Contains(r.stderr, caveSecret) || strings.Contains(r.stderr, "old\n") {
			t.Errorf("a secret on stderr: %s", r.stderr)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the program ran")
	}
}

func TestProjectFileErrorsNameTheLine(t *testing.T) {
	h := newHarness(t)
	p := writeProject(t, "A=1\nB = 2\n")
	r := h.run("", "env", "--env-file", p)
	if r.code == 0 || !strings.Contains(r.stderr, p+":2:") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

func TestFixCommandForSignIn(t *testing.T) {
	h := newHarness(t)
	h.must("access", "set", "https://api.skills.example.org", "--username", "ada", "--platform", "jwt", "--force", "--expires", "1h")
	ref := project.Ref{Target: "https://api.skills.example.org", Username: "ada", Field: "token"}
	if got := fixCommand(h.env, h.store, ref); got != "tok set https://api.skills.example.org --username ada" {
		t.Errorf("a token stored with tok set: %q", got)
	}
	entries, err := h.store.List()
	if err != nil || len(entries) != 1 {
		t.Fatal(entries, err)
	}
	if err := h.store.Update(entries[0].Target, func(r *keychain.Record) error { r.RefreshToken = "refresh"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := fixCommand(h.env, h.store, ref); got != "tok login https://api.skills.example.org --username ada" {
		t.Errorf("a token from a sign-in: %q", got)
	}
	if got := fixCommand(h.env, h.store, project.Ref{Target: "https://x.example.org/a b", Field: "token"}); got != "tok set 'https://x.example.org/a b'" {
		t.Errorf("quoting: %q", got)
	}
}

func TestDoctorProjectReportsEachReference(t *testing.T) {
	h := newHarness(t)
	h.must(caveSecret, "set", "global.daf-apis.com")
	h.must("soon-secret", "set", "https://soon.example.org", "--expires", "3h")
	h.must("jwt-access", "set", "https://api.skills.example.org", "--platform", "jwt", "--force", "--expires", "1h")
	entries, _ := h.store.List()
	for _, e := range entries {
		if e.Record.Platform == "jwt" {
			h.store.Update(e.Target, func(r *keychain.Record) error { r.RefreshToken = "refresh"; return nil })
		}
	}
	h.now = h.now.Add(2 * time.Hour) // the jwt token has expired, but can be renewed
	content := "CAVE_TOKEN=tok://cave\nSOON=tok://https://soon.example.org\nSKILLS=tok://https://api.skills.example.org\nGONE=tok://gone.example.org\nDATASTACK=minnie65_public\n"
	p := writeProject(t, content)
	r := h.run("", "doctor", "--project", "--env-file", p)
	want := "Project (" + p + ")\n" +
		"  ok    CAVE_TOKEN=tok://cave: https://global.daf-apis.com\n" +
		"  note  SOON=tok://https://soon.example.org: https://soon.example.org expires in 1h; renew it with: tok set https://soon.example.org\n" +
		"  ok    SKILLS=tok://https://api.skills.example.org: https://api.skills.example.org has expired; tok renews it when used\n" +
		"  FAIL  GONE=tok://gone.example.org: no token is stored; run: tok set gone.example.org\n" +
		"  ok    DATASTACK: a plain value\n" +
		"1 reference(s) do not resolve.\n"
	if r.code != 1 || r.stdout != want {
		t.Errorf("exit %d:\n%s\nwant:\n%s", r.code, r.stdout, want)
	}
	for _, secret := range []string{caveSecret, "soon-secret", "jwt-access", "refresh"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("doctor printed a secret")
		}
	}
	// tok status shows the same section and fails the same way.
	r = h.run("", "status", "--env-file", p)
	if r.code != 1 || !strings.Contains(r.stdout, "  FAIL  GONE=tok://gone.example.org") || strings.Contains(r.stdout, caveSecret) {
		t.Errorf("status: exit %d:\n%s", r.code, r.stdout)
	}
	p = writeProject(t, strings.Replace(content, "GONE=tok://gone.example.org\n", "", 1))
	if r := h.run("", "doctor", "--project", "--env-file", p); r.code != 0 || !strings.HasSuffix(r.stdout, "Every reference resolves.\n") {
		t.Errorf("all resolve: exit %d:\n%s", r.code, r.stdout)
	}
	t.Chdir(t.TempDir())
	if r := h.run("", "doctor", "--project"); r.code != 1 || !strings.Contains(r.stderr, "no tok.env found") {
		t.Errorf("no project file: exit %d: %s", r.code, r.stderr)
	}
}
