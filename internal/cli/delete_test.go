package cli

import (
	"strings"
	"testing"
)

func TestDeleteExactTarget(t *testing.T) {
	h := newHarness(t)
	h.must("host-tok", "set", "https://api.example.org")
	h.must("path-tok", "set", "https://api.example.org/v2")
	h.must("bob-tok", "set", "https://api.example.org", "--username", "bob")
	h.must("ada-tok", "set", "https://api.example.org", "--username", "ada")
	r := h.must("", "delete", "https://api.example.org/v2")
	if r.stderr != "Deleted the credential for https://api.example.org/v2.\n" {
		t.Fatalf("stderr %q", r.stderr)
	}
	if got := h.must("", "get", "https://api.example.org/v2/x").stdout; got != "host-tok\n" {
		t.Fatalf("after delete, the host answers %q", got)
	}
	h.must("", "rm", "https://api.example.org", "--username", "ada")
	entries, _ := h.store.List()
	if len(entries) != 2 {
		t.Fatalf("left %v", entries)
	}
	r = h.run("", "delete", "https://api.example.org/v2")
	if r.code != 1 || r.stderr != "tok: no credential is stored for https://api.example.org/v2 (tok list shows what is)\n" {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	// Never a parent: a path under the host is not the host's record.
	r = h.run("", "delete", "https://api.example.org/v9")
	if r.code != 1 {
		t.Fatalf("deleted the host's record through a path: %q", r.stderr)
	}
}

func TestDeleteAll(t *testing.T) {
	h := newHarness(t)
	if r := h.must("", "delete", "--all", "--yes"); r.stderr != "Nothing to delete.\n" {
		t.Fatalf("empty: %q", r.stderr)
	}
	h.must("a", "set", "https://a.example.org")
	h.must("b", "set", "https://b.example.org")
	r := h.must("", "delete", "--all", "--yes")
	if r.stderr != "Deleted 2 of 2 credentials.\n" {
		t.Fatalf("stderr %q", r.stderr)
	}
	if entries, _ := h.store.List(); len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
}

func TestDeleteErrors(t *testing.T) {
	h := newHarness(t)
	h.must("a", "set", "https://a.example.org")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"delete"}, 2, "usage: tok delete TARGET"},
		{[]string{"delete", "a", "b"}, 2, "usage: tok delete TARGET"},
		{[]string{"delete", "--all", "https://a.example.org"}, 2, "usage: tok delete --all (no TARGET)"},
		{[]string{"delete", "https://a.example.org", "--username", "zed"}, 1, "no credential is stored for"},
	} {
		r := h.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("tok %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stderr, c.code, c.want)
		}
	}
	if entries, _ := h.store.List(); len(entries) != 1 {
		t.Fatalf("a failed delete removed something: %v", entries)
	}
}
