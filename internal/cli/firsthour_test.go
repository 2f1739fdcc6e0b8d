package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestListJSONHasEnvNames: list --json gives each record's env names as the table shows them:
// the record's own, else its platform's.
func TestListJSONHasEnvNames(t *testing.T) {
	h := newHarness(t)
	h.must("0123456789abcdef0123456789abcdef", "set", "cave")
	h.must("tok-1", "set", "https://api.example.org", "--env", "EXAMPLE_TOKEN")
	var rows []listedRecord
	if err := json.Unmarshal([]byte(h.must("", "list", "--json").stdout), &rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Target] = strings.Join(r.Env, ",")
	}
	if got["https://global.daf-apis.com"] != "CAVE_TOKEN" || got["https://api.example.org"] != "EXAMPLE_TOKEN" {
		t.Fatalf("env names in list --json: %v", got)
	}
	table := h.must("", "list").stdout
	if !strings.Contains(table, "CAVE_TOKEN") || !strings.Contains(table, "EXAMPLE_TOKEN") {
		t.Fatalf("table: %s", table)
	}
}

// TestStatusTargetSaysNothingOfPlaintext: the plaintext line is about the store, so tok status
// TARGET leaves it out; tok status keeps it.
func TestStatusTargetSaysNothingOfPlaintext(t *testing.T) {
	h := newHarness(t) // an empty HOME, no platform variables: then one of them is set
	t.Setenv("CURVENOTE_TOKEN", "a-plaintext-token")
	h.must("tok-1", "set", "https://api.example.org")
	if r := h.must("", "status", "https://api.example.org"); strings.Contains(r.stderr, "plaintext") {
		t.Fatalf("status TARGET: %q", r.stderr)
	}
	if r := h.must("", "status"); !strings.Contains(r.stderr, "1 token(s) also lie in plaintext") {
		t.Fatalf("status: %q", r.stderr)
	}
}

// TestHelpListsTheVault: the top-level help names every backend, the vault among them.
func TestHelpListsTheVault(t *testing.T) {
	out := newHarness(t).must("", "--help").stdout
	if !strings.Contains(out, "TOK_BACKEND (keychain, wincred, secret-service, kwallet, vault, pass, keyctl, file)") {
		t.Fatalf("help:\n%s", out)
	}
}

// TestCompleteOffersStoredTargets: tok __complete, which every shell's script calls.
func TestCompleteOffersStoredTargets(t *testing.T) {
	h := newHarness(t)
	h.must("t0k", "set", "https://api.example.org")
	h.must("t0k", "set", "registry.example.org:5000", "--registry")
	for _, c := range []struct{ args, want string }{
		{"get|", "cave\ncodeocean\ncurvenote\njwt\napi.example.org\nregistry.example.org:5000\n"},
		{"status|a", "api.example.org\n"},
		{"install|docker|", "registry.example.org:5000\n"},
		{"get|--username|", ""},
	} {
		if got := h.run("", append([]string{"__complete"}, strings.Split(c.args, "|")...)...).stdout; got != c.want {
			t.Errorf("__complete %s: %q, want %q", c.args, got, c.want)
		}
	}
}
