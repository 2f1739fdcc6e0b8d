package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportDryRun(t *testing.T) {
	h := newHarness(t)
	r := h.must("", "import")
	if r.stdout != "" || r.stderr != "No plaintext tokens found.\n" {
		t.Fatalf("nothing: stdout %q stderr %q", r.stdout, r.stderr)
	}
	home := os.Getenv("HOME")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	netrc := filepath.Join(home, ".netrc")
	content := "machine api.example.org login ada password netrc-secret\n"
	if err := os.WriteFile(netrc, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	r = h.must("", "import")
	if !strings.HasPrefix(r.stdout, "SOURCE") || !strings.Contains(r.stdout, netrc) || !strings.Contains(r.stdout, "https://api.example.org") ||
		!strings.Contains(r.stdout, "import") {
		t.Fatalf("table %q", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "netrc-secret") {
		t.Fatal("the secret in import's output")
	}
	if !strings.Contains(r.stderr, "Nothing changed (dry run)") || !strings.Contains(r.stderr, netrc+" (mode") {
		t.Fatalf("stderr %q", r.stderr)
	}
	if entries, _ := h.store.List(); len(entries) != 0 {
		t.Fatalf("a dry run stored %v", entries)
	}
	if b, _ := os.ReadFile(netrc); string(b) != content {
		t.Fatalf("a dry run changed the netrc: %q", b)
	}
	// --apply imports (and keeps the file); a second dry run says it is already in tok.
	h.must("", "import", "--apply")
	if got := h.must("", "get", "https://api.example.org").stdout; got != "netrc-secret\n" {
		t.Fatalf("imported %q", got)
	}
	if b, _ := os.ReadFile(netrc); string(b) != content {
		t.Fatalf("--apply without --remove changed the netrc: %q", b)
	}
	if r := h.must("", "import"); !strings.Contains(r.stdout, "already in tok") {
		t.Fatalf("second run %q", r.stdout)
	}
}

func TestImportRemoveNeedsApply(t *testing.T) {
	h := newHarness(t)
	r := h.run("", "import", "--remove")
	if r.code != 2 || r.stderr != "tok: --remove needs --apply: tok removes a plaintext copy only after importing and checking it\n" {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}
