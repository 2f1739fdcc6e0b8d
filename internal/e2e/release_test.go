package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// releaseBuild builds the three binaries as goreleaser.yaml's builds do (its flags, tags and
// ldflags, read from the file, with {{.Version}} replaced by version) and returns their
// directory.
func releaseBuild(t *testing.T, version string) string {
	t.Helper()
	conf, err := os.ReadFile(filepath.Join("..", "..", "goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	field := func(re string) string {
		m := regexp.MustCompile(re).FindSubmatch(conf)
		if m == nil {
			t.Fatalf("goreleaser.yaml has no match for %s", re)
		}
		return strings.TrimSpace(string(m[1]))
	}
	ldflags := field(`(?m)^\s+ldflags:\s*\n\s+- (.+)$`)
	tags := strings.ReplaceAll(field(`(?m)^\s+tags: \[(.*)\]`), " ", "")
	flags := strings.Fields(strings.ReplaceAll(field(`(?m)^\s+flags: \[(.*)\]`), ",", " "))
	if !strings.Contains(ldflags, "{{.Version}}") {
		t.Fatalf("goreleaser.yaml's ldflags do not set the version: %s", ldflags)
	}
	ldflags = strings.ReplaceAll(ldflags, "{{.Version}}", version)

	dir := t.TempDir()
	args := append([]string{"build", "-o", dir + string(filepath.Separator), "-tags", tags, "-ldflags", ldflags}, flags...)
	cmd := exec.Command("go", append(args, "./cmd/...")...)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir
}

// TestReleaseVersion: a build with goreleaser's ldflags prints one version from all three
// binaries, however each is asked.
func TestReleaseVersion(t *testing.T) {
	const version = "9.8.7-e2e"
	dir := releaseBuild(t, version)
	e := testenv.NewEnv(t)
	for _, c := range []struct {
		bin, arg, want string
	}{
		{"tok", "version", "tok " + version + " ("},
		{"tok", "--version", "tok " + version + " ("},
		{"git-credential-tok", "version", "git-credential-tok (github.com/tok-dev/tok) " + version + "\n"},
		{"git-credential-tok", "--version", "git-credential-tok (github.com/tok-dev/tok) " + version + "\n"},
		{"docker-credential-tok", "version", "docker-credential-tok (github.com/tok-dev/tok) " + version + "\n"},
		{"docker-credential-tok", "--version", "docker-credential-tok (github.com/tok-dev/tok) " + version + "\n"},
	} {
		r := e.Run("", filepath.Join(dir, c.bin), c.arg)
		if r.Code != 0 || !strings.HasPrefix(r.Stdout, c.want) || r.Stderr != "" {
			t.Errorf("%s %s: exit %d, stdout %q (want it to start %q), stderr %q", c.bin, c.arg, r.Code, r.Stdout, c.want, r.Stderr)
		}
	}
}

// TestHelperHelp: both helpers print their usage on --help, to stdout, with status 0.
func TestHelperHelp(t *testing.T) {
	e := testenv.NewEnv(t)
	for _, bin := range []string{"git-credential-tok", "docker-credential-tok"} {
		for _, arg := range []string{"--help", "-h"} {
			r := e.Run("", bin, arg)
			if r.Code != 0 || !strings.Contains(r.Stdout, "\nUsage: "+bin+" ") || !strings.Contains(r.Stdout, "tok install") || r.Stderr != "" {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q", bin, arg, r.Code, r.Stdout, r.Stderr)
			}
		}
	}
}
