package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tok-dev/tok/"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// goList runs go list -json over patterns, as a release build sees them (no cgo, the release
// tags).
func goList(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json", "-tags", "urfave_cli_no_docs"}, args...)...)
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if rest, ok := strings.CutPrefix(p, module); ok {
			out = append(out, rest)
		}
	}
	return out
}

// TestHelpersLinkNoHTTP: git-credential-tok and docker-credential-tok start on every git and
// docker request; net/http and crypto/tls would cost them more start-up time than all their
// own work. Renewal runs tok as a child instead.
func TestHelpersLinkNoHTTP(t *testing.T) {
	for _, p := range goList(t, module+"cmd/git-credential-tok", module+"cmd/docker-credential-tok") {
		deps := goList(t, "-deps", p.ImportPath)
		for _, d := range deps {
			if d.ImportPath == "net/http" || d.ImportPath == "crypto/tls" {
				t.Errorf("%s links %s", p.ImportPath, d.ImportPath)
			}
		}
	}
}

// TestKeychainImportsBusGuard: every binary and test that links keyring stops its D-Bus
// autolaunch, because keychain, the one package that imports keyring, imports the guard.
func TestKeychainImportsBusGuard(t *testing.T) {
	for _, p := range goList(t, module+"...") {
		if slices.Contains(p.Imports, "github.com/99designs/keyring") && p.ImportPath != module+"keychain" {
			t.Errorf("%s imports keyring; only keychain may", p.ImportPath)
		}
	}
	k := goList(t, module+"keychain")[0]
	if !slices.Contains(k.Imports, module+"internal/busguard") {
		t.Error("keychain does not import internal/busguard")
	}
}

// allowed says which of tok's packages each package may import, beside leaves (packages that
// import none of tok's own). Arrows run one way: commands, then wiring, then the protocols and
// delivery, then storage and platform knowledge.
var allowed = map[string][]string{
	"platform":              {},
	"platform/remote":       {"platform"},
	"keychain":              {},
	"helper":                {"keychain", "platform"},
	"internal/dockerconfig": {},
	"install":               {"internal/dockerconfig"},
	"internal/inject":       {"keychain", "platform"},
	"internal/project":      {"keychain", "platform"},
	"internal/importer":     {"internal/dockerconfig", "keychain", "platform"},
	"internal/lifecycle":    {"keychain", "platform", "platform/remote"},
	"internal/setup":        {"helper", "keychain", "platform"},
	"internal/cli": {"helper", "install", "internal/dockerconfig", "internal/inject", "internal/importer", "internal/lifecycle", "internal/project", "internal/mask",
		"internal/setup", "keychain", "platform", "platform/remote"},
	"cmd/tok":                   {"internal/cli"},
	"internal/releasedocs":      {"internal/cli", "internal/setup"}, // man pages and completions, at release time
	"cmd/git-credential-tok":    {"internal/setup"},
	"cmd/docker-credential-tok": {"internal/setup"},
}

// testOnly are packages that exist for tests and benchmarks; they may import anything.
var testOnly = []string{"internal/e2e", "internal/testenv", "internal/testserver", "internal/archtest", "bench/"}

func TestImportsRunOneWay(t *testing.T) {
	pkgs := goList(t, module+"...")
	leaf := map[string]bool{}
	for _, p := range pkgs {
		if len(ours(p.Imports)) == 0 {
			leaf[strings.TrimPrefix(p.ImportPath, module)] = true
		}
	}
	for _, p := range pkgs {
		name := strings.TrimPrefix(p.ImportPath, module)
		if leaf[name] || slices.ContainsFunc(testOnly, func(s string) bool { return strings.HasPrefix(name, s) }) {
			continue
		}
		may, known := allowed[name]
		if !known {
			t.Errorf("%s is not in the layering table: add it to allowed with what it may import", name)
			continue
		}
		for _, imp := range ours(p.Imports) {
			if !leaf[imp] && !slices.Contains(may, imp) {
				t.Errorf("%s imports %s, which it may not (allowed: %v and leaf packages)", name, imp, may)
			}
		}
	}
}
