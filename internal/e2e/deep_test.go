package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// TestGitDeepNestedGroups: GitLab nests groups without limit; a repository 11 segments deep is
// cloned with the host-wide record, and one below an 8-segment path record with that record
// (the server takes only the right one, and git has no other way to a password).
func TestGitDeepNestedGroups(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := gitEnv(t)
	group8 := "/g1/g2/g3/g4/g5/g6/g7/g8"
	srv := newGitServer(t, func(p string) string {
		if strings.HasPrefix(p, group8+"/") {
			return "group-token"
		}
		return "host-token"
	})
	srv.addRepo(t, e, "a1/a2/a3/a4/a5/a6/a7/a8/a9/a10/repo.git")
	srv.addRepo(t, e, strings.TrimPrefix(group8, "/")+"/g9/g10/repo.git")
	if r := e.Run("host-token", "tok", "set", srv.URL); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("group-token", "tok", "set", srv.URL+group8); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := e.Run("", "tok", "install", "git"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	// git sends the path for every URL, as for per-project tokens.
	if r := e.Run("", "git", "config", "--global", "credential.useHttpPath", "true"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	for i, repo := range []string{"a1/a2/a3/a4/a5/a6/a7/a8/a9/a10/repo.git", strings.TrimPrefix(group8, "/") + "/g9/g10/repo.git"} {
		if r := e.Run("", "git", "clone", "-q", srv.URL+"/"+repo, filepath.Join(e.Dir, "c", string(rune('a'+i)))); r.Code != 0 {
			t.Fatalf("clone %s: %s", repo, r.Stderr)
		}
	}
}
