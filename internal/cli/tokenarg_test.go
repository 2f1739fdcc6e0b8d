package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const pastedJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZGEiLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc"

func TestLooksLikeToken(t *testing.T) {
	for _, s := range []string{
		pastedJWT,
		"Bearer " + pastedJWT,
		"cop_4f9a8b7c6d5e4f3a2b1c",
		"0123456789abcdef0123456789abcdef",         // CAVE
		"0123456789ABCDEF0123456789ABCDEF01234567", // 40 hex
		"ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5",
		"github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
		"glpat-xYz12AbC34dEf56GhI78",
		"sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9",
		"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA",
		"a8Kd93LmQ0zX7pR2vT5wY1nB",
	} {
		if !looksLikeToken(s, nil) {
			t.Errorf("looksLikeToken(%q) = false", s)
		}
	}
	for _, s := range []string{
		"curvenote", "codeocean", "cave", "jwt", "localhost", "github.com", "api.example.org",
		"https://api.example.org/v1/me", "*.example.org", "host:8443", "[::1]:8080",
		"global.daf-apis.com", "https://acme.codeocean.com", "build-server-01-internal",
		"my-very-long-internal-hostname-with-digits-2024", "registry.example.org:5000",
		"https://gitlab.example.org/group/0123456789abcdef0123456789abcdef",
		"https://gitlab.example.org/a/b/c/d/e/f/g/h/i/j", "ghcr.io", "docker.io",
		"internationalization", "x1", "abcdefghijklmnopqrstuvwxyz",
		"https://server2024production1", // a single-label host shaped like a token passes as a URL
	} {
		if looksLikeToken(s, nil) {
			t.Errorf("looksLikeToken(%q) = true", s)
		}
	}
}

// A token pasted as the TARGET is refused without being printed, by every command that
// parses one.
func TestTokenAsTargetIsNotEchoed(t *testing.T) {
	h := newHarness(t)
	h.must("s3cret-token", "set", "https://api.example.org")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for _, args := range [][]string{
		{"get", pastedJWT},
		{"get", "0123456789abcdef0123456789abcdef"},
		{"get", "cop_4f9a8b7c6d5e4f3a2b1c"},
		{"set", pastedJWT},
		{"set", pastedJWT, "--env", "MY_TOKEN"},
		{"delete", pastedJWT},
		{"status", pastedJWT},
		{"refresh", pastedJWT},
		{"login", pastedJWT, "--username", "u", "--password-stdin"},
		{"env", "--only", pastedJWT},
		{"exec", "--only", pastedJWT, "--", "true"},
		{"install", "docker", pastedJWT},
	} {
		r := h.run("pw\n", args...)
		secret := args[1]
		if args[1] == "--only" || args[1] == "docker" {
			secret = args[2]
		}
		if r.code != 2 || !strings.Contains(r.stderr, "looks like a token") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("tok %s: exit %d, stderr %q; want exit 2 and one line", args[0], r.code, r.stderr)
		}
		for _, piece := range []string{secret, secret[:12], secret[len(secret)-12:]} {
			if strings.Contains(r.stderr+r.stdout, piece) {
				t.Errorf("tok %s printed the pasted token: %q", args[0], r.stderr)
			}
		}
	}
	if entries, _ := h.store.List(); len(entries) != 1 {
		t.Errorf("a pasted token changed the store: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("DOCKER_CONFIG"), "config.json")); err == nil {
		t.Error("tok install docker wrote a pasted token into config.json")
	}
}
