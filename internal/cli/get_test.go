package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/keychain"
)

func TestGetPrintsTheTokenAlone(t *testing.T) {
	h := newHarness(t)
	h.must("s3cret-token", "set", "https://api.example.org")
	r := h.must("", "get", "https://api.example.org/v1/me")
	if r.stdout != "s3cret-token\n" || r.stderr != "" {
		t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
	}
}

func TestGetErrors(t *testing.T) {
	h := newHarness(t)
	h.must("s3cret-token", "set", "https://api.example.org")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"get"}, 2, "usage: tok get TARGET"},
		{[]string{"get", "a", "b"}, 2, "usage: tok get TARGET"},
		{[]string{"get", "https://other.example.org"}, 1, "no credential found for https://other.example.org; add one with: tok set https://other.example.org"},
		{[]string{"get", "http://api.example.org"}, 1, "no credential found"}, // https records answer https only
	} {
		r := h.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" || strings.Contains(r.stderr, "s3cret") {
			t.Errorf("tok %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.want)
		}
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("tok %s: the error is not one line: %q", strings.Join(c.args, " "), r.stderr)
		}
	}
}

func TestGetExpiredTokenWarns(t *testing.T) {
	h := newHarness(t)
	h.must("old-token", "set", "https://api.example.org", "--expires", "1h")
	h.now = h.now.Add(2 * time.Hour)
	r := h.must("", "get", "https://api.example.org")
	if r.stdout != "old-token\n" || !strings.Contains(r.stderr, "warning: the token for https://api.example.org expired") {
		t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
	}
}

func TestGetRecordsUse(t *testing.T) {
	h := newHarness(t)
	h.must("tok-1", "set", "https://api.example.org")
	h.must("", "get", "https://api.example.org")
	rec, err := h.store.Lookup(mustRequest(t, "https://api.example.org"))
	if err != nil || !rec.LastUsed.Equal(h.now) {
		t.Fatalf("last used %v (err %v), want %v", rec.LastUsed, err, h.now)
	}
}

func mustRequest(t *testing.T, s string) keychain.Target {
	t.Helper()
	req, err := keychain.ParseRequest(s)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
