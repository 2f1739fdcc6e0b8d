package cli

import (
	"strings"
	"testing"
)

// tok exec's planning fails before any program runs: these all exit without starting one
// ("false" would make the exit status 1 if it ran).
func TestExecRefusesBeforeRunning(t *testing.T) {
	h := newHarness(t)
	h.must("old", "set", "https://api.example.org", "--env", "EX_TOKEN", "--expires", "2020-01-01")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"exec"}, 2, "usage: tok exec [flags] -- PROGRAM [ARGS...]"},
		{[]string{"exec", "--"}, 2, "usage: tok exec [flags] -- PROGRAM [ARGS...]"},
		{[]string{"exec", "--only", "curvenote", "--", "false"}, 1, "no curvenote token is stored; add one with: tok set curvenote"},
		{[]string{"exec", "--only", "https://none.example.org", "--", "false"}, 1, "no credential found for https://none.example.org"},
		{[]string{"exec", "--strict", "--", "false"}, 1, "the token for https://api.example.org expired"},
	} {
		r := h.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("tok %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.want)
		}
		if strings.Contains(r.stderr, "old") {
			t.Errorf("tok %s: the token in the error: %q", strings.Join(c.args, " "), r.stderr)
		}
	}
}
