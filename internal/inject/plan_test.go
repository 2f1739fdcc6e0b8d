package inject

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func rec(target, secret, plat string, env ...string) keychain.Record {
	return keychain.Record{Target: target, Secret: secret, Platform: plat, Env: env, Source: keychain.SourceSet}
}

func TestEnvNames(t *testing.T) {
	reg := platform.Builtin()
	for _, tc := range []struct {
		rec  keychain.Record
		want string
	}{
		{rec("https://a.example.org", "s", "", "A", "B"), "A,B"},
		{rec("https://a.example.org", "s", "cave", "OWN"), "OWN"},
		{rec("https://a.example.org", "s", "cave"), "CAVE_TOKEN"},
		{rec("https://a.example.org", "s", ""), ""},
		{rec("https://a.example.org", "s", "nope"), ""},
	} {
		if got := strings.Join(EnvNames(tc.rec, reg), ","); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.rec, got, tc.want)
		}
	}
}

func TestNewPlanVariables(t *testing.T) {
	base := []string{"PATH=/bin", "EX_TOKEN=from-env", "HOME=/home/u", "PATH=/usr/bin"}
	records := []keychain.Record{
		rec("https://api.example.org", "ex", "", "EX_TOKEN"),
		rec("https://acme.codeocean.com:8443", "cop_abcdefghijk", "codeocean"),
	}
	plan, err := NewPlan(base, whole(records), platform.Builtin(), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PATH=/usr/bin", "EX_TOKEN=ex", "HOME=/home/u", "CODEOCEAN_TOKEN=cop_abcdefghijk",
		"CODEOCEAN_DOMAIN=https://acme.codeocean.com:8443", "TOK_EXEC=1"}
	if strings.Join(plan.Env, "\n") != strings.Join(want, "\n") {
		t.Fatalf("env %q, want %q", plan.Env, want)
	}
	if strings.Join(plan.Order, ",") != "EX_TOKEN,CODEOCEAN_TOKEN,CODEOCEAN_DOMAIN,TOK_EXEC" || plan.Vars["TOK_EXEC"] != "1" {
		t.Fatalf("order %q vars %v", plan.Order, plan.Vars)
	}
	if len(plan.Notes) != 1 || plan.Notes[0] != "replaced EX_TOKEN from the environment with the token for https://api.example.org" {
		t.Fatalf("notes %q", plan.Notes)
	}
	if plan.Dir != "" || len(plan.Files) != 0 {
		t.Fatalf("files without asking: %q %v", plan.Dir, plan.Files)
	}
	// --preserve-env keeps the variable and says so; the same value is no replacement.
	plan, _ = NewPlan([]string{"EX_TOKEN=from-env", "CODEOCEAN_TOKEN=cop_abcdefghijk"}, whole(records), platform.Builtin(), Options{Now: now, PreserveEnv: true})
	if plan.Vars["EX_TOKEN"] != "" || !strings.Contains(strings.Join(plan.Env, "\n"), "EX_TOKEN=from-env") ||
		len(plan.Notes) != 1 || !strings.HasPrefix(plan.Notes[0], "kept EX_TOKEN from the environment (--preserve-env)") {
		t.Fatalf("preserve: env %q notes %q", plan.Env, plan.Notes)
	}
	// tok env: the token variables only.
	plan, _ = NewPlan(nil, whole(records), platform.Builtin(), Options{Now: now, VarsOnly: true, Netrc: true})
	if len(plan.Vars) != 3 || plan.Vars["TOK_EXEC"] != "" || plan.Dir != "" {
		t.Fatalf("vars only: %v, dir %q", plan.Vars, plan.Dir)
	}
}

func TestNewPlanExpired(t *testing.T) {
	old := rec("https://api.example.org", "old", "", "EX_TOKEN")
	old.Expires = now.Add(-90 * time.Second)
	plan, err := NewPlan(nil, whole([]keychain.Record{old}), platform.Builtin(), Options{Now: now})
	if err != nil || len(plan.Notes) != 1 || plan.Notes[0] != "warning: the token for https://api.example.org expired 1m30s ago" {
		t.Fatalf("notes %q, err %v", plan.Notes, err)
	}
	_, err = NewPlan(nil, whole([]keychain.Record{old}), platform.Builtin(), Options{Now: now, Strict: true})
	if !errors.Is(err, ErrExpired) || strings.Contains(err.Error(), "old") {
		t.Fatalf("strict: %v", err)
	}
	old.Expires = now // expired at this instant
	if _, err := NewPlan(nil, whole([]keychain.Record{old}), platform.Builtin(), Options{Now: now, Strict: true}); !errors.Is(err, ErrExpired) {
		t.Fatalf("strict at the instant of expiry: %v", err)
	}
	old.Expires = now.Add(time.Second)
	if _, err := NewPlan(nil, whole([]keychain.Record{old}), platform.Builtin(), Options{Now: now, Strict: true}); err != nil {
		t.Fatalf("strict, still valid: %v", err)
	}
}

