package importer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// TestGitCredentialLinesAsGit: each line is decoded as git's credential-store decodes it: asked
// for the decoded protocol, host, path and user, real git gives back the decoded password.
func TestGitCredentialLinesAsGit(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	lines := []string{
		"https://u%00x:p%00w@h.example.org",
		"https://u:p+q%2Bx@h.example.org",
		"https://u:p%2@h.example.org",
		"https://u:p%zz@h.example.org",
		"https://u:p@h.example.org/a/b//",
		"https://u:p@h.example.org///a",
		"https://u:p:q@h.example.org",
		"http://alice:pw@127.0.0.1%3a8741",
		"https://u:p%40x%3A%2f@h.example.org%3A8443/g%20h/r.git",
		"https://:only-password@h.example.org",
		"https://u%20v:@h.example.org",
	}
	dir := t.TempDir()
	for _, line := range lines {
		c, ok := parseGitCredentialLine(line)
		if !ok {
			t.Errorf("%q not read", line)
			continue
		}
		file := filepath.Join(dir, "creds")
		os.WriteFile(file, []byte(line+"\n"), 0o600)
		in := "protocol=" + c.protocol + "\nhost=" + c.host + "\nusername=" + c.username + "\n"
		if c.path != "" {
			in += "path=" + c.path + "\n"
		}
		cmd := exec.Command("git", "credential-store", "--file", file, "get")
		cmd.Stdin = strings.NewReader(in + "\n")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git: %v", err)
		}
		if !strings.Contains(string(out), "password="+c.password+"\n") {
			t.Errorf("%q: tok reads %+v; git answers %q", line, c, out)
		}
	}
	for line, want := range map[string]gitCredential{
		"https://u:p@h.example.org?x=1":        {"https", "u", "p", "h.example.org", "?x=1"},
		"https://u:p@h.example.org#f":          {"https", "u", "p", "h.example.org", "#f"},
		"http://alice:pw@127.0.0.1%3a8741/a/":  {"http", "alice", "pw", "127.0.0.1:8741", "a"},
		"https://u:p%40x%2B@h.example.org/g/r": {"https", "u", "p@x+", "h.example.org", "g/r"},
	} {
		if c, ok := parseGitCredentialLine(line); !ok || c != want {
			t.Errorf("%q read as %+v; want %+v", line, c, want)
		}
	}
	for _, line := range []string{"", "no-scheme", "https://h.example.org", "https://u@h.example.org", "https://h.example.org/u:p@x", "https://u:p%0a@h.example.org"} {
		if c, ok := parseGitCredentialLine(line); ok {
			t.Errorf("%q read as %+v; git-credential-store does not use it", line, c)
		}
	}
}
