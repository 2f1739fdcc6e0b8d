package cli

import (
	"strings"
	"testing"
)

func TestTargetTyposRefused(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"set", "curvnote"}, "did you mean curvenote?"},
		{[]string{"set", "coedocean"}, "did you mean codeocean?"}, // a swap is one edit
		{[]string{"set", "https//api.foo.org"}, "Write the scheme as https://"},
		{[]string{"set", "https:/api.foo.org"}, "Write the scheme as https://"},
		{[]string{"set", "intranet"}, "give its URL (https://NAME)"},
		{[]string{"set", "intranet:8080"}, "give its URL (https://NAME)"},
		{[]string{"get", "codeocen"}, "did you mean codeocean?"},
		{[]string{"delete", "curvnote"}, "did you mean curvenote?"},
		{[]string{"status", "caev"}, "did you mean cave?"},
		{[]string{"exec", "--only", "curvnote", "--", "true"}, "did you mean curvenote?"},
		{[]string{"install", "git", "--dry-run", "curvnote"}, "did you mean curvenote?"},
		{[]string{"login", "curvnote", "-u", "ada"}, "did you mean curvenote?"},
	} {
		r := h.run("a-token", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "not a platform tok knows") {
			t.Errorf("tok %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
		if strings.Contains(r.stderr, "tok set "+c.args[1]) || strings.Contains(r.stderr, "a-token") {
			t.Errorf("tok %s: stderr %q suggests storing the typo or shows the token", strings.Join(c.args, " "), r.stderr)
		}
	}
	if keys, _ := h.store.List(); len(keys) != 0 {
		t.Fatalf("typos were stored: %v", keys)
	}
}

func TestTargetTypoForceStores(t *testing.T) {
	h := newHarness(t)
	r := h.must("a-token", "set", "curvnote", "--force")
	if !strings.Contains(r.stderr, "https://curvnote") {
		t.Fatalf("stderr %q", r.stderr)
	}
	if got := h.must("", "get", "https://curvnote").stdout; got != "a-token\n" {
		t.Fatalf("got %q", got)
	}
	// https//host is still no URL of https://https: with --force it is stored as given, and
	// without it nothing is.
	h2 := newHarness(t)
	h2.run("a-token", "set", "https//api.foo.org")
	if keys, _ := h2.store.List(); len(keys) != 0 {
		t.Fatalf("stored %v", keys)
	}
}

func TestTargetsThatAreNoTypo(t *testing.T) {
	h := newHarness(t)
	for _, target := range []string{"localhost", "localhost:8080", "127.0.0.1", "[::1]:5000", "10.1.2.3",
		"api.example.org", "*.example.org", "https://intranet", "http://intranet:8080", "registry.local:5000", "cave"} {
		args := []string{"set", target}
		if target == "cave" {
			args = append(args, "--force") // the platform's format check, not the typo rule
		}
		if r := h.run("a-token", args...); r.code != 0 {
			t.Errorf("tok %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"curvnote", "curvenote", 1}, {"codeocen", "codeocean", 1}, {"caev", "cave", 1}, {"", "jwt", 3}, {"abc", "abc", 0}, {"kitten", "sitting", 3}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
	if got := closestName("zzz", []string{"cave", "jwt"}); got != "" {
		t.Errorf("closestName(zzz) = %q, want none", got)
	}
}
