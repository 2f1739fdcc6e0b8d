package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// Without a vault, lock has nothing to do and unlock says there is none; neither makes one.
func TestUnlockLockWithoutVault(t *testing.T) {
	h := newHarness(t)
	if r := h.must("", "lock"); r.stdout != "" || r.stderr != "" {
		t.Fatalf("lock: %q %q", r.stdout, r.stderr)
	}
	r := h.run("", "unlock")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "tok: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("unlock: exit %d stderr %q", r.code, r.stderr)
	}
	if testenv.FileExists(filepath.Join(h.env.Paths.VaultDir(), "vault.json")) {
		t.Fatal("unlock made a vault")
	}
}
