package cli

import (
	"strings"
	"testing"
)

// refresh's errors come before any request: nothing here reaches the network.
func TestRefreshErrors(t *testing.T) {
	h := newHarness(t)
	h.must("plain", "set", "https://api.example.org")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"refresh"}, 2, "usage: tok refresh TARGET"},
		{[]string{"refresh", "a", "b"}, 2, "usage: tok refresh TARGET"},
		{[]string{"refresh", "--key", "not-a-key"}, 2, `--key "not-a-key" is not a tok key`},
		{[]string{"refresh", "https://none.example.org"}, 1, "no credential found for https://none.example.org"},
		{[]string{"refresh", "https://api.example.org"}, 1, "refresh token"},
	} {
		r := h.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("tok %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.want)
		}
	}
	// --due with a token that is not due does nothing, silently.
	if r := h.must("", "refresh", "--due", "https://api.example.org"); r.stdout != "" || r.stderr != "" {
		t.Fatalf("--due: %q %q", r.stdout, r.stderr)
	}
	if r := h.run("", "refresh", "--key", "tok:https://none.example.org"); r.code != 1 || !strings.Contains(r.stderr, "no credential") {
		t.Fatalf("--key of nothing: exit %d stderr %q", r.code, r.stderr)
	}
}
