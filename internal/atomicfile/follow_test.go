package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestEditFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	dots := filepath.Join(dir, "dotfiles")
	os.Mkdir(dots, 0o755)
	real := filepath.Join(dots, "netrc")
	os.WriteFile(real, []byte("old"), 0o644)
	os.Chmod(real, 0o644)
	link := filepath.Join(dir, ".netrc")
	// A relative link, two hops, as stow makes them.
	mid := filepath.Join(dir, "mid")
	os.Symlink("dotfiles/netrc", mid)
	os.Symlink("mid", link)
	got, err := Edit(link, []byte("new"))
	if err != nil || got != real {
		t.Fatalf("Edit = %q, %v", got, err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Fatalf("target holds %q", b)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if entries, _ := os.ReadDir(dots); len(entries) != 1 {
		t.Fatalf("temp files left: %v", entries)
	}
	if _, err := Remove(link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{real, link} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s still there", p)
		}
	}
}

func TestEditRefusesHardLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipped: link counts are read on unix only")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("secret"), 0o600)
	if err := os.Link(a, b); err != nil {
		t.Fatal(err)
	}
	if _, err := Edit(a, []byte("gone")); err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Fatalf("Edit of a hard-linked file: %v", err)
	}
	if got, _ := os.ReadFile(b); string(got) != "secret" {
		t.Fatal("changed")
	}
}
