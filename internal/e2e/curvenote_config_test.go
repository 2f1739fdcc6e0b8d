package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCurvenoteConfigRefusesForeignHost: a config file that adds a host other than a loopback
// one to curvenote is refused by the built tok with one line, before anything is stored or sent
// (internal/setup's test shows what the host would otherwise be trusted for: the exchange).
func TestCurvenoteConfigRefusesForeignHost(t *testing.T) {
	e, srv := lifecycleEnv(t)
	cfg := filepath.Join(e.Vars["XDG_CONFIG_HOME"], "tok", "config.json")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	local := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	userToken := srv.CurvenoteUserToken("u1/t1", "https://curvenote.example.org/v1/login")
	os.WriteFile(cfg, []byte(`{"platforms":[{"name":"curvenote","hosts":["curvenote.example.org"]}]}`), 0o600)
	r := e.Run(userToken, "tok", "set", "curvenote")
	want := `config file: platform curvenote: host "curvenote.example.org": only a loopback host`
	if r.Code == 0 || !strings.Contains(r.Stderr, want) || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q; want one line with %q", r.Code, r.Stderr, want)
	}
	if strings.Contains(r.Stderr, userToken) {
		t.Fatal("the token is in the error")
	}
	// A loopback host stays allowed (README: for development).
	os.WriteFile(cfg, []byte(`{"platforms":[{"name":"curvenote","hosts":["localhost"]}]}`), 0o600)
	if r := e.Run(srv.CurvenoteUserToken("u1/t1", local+"/v1/login"), "tok", "set", "curvenote"); r.Code != 0 || !strings.Contains(r.Stderr, local) {
		t.Fatalf("a loopback curvenote host: exit %d %q", r.Code, r.Stderr)
	}
}