// netrc entries: one per host in the platform's Basic shape; a user name or token that netrc
// cannot carry (whitespace of any kind, a quote) is left out with a note, never written so
// that it splits into attributes or another machine entry.
func TestNetrc(t *testing.T) {
	records := []keychain.Record{
		rec("https://api.example.org/v1", "plain-token", ""),
		rec("https://api.example.org/v2", "second-for-host", ""), // one entry per host: two path-scoped records, neither written
		rec("https://acme.codeocean.com", "cop_abcdefghijk", "codeocean"),
		rec("https://[::1]:8443", "v6-token", ""),
		rec("https://*.example.net", "wild", ""),
		rec("https://lf.example.org", "evil\nmachine attacker.example password stolen", ""),
		rec("https://cr.example.org", "a\rb", ""),
		rec("https://crlf.example.org", "evil\r\nmachine attacker.example password stolen", ""),
		rec("https://nl.example.org", "a\nb", ""),
		rec("https://sp.example.org", "a b", ""),
		rec("https://tab.example.org", "a\tb", ""),
		rec("https://quote.example.org", `a"b`, ""),
		rec("https://vt.example.org", "a\vb", ""),
		rec("https://ff.example.org", "a\fb", ""),
	}
	userLF := rec("https://user.example.org", "ok-token", "")
	userLF.Username = "ada\nmachine attacker.example"
	records = append(records, userLF)
	dir := t.TempDir()
	plan, err := NewPlan(nil, whole(records), platform.Builtin(), Options{Now: now, Netrc: true, RuntimeDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Cleanup()
	path := plan.Vars["NETRC"]
	if filepath.Dir(path) != plan.Dir || !strings.HasPrefix(plan.Dir, dir) {
		t.Fatalf("NETRC %q in %q", path, plan.Dir)
	}
	want := "machine acme.codeocean.com\n  login cop_abcdefghijk\n  password \"\"\n" +
		"machine ::1\n  login token\n  password v6-token\n"
	if got := string(plan.Files[path]); got != want {
		t.Fatalf("netrc %q, want %q", got, want)
	}
	left := strings.Join(plan.Notes, "\n")
	for _, host := range []string{"api", "lf", "cr", "crlf", "nl", "sp", "tab", "quote", "vt", "ff", "user"} {
		if !strings.Contains(left, host+".example.org") {
			t.Errorf("no note for %s in %q", host, left)
		}
	}
	if strings.Contains(left, "evil") || strings.Contains(left, "stolen") { // the tokens; a user name is no secret
		t.Fatalf("a secret in the notes: %q", left)
	}
	if err := plan.WriteFiles(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("netrc mode %v (%v)", fi, err)
	}
	if fi, err := os.Stat(plan.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v (%v)", fi, err)
	}
	// The consumer's parser: Python's netrc module reads exactly these hosts and values.
	python, err := exec.LookPath("python3")
	testenv.Require(t, err == nil, "python3")
	if err != nil {
		return
	}
	script := `import json, netrc, sys
n = netrc.netrc(sys.argv[1])
print(json.dumps({h: list(v) for h, v in n.hosts.items()}))`
	out, err := exec.Command(python, "-c", script, path).Output()
	if err != nil {
		t.Fatalf("python netrc: %v", err)
	}
	var hosts map[string][]string
	if err := json.Unmarshal(out, &hosts); err != nil {
		t.Fatal(err)
	}
	wantHosts := map[string][]string{
		"acme.codeocean.com": {"cop_abcdefghijk", "", ""},
		"::1":                {"token", "", "v6-token"},
	}
	if len(hosts) != len(wantHosts) {
		t.Fatalf("python read %v", hosts)
	}
	for h, v := range wantHosts {
		if strings.Join(hosts[h], "|") != strings.Join(v, "|") {
			t.Fatalf("python read %s as %q, want %q", h, hosts[h], v)
		}
	}
	plan.Cleanup()
	if _, err := os.Stat(plan.Dir); !os.IsNotExist(err) {
		t.Fatalf("cleanup left %s", plan.Dir)
	}
}

func TestPlanCave(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".cloudvolume", "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, ".cloudvolume", "secrets", "google-secret.json"), []byte("{}"), 0o600)
	os.WriteFile(filepath.Join(home, ".cloudvolume", "secrets", "cave-secret.json"), []byte(`{"token":"mine"}`), 0o600)
	os.WriteFile(filepath.Join(home, ".bashrc"), nil, 0o600)
	token := strings.Repeat("a", 32)
	records := []keychain.Record{rec("https://global.daf-apis.com", token, "cave"), rec("https://c2.example.org:444", strings.Repeat("b", 32), "cave")}
	plan, err := NewPlan([]string{"HOME=" + home}, whole(records), platform.Builtin(), Options{Now: now, CaveHome: true, RuntimeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Cleanup()
	cv := plan.Vars["CLOUD_VOLUME_DIR"]
	secrets := filepath.Join(cv, "secrets")
	for name, tok := range map[string]string{"cave-secret.json": token, "global.daf-apis.com-cave-secret.json": token,
		"c2.example.org:444-cave-secret.json": strings.Repeat("b", 32)} {
		if got := string(plan.Files[filepath.Join(secrets, name)]); got != `{"token":"`+tok+`"}` {
			t.Errorf("%s: %q", name, got)
		}
	}
	if plan.Links[filepath.Join(secrets, "google-secret.json")] != filepath.Join(home, ".cloudvolume", "secrets", "google-secret.json") {
		t.Errorf("links %v", plan.Links)
	}
	if _, linked := plan.Links[filepath.Join(secrets, "cave-secret.json")]; linked {
		t.Error("the person's own cave-secret.json is linked over tok's")
	}
	fakeHome := plan.Vars["HOME"]
	if filepath.Dir(fakeHome) != plan.Dir || plan.Links[filepath.Join(fakeHome, ".cloudvolume")] != cv ||
		plan.Links[filepath.Join(fakeHome, ".bashrc")] != filepath.Join(home, ".bashrc") {
		t.Errorf("home %q links %v", fakeHome, plan.Links)
	}
	for i := 0; i < 2; i++ { // a second write finds its links already there
		if err := plan.WriteFiles(); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range plan.Links { // every one of them, whatever the map's order
		if _, file := plan.Files[link]; file {
			continue
		}
		if got, err := os.Readlink(link); err != nil || got != target {
			t.Errorf("link %s: %q %v, want %s", link, got, err, target)
		}
	}
	b, err := os.ReadFile(filepath.Join(fakeHome, ".cloudvolume", "secrets", "cave-secret.json"))
	if err != nil || string(b) != `{"token":"`+token+`"}` {
		t.Fatalf("through the mirror: %q %v", b, err)
	}
	if b, _ := os.ReadFile(filepath.Join(home, ".cloudvolume", "secrets", "cave-secret.json")); string(b) != `{"token":"mine"}` {
		t.Fatalf("the person's file changed: %q", b)
	}
}

// curl reads the netrc as written: Code Ocean's empty password included, and the entry after it.
func TestNetrcCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	testenv.Require(t, err == nil, "curl")
	if err != nil {
		return
	}
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	records := []keychain.Record{
		rec("http://"+u.Host, "cop_abcdefghijk", "codeocean"),
		rec("https://after.example.org", "after-token", ""),
	}
	plan, err := NewPlan(nil, whole(records), platform.Builtin(), Options{Now: now, Netrc: true, RuntimeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Cleanup()
	if err := plan.WriteFiles(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(curl, "-sS", "--netrc-file", plan.Vars["NETRC"], srv.URL).CombinedOutput(); err != nil {
		t.Fatalf("curl: %v %s", err, out)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("cop_abcdefghijk:")); <-got != want {
		t.Fatalf("curl sent another Authorization than %q", want)
	}
}

// whole is what selection gives for records named as a whole (--only): each with its own
// variables, else its platform's, and its domain variable.
func whole(records []keychain.Record) []Pick {
	picks := make([]Pick, 0, len(records))
	for _, rec := range records {
		picks = append(picks, Pick{Record: rec, Vars: EnvNames(rec, platform.Builtin()), Domain: true, Whole: true})
	}
	return picks
}
