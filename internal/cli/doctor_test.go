package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// doctor reports in a fixed order, the same on every run, and exits 1 when something is wrong.
func TestDoctor(t *testing.T) {
	h := newHarness(t)
	bin := t.TempDir()
	path := bin
	if git, err := exec.LookPath("git"); err == nil {
		path += string(os.PathListSeparator) + filepath.Dir(git)
	}
	t.Setenv("PATH", path)
	h.must("a", "set", "https://a.example.org")
	first := h.run("", "doctor")
	if first.code != 1 || !strings.Contains(first.stdout, "FAIL  git-credential-tok is not on PATH") || !strings.HasSuffix(first.stdout, "2 problem(s) found.\n") {
		t.Fatalf("exit %d, stdout:\n%s", first.code, first.stdout)
	}
	at := -1
	for _, section := range []string{"Configuration\n", "Backend\n", "Plaintext tokens\n", "Helpers\n"} {
		i := strings.Index(first.stdout, section)
		if i < at {
			t.Fatalf("%q out of order:\n%s", section, first.stdout)
		}
		at = i
	}
	for i := 0; i < 3; i++ {
		if again := h.run("", "doctor"); again.stdout != first.stdout {
			t.Fatalf("run %d differs:\n%s\nfrom:\n%s", i, again.stdout, first.stdout)
		}
	}
	for _, name := range []string{"git-credential-tok", "docker-credential-tok"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if r := h.run("", "doctor"); strings.Contains(r.stdout, "FAIL") || r.code != 0 {
		t.Fatalf("with the helpers on PATH: exit %d\n%s", r.code, r.stdout)
	}
}
