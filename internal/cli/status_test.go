package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A JWT (unsigned: tok reads claims only) for ada, issued 2026-11-29 11:00 UTC, expiring 13:00.
const adaJWT = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEiLCJuYW1lIjoiQWRhIiwiZW1haWwiOiJhZGFAZXhhbXBsZS5vcmciLCJpYXQiOjE3OTU5NTAwMDAsImV4cCI6MTc5NTk1NzIwMH0.sig"

func TestStatusWithoutNetwork(t *testing.T) {
	h := newHarness(t)
	r := h.must("", "status")
	if r.stdout != "" || !strings.HasPrefix(r.stderr, "No credentials stored in memory yet") {
		t.Fatalf("empty: stdout %q stderr %q", r.stdout, r.stderr)
	}
	h.must(adaJWT, "set", "https://api.example.org", "--platform", "jwt")
	r = h.must("", "status")
	for _, want := range []string{"https://api.example.org\n", "  platform: jwt\n", "  subject:  ada\n", "  name:     Ada\n",
		"  email:    ada@example.org\n", "  issued:   2026-11-29T11:00:00Z (1h ago)\n", "  expiry:   expires in 1h", "  source:   tok set\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, adaJWT) {
		t.Fatal("the token in tok status")
	}
	// Expired: exit 1, and the JSON says so.
	h.now = h.now.Add(2 * time.Hour)
	r = h.run("", "status", "--json")
	if r.code != 1 {
		t.Fatalf("expired: exit %d", r.code)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 || rows[0]["state"] != "expired" || rows[0]["sub"] != "ada" {
		t.Fatalf("json %q (%v)", r.stdout, err)
	}
	if strings.Contains(r.stdout, adaJWT) {
		t.Fatal("the token in tok status --json")
	}
}

func TestStatusOfOneTarget(t *testing.T) {
	h := newHarness(t)
	h.must("a", "set", "https://a.example.org")
	h.must("b", "set", "https://b.example.org", "--expires", "2020-01-01")
	r := h.must("", "status", "https://a.example.org")
	if r.stdout != "https://a.example.org\n  expiry:   no expiry known\n  source:   tok set\n" {
		t.Fatalf("stdout %q", r.stdout)
	}
	r = h.run("", "status", "https://none.example.org")
	if r.code != 1 || !strings.Contains(r.stderr, "no credential found for https://none.example.org") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	if r := h.run("", "status"); r.code != 1 {
		t.Fatalf("an expired token: exit %d", r.code)
	}
}
