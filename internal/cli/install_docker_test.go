package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallDocker(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"auths":{},"psFormat":"table"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// With registries named: credHelpers for each.
	h.must("pw", "set", "registry.example.org:5000", "--registry")
	h.must("api", "set", "https://api.example.org")
	h.must("", "install", "docker", "ghcr.io")
	h.must("", "install", "docker", "registry.example.org:5000")
	var conf map[string]any
	b, _ := os.ReadFile(cfg)
	if err := json.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	helpers, _ := conf["credHelpers"].(map[string]any)
	if helpers["ghcr.io"] != "tok" || helpers["registry.example.org:5000"] != "tok" || len(helpers) != 2 || conf["psFormat"] != "table" {
		t.Fatalf("config %s", b)
	}
	if r := h.run("", "install", "docker", "https://u:p@bad.example.org"); r.code != 2 || strings.Contains(r.stderr, "u:p") {
		t.Fatalf("a bad registry: exit %d stderr %q", r.code, r.stderr)
	}
	r := h.must("", "uninstall", "docker")
	if !strings.HasPrefix(r.stderr, "Removed from "+cfg) {
		t.Fatalf("uninstall: %q", r.stderr)
	}
	b, _ = os.ReadFile(cfg)
	if strings.Contains(string(b), `"tok"`) || !strings.Contains(string(b), "psFormat") {
		t.Fatalf("after uninstall: %s", b)
	}
	if r := h.must("", "uninstall", "docker"); !strings.Contains(r.stderr, "does not name tok; nothing changed") {
		t.Fatalf("second uninstall: %q", r.stderr)
	}
}
