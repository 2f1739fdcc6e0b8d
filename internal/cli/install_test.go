package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallGitDryRun(t *testing.T) {
	h := newHarness(t)
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	h.must("a", "set", "https://git.example.org")
	h.must("b", "set", "https://git.example.org/org/repo.git")
	h.must("c", "set", "*.example.org")
	r := h.must("", "install", "git", "--by-name", "--dry-run", "--file", cfg)
	// No URL: one entry for every host tok will ever hold, and useHttpPath where a record is
	// scoped to a path.
	want := []string{
		"git config --file=" + cfg + " --add credential.helper tok\n",
		"credential.https://git.example.org/org/repo.git.useHttpPath true",
	}
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("dry run lacks %q:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "*.example.org") || r.stderr != "" {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
	if _, err := os.Stat(cfg); !os.IsNotExist(err) {
		t.Fatalf("the dry run wrote %s (%v)", cfg, err)
	}
	// Named targets; a wildcard cannot be installed.
	r = h.must("", "install", "git", "https://github.com", "--by-name", "--dry-run", "--file", cfg)
	if !strings.Contains(r.stdout, "credential.https://github.com.helper tok") || strings.Contains(r.stdout, "git.example.org") {
		t.Fatalf("named: %q", r.stdout)
	}
	r = h.run("", "install", "git", "*.example.org", "--by-name", "--dry-run", "--file", cfg)
	if r.code != 2 || r.stderr != "tok: git config cannot match https://*.example.org; install each host, or run tok install git with no URL for every host\n" {
		t.Fatalf("wildcard: exit %d stderr %q", r.code, r.stderr)
	}
}

// TestInstallGitBeforeAnyRecord: with nothing stored yet the one entry is written all the
// same: it covers the hosts stored later.
func TestInstallGitBeforeAnyRecord(t *testing.T) {
	h := newHarness(t)
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	r := h.run("", "install", "git", "--by-name", "--dry-run", "--file", cfg)
	if r.code != 0 || r.stdout != "git config --file="+cfg+" --add credential.helper tok\n" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestUninstallGitDryRun(t *testing.T) {
	h := newHarness(t)
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	r := h.must("", "uninstall", "git", "--dry-run", "--file", cfg)
	if r.stderr != "" {
		t.Fatalf("stderr %q", r.stderr)
	}
	if _, err := os.Stat(cfg); !os.IsNotExist(err) {
		t.Fatalf("the dry run wrote %s (%v)", cfg, err)
	}
}
