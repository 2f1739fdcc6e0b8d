package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/keychain"
)

func TestListTable(t *testing.T) {
	h := newHarness(t)
	r := h.must("", "list")
	if r.stdout != "" || r.stderr != "No credentials stored in memory yet; add one with: tok set TARGET\n" {
		t.Fatalf("empty: stdout %q stderr %q", r.stdout, r.stderr)
	}
	h.must("cop_abcdefghijk", "set", "https://acme.codeocean.com")
	h.must("tok-2", "set", "https://api.example.org", "--env", "EX_TOKEN", "--expires", "1h", "--username", "ada")
	h.now = h.now.Add(2 * time.Hour)
	h.must("", "get", "https://api.example.org")
	r = h.must("", "list")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "TARGET") {
		t.Fatalf("table %q", r.stdout)
	}
	for _, want := range []string{"https://acme.codeocean.com", "codeocean", "CODEOCEAN_TOKEN", "never", "tok set"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
	for _, want := range []string{"https://api.example.org", "ada", "EX_TOKEN", "EXPIRED"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("row %q lacks %q", lines[2], want)
		}
	}
	if strings.Contains(r.stdout, "cop_abcdefghijk") || strings.Contains(r.stdout, "tok-2") {
		t.Fatalf("a secret in the list: %q", r.stdout)
	}
}

func TestListJSON(t *testing.T) {
	h := newHarness(t)
	r := h.must("", "list", "--json")
	if r.stdout != "[]\n" {
		t.Fatalf("empty: %q", r.stdout)
	}
	h.must("tok-1", "set", "https://api.example.org", "--expires", "1h", "--registry")
	if err := h.store.Update(mustRequest(t, "https://api.example.org"), func(rec *keychain.Record) error {
		rec.RefreshToken = "refresh-secret"
		rec.Rejected = &keychain.Rejection{At: h.now, Host: "api.example.org"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.now = h.now.Add(2 * time.Hour)
	r = h.must("", "list", "--json")
	if strings.Contains(r.stdout, "tok-1") || strings.Contains(r.stdout, "refresh-secret") {
		t.Fatalf("a secret in the JSON: %s", r.stdout)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("rows %v", rows)
	}
	row := rows[0]
	if row["target"] != "https://api.example.org" || row["expired"] != true || row["registry"] != true ||
		row["has_refresh_token"] != true || row["source"] != "tok set" || row["rejected_at"] == nil || row["expires"] == nil {
		t.Fatalf("row %v", row)
	}
}
