package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/keychain"
)

func TestSetStores(t *testing.T) {
	h := newHarness(t)
	r := h.must("tok-1\n", "set", "https://API.example.org/v1/", "--env", "EXAMPLE_TOKEN", "--expires", "90d", "--registry")
	if r.stdout != "" || r.stderr != "Stored the token for https://api.example.org/v1 in memory.\n" {
		t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
	}
	rec, err := h.store.Lookup(mustRequest(t, "https://api.example.org/v1/x"))
	if err != nil || rec.Secret != "tok-1" || rec.Source != keychain.SourceSet || !rec.Registry ||
		len(rec.Env) != 1 || rec.Env[0] != "EXAMPLE_TOKEN" || !rec.Expires.Equal(h.now.Add(90*24*time.Hour)) {
		t.Fatalf("stored %+v (err %v)", rec, err)
	}
}

func TestSetPlatforms(t *testing.T) {
	h := newHarness(t)
	// A cop_ token is Code Ocean's by its shape; a known host names its platform.
	r := h.must("cop_abcdefghijk", "set", "https://acme.example.org")
	if !strings.Contains(r.stderr, "(codeocean)") {
		t.Fatalf("stderr %q", r.stderr)
	}
	h.must(strings.Repeat("a", 32), "set", "global.daf-apis.com")
	rec, _ := h.store.Lookup(mustRequest(t, "https://global.daf-apis.com"))
	if rec.Platform != "cave" {
		t.Fatalf("platform %q", rec.Platform)
	}
	// A token that does not look like the platform's is refused unless forced.
	r = h.run("not-a-cave-token", "set", "https://c.example.org", "--platform", "cave")
	if r.code != 1 || !strings.Contains(r.stderr, "not stored (use --force") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	if _, err := h.store.Lookup(mustRequest(t, "https://c.example.org")); err == nil {
		t.Fatal("stored a refused token")
	}
	h.must("not-a-cave-token", "set", "https://c.example.org", "--platform", "cave", "--force")
}

func TestSetSecondAccount(t *testing.T) {
	h := newHarness(t)
	h.must("a1", "set", "https://git.example.org", "--username", "alice")
	r := h.must("b1", "set", "https://git.example.org", "--username", "bob")
	if !strings.Contains(r.stderr, "https://bob@git.example.org") {
		t.Fatalf("stderr %q", r.stderr)
	}
	req := mustRequest(t, "https://git.example.org")
	req.Username = "bob"
	if rec, err := h.store.Lookup(req); err != nil || rec.Secret != "b1" {
		t.Fatalf("bob's token %q (%v)", rec.Secret, err)
	}
	if got := h.must("", "get", "https://git.example.org").stdout; got != "a1\n" {
		t.Fatalf("default token %q", got)
	}
}

func TestSetArgumentWarns(t *testing.T) {
	h := newHarness(t)
	r := h.must("", "set", "https://api.example.org", "tok-arg")
	if !strings.Contains(r.stderr, "warning: a token given as an argument is visible") {
		t.Fatalf("stderr %q", r.stderr)
	}
	if got := h.must("", "get", "https://api.example.org").stdout; got != "tok-arg\n" {
		t.Fatalf("stored %q", got)
	}
}

func TestSetExpiredWarns(t *testing.T) {
	h := newHarness(t)
	r := h.must("t", "set", "https://api.example.org", "--expires", "2020-01-01")
	if !strings.Contains(r.stderr, "tok: warning: this token expired") {
		t.Fatalf("stderr %q", r.stderr)
	}
}

func TestSetErrors(t *testing.T) {
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"t", []string{"set"}, 2, "usage: tok set TARGET"},
		{"t", []string{"set", "a", "b", "c"}, 2, "usage: tok set TARGET"},
		{"", []string{"set", "https://api.example.org"}, 2, "the token is empty; nothing stored"},
		{" \n", []string{"set", "https://api.example.org"}, 2, "the token is empty; nothing stored"},
		{"a\nb", []string{"set", "https://api.example.org"}, 2, "contains a NUL or line break"},
		{"a\rb", []string{"set", "https://api.example.org"}, 2, "contains a NUL or line break"},
		{"a\x00b", []string{"set", "https://api.example.org"}, 2, "contains a NUL or line break"},
		{strings.Repeat("a", 1<<20+2), []string{"set", "https://api.example.org"}, 1, "over 1 MiB; nothing stored"},
		{"t", []string{"set", "https://api.example.org", "--platform", "nope"}, 2, `unknown platform "nope"`},
		{"t", []string{"set", "https://api.example.org", "--env", "1BAD"}, 2, `"1BAD" is not an environment variable name`},
		{"t", []string{"set", "https://api.example.org", "--session"}, 2, "--session is for Curvenote tokens"},
		{"t", []string{"set", "https://api.example.org", "--expires", "soon"}, 2, `--expires "soon": give a date`},
		{"t", []string{"set", "https://u:p@api.example.org"}, 2, "it carries a user name or password"},
	} {
		h := newHarness(t)
		r := h.run(c.stdin, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("tok %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.want)
		}
		if entries, _ := h.store.List(); len(entries) != 0 {
			t.Errorf("tok %s: stored %v", strings.Join(c.args, " "), entries)
		}
	}
}

// A secret of exactly 1 MiB, with its trailing newline, is accepted.
func TestSetSizeLimit(t *testing.T) {
	h := newHarness(t)
	secret := strings.Repeat("a", MaxSecret)
	h.must(secret+"\n", "set", "https://api.example.org")
	if rec, _ := h.store.Lookup(mustRequest(t, "https://api.example.org")); rec.Secret != secret {
		t.Fatalf("stored %d bytes", len(rec.Secret))
	}
}
