package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func curvenoteToken(t *testing.T, who string) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "https://api.curvenote.com/v1/tokens/user", "aud": "https://api.curvenote.com/v1/login", "sub": who,
	}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// severalOfEach stores, a minute apart, what issue 13 found mixed up: two Curvenote accounts
// (ada first, the host's default), two CAVE servers (the other one first) and two Code Ocean
// deployments (zeta first: last in sort order, so first-stored is not sort order).
func severalOfEach(t *testing.T) (*harness, map[string]string) {
	h := newHarness(t)
	tok := map[string]string{
		"ada": curvenoteToken(t, "ada"), "bob": curvenoteToken(t, "bob"),
		"cave-other": "11111111111111111111111111111111", "cave-global": "22222222222222222222222222222222",
		"co-zeta": "cop_zeta0000000000", "co-acme": "cop_acme0000000000",
	}
	for _, s := range []struct {
		secret string
		args   []string
	}{
		{tok["ada"], []string{"set", "curvenote", "--username", "ada"}},
		{tok["bob"], []string{"set", "curvenote", "--username", "bob"}},
		{tok["cave-other"], []string{"set", "https://cave.other.example.org", "--platform", "cave"}},
		{tok["cave-global"], []string{"set", "cave"}},
		{tok["co-zeta"], []string{"set", "https://zeta.codeocean.com"}},
		{tok["co-acme"], []string{"set", "https://acme.codeocean.com"}},
	} {
		h.must(s.secret, s.args...)
		h.now = h.now.Add(time.Minute)
	}
	return h, tok
}

func envJSON(t *testing.T, h *harness, args ...string) (map[string]string, string) {
	t.Helper()
	r := h.must("", append([]string{"env", "--format", "json"}, args...)...)
	var vars map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	return vars, r.stderr
}

func TestSelectionOneRule(t *testing.T) {
	h, tok := severalOfEach(t)
	r := h.must("", "get", "curvenote")
	if r.stdout != tok["ada"]+"\n" {
		t.Fatalf("tok get curvenote is not ada's (the host default)")
	}
	if !strings.Contains(r.stderr, "2 records") || !strings.Contains(r.stderr, "https://bob@api.curvenote.com") {
		t.Fatalf("tok get curvenote with two accounts says nothing useful: %q", r.stderr)
	}
	vars, stderr := envJSON(t, h)
	want := map[string]string{
		"CURVENOTE_TOKEN": tok["ada"], "CAVE_TOKEN": tok["cave-global"], // the platform's own host first
		"CODEOCEAN_TOKEN": tok["co-zeta"], "CODEOCEAN_DOMAIN": "https://zeta.codeocean.com", // first stored
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("tok env: %s is not from the default record (got %.12q)", k, vars[k])
		}
	}
	for _, n := range []string{"CURVENOTE_TOKEN is the token for https://ada@api.curvenote.com", "CAVE_TOKEN is the token for https://global.daf-apis.com", "CODEOCEAN_TOKEN is the token for https://zeta.codeocean.com"} {
		if !strings.Contains(stderr, n) {
			t.Errorf("stderr does not say %q: %s", n, stderr)
		}
	}
	vars, _ = envJSON(t, h, "--only", "curvenote")
	if vars["CURVENOTE_TOKEN"] != tok["ada"] || len(vars) != 1 {
		t.Errorf("--only curvenote: %v", keysOf(vars))
	}
	vars, _ = envJSON(t, h, "--only", "https://bob@api.curvenote.com")
	if vars["CURVENOTE_TOKEN"] != tok["bob"] {
		t.Errorf("--only https://bob@api.curvenote.com is not bob's")
	}
	vars, _ = envJSON(t, h, "--only", "cave:cave.other.example.org", "--only", "codeocean")
	if vars["CAVE_TOKEN"] != tok["cave-other"] || vars["CODEOCEAN_TOKEN"] != tok["co-zeta"] || vars["CURVENOTE_TOKEN"] != "" {
		t.Errorf("--only cave:HOST --only codeocean: %v", keysOf(vars))
	}
	vars, _ = envJSON(t, h, "--env", "CAVE_TOKEN=cave:cave.other.example.org", "--env", "SECOND_CURVENOTE=https://bob@api.curvenote.com")
	if vars["CAVE_TOKEN"] != tok["cave-other"] || vars["SECOND_CURVENOTE"] != tok["bob"] || vars["CURVENOTE_TOKEN"] != tok["ada"] {
		t.Errorf("--env NAME=TARGET: %v", keysOf(vars))
	}
	if r := h.must("", "get", "https://bob@api.curvenote.com"); r.stdout != tok["bob"]+"\n" || r.stderr != "" {
		t.Errorf("tok get with the account in the URL: %q", r.stderr)
	}
	if r := h.must("", "get", "curvenote", "--username", "bob"); r.stdout != tok["bob"]+"\n" {
		t.Errorf("tok get curvenote --username bob is not bob's")
	}
	if r := h.run("", "exec", "--env", "1BAD=curvenote", "--", "true"); r.code != 2 || !strings.Contains(r.stderr, "not a valid environment variable name") {
		t.Errorf("--env with a bad name: %d %q", r.code, r.stderr)
	}
}

func TestDefaultSwitchesAccountAndServer(t *testing.T) {
	h, tok := severalOfEach(t)
	r := h.must("", "default", "curvenote", "--username", "bob")
	if !strings.Contains(r.stderr, "https://bob@api.curvenote.com is the default for https://api.curvenote.com and for curvenote") {
		t.Fatalf("tok default says %q", r.stderr)
	}
	if r := h.must("", "get", "curvenote"); r.stdout != tok["bob"]+"\n" {
		t.Fatal("after tok default --username bob, tok get curvenote is not bob's")
	}
	if r := h.must("", "get", "https://api.curvenote.com"); r.stdout != tok["bob"]+"\n" {
		t.Fatal("the host's requests (git, docker) do not get bob's")
	}
	if r := h.must("", "get", "https://ada@api.curvenote.com"); r.stdout != tok["ada"]+"\n" {
		t.Fatal("ada's account was lost when bob became the default")
	}
	h.must("", "default", "https://ada@api.curvenote.com")
	if r := h.must("", "get", "curvenote"); r.stdout != tok["ada"]+"\n" {
		t.Fatal("switching back to ada did not take")
	}
	h.must("", "default", "cave:cave.other.example.org")
	vars, _ := envJSON(t, h)
	if vars["CAVE_TOKEN"] != tok["cave-other"] {
		t.Fatal("after tok default cave:HOST, CAVE_TOKEN is not that server's")
	}
	h.must("", "default", "https://zeta.codeocean.com")
	h.must("", "default", "https://acme.codeocean.com")
	vars, _ = envJSON(t, h)
	if vars["CODEOCEAN_TOKEN"] != tok["co-acme"] || vars["CODEOCEAN_DOMAIN"] != "https://acme.codeocean.com" {
		t.Fatal("the platform's default server did not move to the one chosen last")
	}
	list := h.must("", "list").stdout
	for _, who := range []string{"ada", "bob"} {
		if !strings.Contains(list, who) {
			t.Errorf("tok list lost %s: %s", who, list)
		}
	}
	if r := h.run("", "default", "https://api.curvenote.com", "--username", "carol"); r.code == 0 || !strings.Contains(r.stderr, "no credential found") {
		t.Errorf("tok default for an account never stored: %d %q", r.code, r.stderr)
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
