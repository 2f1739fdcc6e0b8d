package cli

import (
	"strings"
	"testing"
)

// login's errors come before any request.
func TestLoginErrors(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"login", "--username", "ada"}, 2, "usage: tok login URL --username U"},
		{[]string{"login", "https://a.example.org"}, 1, `Required flag "username" not set`},
		{[]string{"login", "*.example.org", "--username", "ada", "--password-stdin"}, 2, "tok login needs the API's URL, not a wildcard"},
		{[]string{"login", "https://u:p@a.example.org", "--username", "ada", "--password-stdin"}, 2, "it carries a user name or password"},
	} {
		r := h.run("pw\n", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" || strings.Contains(r.stderr, "pw") {
			t.Errorf("tok %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.want)
		}
	}
}
