package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
)

const debianPython = "/usr/bin/python3"

func execEnv(t *testing.T) *testenv.Env {
	e := testenv.NewEnv(t).FileBackend("pw")
	for _, c := range []struct{ secret, target string }{
		{"0123456789abcdef0123456789abcdef", "global.daf-apis.com"},
		{"cop_abcdefghijklmnop", "https://acme.codeocean.com"},
		{"custom-secret", "https://api.example.org --env EXAMPLE_TOKEN --env OTHER_TOKEN"},
		{"no-env-secret", "https://plain.example.org"},
	} {
		if r := e.Run(c.secret, "tok", append([]string{"set"}, strings.Fields(c.target)...)...); r.Code != 0 {
			t.Fatal(r.Stderr)
		}
	}
	return e
}

func requirePython(t *testing.T) {
	testenv.Require(t, testenv.FileExists(debianPython), "Debian's python3 (apt install python3)")
}

// pythonReport is a script that prints, as JSON, what an unmodified SDK would find.
const pythonReport = `
import json, os, sys
out = {k: os.environ.get(k) for k in ["CODEOCEAN_TOKEN", "CODEOCEAN_DOMAIN", "CAVE_TOKEN", "EXAMPLE_TOKEN", "OTHER_TOKEN", "TOK_EXEC", "CURVENOTE_TOKEN"]}
cv = os.environ.get("CLOUD_VOLUME_DIR", os.path.expanduser("~/.cloudvolume"))
def read(p):
    try:
        return json.load(open(p))["token"]
    except Exception as e:
        return None
out["cloudvolume_server"] = read(os.path.join(cv, "secrets", "global.daf-apis.com-cave-secret.json"))
out["cloudvolume_default"] = read(os.path.join(cv, "secrets", "cave-secret.json"))
out["caveclient_home"] = read(os.path.expanduser("~/.cloudvolume/secrets/cave-secret.json"))
out["argv"] = sys.argv[1:]
out["dir"] = os.path.dirname(cv) if "CLOUD_VOLUME_DIR" in os.environ else None
print(json.dumps(out))
`

func runReport(t *testing.T, e *testenv.Env, args ...string) map[string]any {
	t.Helper()
	script := filepath.Join(e.Dir, "report.py")
	os.WriteFile(script, []byte(pythonReport), 0o600)
	r := e.Run("", "tok", append(append([]string{"exec"}, args...), "--", debianPython, script, "arg1")...)
	if r.Code != 0 {
		t.Fatalf("tok exec: exit %d: %s", r.Code, r.Stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("%v: %q", err, r.Stdout)
	}
	return out
}

func TestExecInjectsWhatSDKsRead(t *testing.T) {
	requirePython(t)
	e := execEnv(t)
	got := runReport(t, e)
	want := map[string]any{
		"CODEOCEAN_TOKEN": "cop_abcdefghijklmnop", "CODEOCEAN_DOMAIN": "https://acme.codeocean.com",
		"CAVE_TOKEN": "0123456789abcdef0123456789abcdef", "EXAMPLE_TOKEN": "custom-secret",
		"OTHER_TOKEN": "custom-secret", "TOK_EXEC": "1", "CURVENOTE_TOKEN": nil,
		"cloudvolume_server": "0123456789abcdef0123456789abcdef", "cloudvolume_default": "0123456789abcdef0123456789abcdef",
		"caveclient_home": nil,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if dir, _ := got["dir"].(string); dir == "" || !strings.HasPrefix(dir, e.Vars["XDG_RUNTIME_DIR"]) {
		t.Errorf("private files in %v, want under XDG_RUNTIME_DIR", got["dir"])
	} else if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s outlived the program: %v", dir, err)
	}
	// --cave-home: CAVEclient's hard-coded ~/.cloudvolume path finds the token; the real home is untouched.
	got = runReport(t, e, "--only", "cave", "--cave-home")
	if got["caveclient_home"] != "0123456789abcdef0123456789abcdef" || got["CODEOCEAN_TOKEN"] != nil {
		t.Errorf("--only cave --cave-home: %v", got)
	}
	if _, err := os.Stat(filepath.Join(e.Vars["HOME"], ".cloudvolume")); !os.IsNotExist(err) {
		t.Errorf("tok exec wrote into the real home: %v", err)
	}
	if runs, _ := os.ReadDir(e.Vars["XDG_RUNTIME_DIR"]); len(runs) != 0 {
		t.Errorf("temporary files left: %v", runs)
	}
}

func TestExecKeepsUserCaveFiles(t *testing.T) {
	requirePython(t)
	e := execEnv(t)
	secrets := filepath.Join(e.Vars["HOME"], ".cloudvolume", "secrets")
	os.MkdirAll(secrets, 0o700)
	os.WriteFile(filepath.Join(secrets, "cave-secret.json"), []byte(`{"token":"users-own"}`), 0o600)
	os.WriteFile(filepath.Join(secrets, "google-secret.json"), []byte(`{"token":"google"}`), 0o600)
	r := e.Run("", "tok", "exec", "--only", "cave", "--", "sh", "-c", `cat "$CLOUD_VOLUME_DIR/secrets/google-secret.json"; cat "$CLOUD_VOLUME_DIR/secrets/cave-secret.json"`)
	if !strings.Contains(r.Stdout, `{"token":"google"}`) || !strings.Contains(r.Stdout, "0123456789abcdef") {
		t.Fatalf("the private CloudVolume dir: %q %q", r.Stdout, r.Stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(secrets, "cave-secret.json")); string(data) != `{"token":"users-own"}` {
		t.Fatalf("the user's own file changed: %s", data)
	}
}

func TestExecEnvironmentRules(t *testing.T) {
	e := execEnv(t)
	e.Vars["EXAMPLE_TOKEN"] = "from-shell"
	r := e.Run("", "tok", "exec", "--only", "https://api.example.org", "--", "sh", "-c", `printf %s "$EXAMPLE_TOKEN"`)
	if r.Stdout != "custom-secret" || !strings.Contains(r.Stderr, "replaced EXAMPLE_TOKEN") {
		t.Fatalf("replace: %q %q", r.Stdout, r.Stderr)
	}
	r = e.Run("", "tok", "exec", "--preserve-env", "--only", "https://api.example.org", "--", "sh", "-c", `printf %s "$EXAMPLE_TOKEN"`)
	if r.Stdout != "from-shell" {
		t.Fatalf("--preserve-env: %q %q", r.Stdout, r.Stderr)
	}
	delete(e.Vars, "EXAMPLE_TOKEN")
	e.Run("expired", "tok", "set", "https://old.example.org", "--env", "OLD_TOKEN", "--expires", "2020-01-01")
	r = e.Run("", "tok", "exec", "--only", "https://old.example.org", "--", "sh", "-c", `printf %s "$OLD_TOKEN"`)
	if r.Code != 0 || r.Stdout != "expired" || !strings.Contains(r.Stderr, "expired") {
		t.Fatalf("expired without --strict: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	r = e.Run("", "tok", "exec", "--strict", "--only", "https://old.example.org", "--", "sh", "-c", "echo ran")
	if r.Code != 1 || strings.Contains(r.Stdout, "ran") {
		t.Fatalf("--strict ran the program: %d %q", r.Code, r.Stdout)
	}
	if r = e.Run("", "tok", "exec", "--", "no-such-program-anywhere"); r.Code != 127 {
		t.Fatalf("missing program: exit %d", r.Code)
	}
	notExec := filepath.Join(e.Dir, "script.sh")
	os.WriteFile(notExec, []byte("#!/bin/sh\necho hi\n"), 0o600)
	if r = e.Run("", "tok", "exec", "--", notExec); r.Code != 126 {
		t.Fatalf("not executable: exit %d %q", r.Code, r.Stderr)
	}
	if r = e.Run("", "tok", "exec", "--", "sh", "-c", "exit 42"); r.Code != 42 {
		t.Fatalf("exit status: %d", r.Code)
	}
	// No secret in the program's argv: its command line is exactly what was given.
	r = e.Run("", "tok", "exec", "--", "sh", "-c", `tr '\0' ' ' < /proc/$$/cmdline`)
	if strings.Contains(r.Stdout, "secret") || strings.Contains(r.Stdout, "cop_") {
		t.Fatalf("a token in argv: %q", r.Stdout)
	}
}

// TestExecSignals: with files to clean up tok runs the program as a child; a signal sent to
// tok reaches it, its status comes back, and the files are gone afterwards.
func TestExecSignals(t *testing.T) {
	for _, c := range []struct {
		name string
		sig  syscall.Signal
		code int
	}{{"SIGTERM handled", syscall.SIGTERM, 7}, {"SIGHUP kills", syscall.SIGHUP, 128 + int(syscall.SIGHUP)}, {"SIGINT handled", syscall.SIGINT, 7}} {
		t.Run(c.name, func(t *testing.T) {
			e := execEnv(t)
			script := `trap 'echo got-signal; exit 7' TERM INT; echo ready; while :; do sleep 0.05; done`
			if c.sig == syscall.SIGHUP {
				script = `echo ready; while :; do sleep 0.05; done`
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := e.Command(ctx, "tok", "exec", "--only", "cave", "--", "sh", "-c", script)
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(out)
			if line, _ := br.ReadString('\n'); line != "ready\n" {
				t.Fatalf("child said %q", line)
			}
			runs, _ := os.ReadDir(e.Vars["XDG_RUNTIME_DIR"])
			if len(runs) != 1 {
				t.Fatalf("expected one private dir while running, found %d", len(runs))
			}
			cmd.Process.Signal(c.sig)
			rest, _ := bufio.NewReader(br).ReadString(0)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Fatalf("exit %d, want %d (output %q)", code, c.code, rest)
			}
			if runs, _ := os.ReadDir(e.Vars["XDG_RUNTIME_DIR"]); len(runs) != 0 {
				t.Fatalf("temporary files left after %s", c.sig)
			}
		})
	}
}

// TestExecReplacesItself: with nothing to clean up the program takes over tok's process.
func TestExecReplacesItself(t *testing.T) {
	e := execEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := e.Command(ctx, "tok", "exec", "--only", "codeocean", "--", "sh", "-c", "echo $$")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) != itoa(cmd.Process.Pid) {
		t.Fatalf("program pid %s, tok pid %d: tok did not replace itself", out, cmd.Process.Pid)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestExecNetrcWithRequests(t *testing.T) {
	requirePython(t)
	testenv.Require(t, testenv.FileExists("/usr/lib/python3/dist-packages/requests/__init__.py"), "Debian's python3-requests")
	e := execEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "cop_abcdefghijklmnop" || p != "" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte("hello " + u[:4]))
	}))
	defer srv.Close()
	// The loopback server stands in for the Code Ocean host: the record is stored for it.
	e.Run("cop_abcdefghijklmnop", "tok", "set", srv.URL, "--platform", "codeocean")
	script := filepath.Join(e.Dir, "fetch.py")
	os.WriteFile(script, []byte("import requests, sys\nr = requests.get(sys.argv[1])\nprint(r.status_code, r.text)\n"), 0o600)
	r := e.Run("", "tok", "exec", "--netrc", "--only", srv.URL, "--", debianPython, script, srv.URL+"/api/v1/")
	if strings.TrimSpace(r.Stdout) != "200 hello cop_" {
		t.Fatalf("requests through --netrc: %q %q", r.Stdout, r.Stderr)
	}
	if runs, _ := os.ReadDir(e.Vars["XDG_RUNTIME_DIR"]); len(runs) != 0 {
		t.Fatal("the netrc outlived the program")
	}
}

func TestEnvFormats(t *testing.T) {
	e := execEnv(t)
	e.Run("it's \"q\" $x", "tok", "set", "https://quote.example.org", "--env", "QUOTED")
	r := e.Run("", "tok", "env", "--only", "https://quote.example.org")
	check := e.Run("", "sh", "-c", r.Stdout+`printf %s "$QUOTED"`)
	if check.Stdout != `it's "q" $x` {
		t.Fatalf("sh format does not round-trip: %q from %q", check.Stdout, r.Stdout)
	}
	r = e.Run("", "tok", "env", "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(r.Stdout), &vars); err != nil || vars["CAVE_TOKEN"] == "" || vars["TOK_EXEC"] != "" {
		t.Fatalf("json: %q %v", r.Stdout, err)
	}
	for _, f := range []string{"fish", "powershell", "dotenv"} {
		if r = e.Run("", "tok", "env", "--format", f); r.Code != 0 || !strings.Contains(r.Stdout, "CAVE_TOKEN") {
			t.Errorf("%s: %q %q", f, r.Stdout, r.Stderr)
		}
	}
	if r = e.Run("", "tok", "env", "--format", "xml"); r.Code != 2 {
		t.Errorf("unknown format: exit %d", r.Code)
	}
}

// netrcReport reads the netrc tok exec --netrc wrote with Debian's own parsers: Python's netrc
// module (every entry, "default" included), requests.utils.get_netrc_auth for each URL given,
// and curl --netrc-file against each URL given (the loopback server echoes the Basic pair).
const netrcReport = `
import json, netrc, os, subprocess, sys
import requests.utils
path = os.environ["NETRC"]
out = {"hosts": {h: list(v) for h, v in netrc.netrc(path).hosts.items()}, "requests": {}, "curl": {}}
for url in sys.argv[1:]:
    out["requests"][url] = requests.utils.get_netrc_auth(url)
    out["curl"][url] = subprocess.run(["curl", "-s", "--netrc-file", path, url], capture_output=True, text=True).stdout
print(json.dumps(out))
`

// TestExecNetrcRealParsers: the netrc --netrc writes parses to exactly the intended (machine,
// login, password) triples in Python's netrc, requests and curl: Code Ocean's empty password
// included; values netrc cannot carry and records netrc cannot scope are left out, named on
// stderr; a user name that spells netrc keywords never becomes a "default" entry.
func TestExecNetrcRealParsers(t *testing.T) {
	requirePython(t)
	testenv.Require(t, testenv.FileExists("/usr/lib/python3/dist-packages/requests/__init__.py"), "Debian's python3-requests")
	testenv.Require(t, testenv.Have("curl"), "curl (apt install curl)")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok {
			w.Write([]byte("no auth"))
			return
		}
		w.Write([]byte(u + ":" + p))
	}))
	defer srv.Close()
	e := testenv.NewEnv(t).FileBackend("pw")
	set := func(secret string, args ...string) {
		if r := e.Run(secret, "tok", append([]string{"set"}, args...)...); r.Code != 0 {
			t.Fatalf("tok set %v: %s", args, r.Stderr)
		}
	}
	set("cop_abcdefghijklmnop", srv.URL, "--platform", "codeocean") // http and a port, alone on its host
	set("s3cret", "https://api.example.org", "--username", "alice")
	set("tok1", "https://evil.example.org", "--username", "x default login x")
	set("has space", "https://space.example.org")
	set("broad", "https://multi.example.org")
	set("narrow", "https://multi.example.org:8443")
	only := []string{"exec", "--netrc"}
	for _, o := range []string{srv.URL, "https://api.example.org", "https://evil.example.org", "https://space.example.org", "https://multi.example.org", "https://multi.example.org:8443"} {
		only = append(only, "--only", o)
	}
	script := filepath.Join(e.Dir, "netrc_report.py")
	os.WriteFile(script, []byte(netrcReport), 0o600)
	r := e.Run("", "tok", append(only, "--", debianPython, script, srv.URL+"/api/")...)
	if r.Code != 0 {
		t.Fatalf("tok exec --netrc: %d %s", r.Code, r.Stderr)
	}
	var got struct {
		Hosts    map[string][]string
		Requests map[string][]string
		Curl     map[string]string
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("%v: %q (stderr %s)", err, r.Stdout, r.Stderr)
	}
	want := map[string][]string{
		"127.0.0.1":         {"cop_abcdefghijklmnop", "", ""},
		"api.example.org":   {"alice", "", "s3cret"},
		"multi.example.org": {"token", "", "broad"},
	}
	if fmt.Sprint(got.Hosts) != fmt.Sprint(want) {
		t.Fatalf("Python's netrc reads %v, want %v", got.Hosts, want)
	}
	if a := got.Requests[srv.URL+"/api/"]; fmt.Sprint(a) != "[cop_abcdefghijklmnop ]" {
		t.Errorf("requests.utils.get_netrc_auth: %q", a)
	}
	if c := got.Curl[srv.URL+"/api/"]; c != "cop_abcdefghijklmnop:" {
		t.Errorf("curl --netrc-file sent %q", c)
	}
	for _, note := range []string{
		"left out https://x%20default%20login%20x@evil.example.org",
		"left out https://space.example.org",
		"multi.example.org gets https://multi.example.org; left out https://multi.example.org:8443",
	} {
		if !strings.Contains(r.Stderr, note) {
			t.Errorf("stderr does not say %q: %s", note, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "has space") || strings.Contains(r.Stderr, "s3cret") {
		t.Error("a secret reached stderr")
	}
}

// TestExecSelectionSeveralRecords (issue 13, item 1): two Curvenote accounts, two CAVE servers
// and two Code Ocean deployments. An unmodified Python program gets each platform's default
// record, never the last in sort order; stderr says which record each variable got; named
// records and --env NAME=TARGET give the others; nothing claims to replace a variable the
// environment never had.
func TestExecSelectionSeveralRecords(t *testing.T) {
	requirePython(t)
	e := testenv.NewEnv(t).FileBackend("pw")
	ada, bob := curvenoteUserToken(t, "ada@example.org"), curvenoteUserToken(t, "bob@example.org")
	for _, c := range []struct {
		secret string
		args   []string
	}{
		{ada, []string{"curvenote", "--username", "ada"}},
		{bob, []string{"curvenote", "--username", "bob"}},
		{"11111111111111111111111111111111", []string{"https://cave.zz.example.org", "--platform", "cave"}},
		{"22222222222222222222222222222222", []string{"global.daf-apis.com"}},
		{"cop_zeta00000000", []string{"https://zeta.codeocean.com"}},
		{"cop_acme00000000", []string{"https://acme.codeocean.com"}},
	} {
		if r := e.Run(c.secret, "tok", append([]string{"set"}, c.args...)...); r.Code != 0 {
			t.Fatal(r.Stderr)
		}
	}
	script := filepath.Join(e.Dir, "report.py")
	os.WriteFile(script, []byte(pythonReport), 0o600)
	run := func(args ...string) (map[string]any, string) {
		t.Helper()
		r := e.Run("", "tok", append(append([]string{"exec"}, args...), "--", debianPython, script)...)
		var out map[string]any
		if err := json.Unmarshal([]byte(r.Stdout), &out); r.Code != 0 || err != nil {
			t.Fatalf("tok exec %v: exit %d %v: %s", args, r.Code, err, r.Stderr)
		}
		return out, r.Stderr
	}
	out, stderr := run()
	if out["CURVENOTE_TOKEN"] != ada || out["CAVE_TOKEN"] != "22222222222222222222222222222222" ||
		out["CODEOCEAN_TOKEN"] != "cop_zeta00000000" || out["CODEOCEAN_DOMAIN"] != "https://zeta.codeocean.com" {
		t.Fatalf("tok exec did not give each platform's default record: %v", out)
	}
	for _, note := range []string{
		"CURVENOTE_TOKEN is the token for https://ada@api.curvenote.com",
		"CAVE_TOKEN is the token for https://global.daf-apis.com",
		"CODEOCEAN_TOKEN is the token for https://zeta.codeocean.com",
	} {
		if !strings.Contains(stderr, note) {
			t.Errorf("stderr does not say %q: %s", note, stderr)
		}
	}
	if strings.Contains(stderr, "replaced") {
		t.Errorf("stderr claims a replacement the environment never had: %s", stderr)
	}
	out, _ = run("--only", "https://bob@api.curvenote.com", "--only", "cave:cave.zz.example.org")
	if out["CURVENOTE_TOKEN"] != bob || out["CAVE_TOKEN"] != "11111111111111111111111111111111" || out["CODEOCEAN_TOKEN"] != nil {
		t.Fatalf("named records: %v", out)
	}
	out, _ = run("--env", "CODEOCEAN_TOKEN=https://acme.codeocean.com", "--only", "codeocean")
	if out["CODEOCEAN_TOKEN"] != "cop_acme00000000" || out["CODEOCEAN_DOMAIN"] != "https://acme.codeocean.com" {
		t.Fatalf("--env CODEOCEAN_TOKEN=TARGET: %v", out)
	}
	if r := e.Run("", "tok", "get", "curvenote"); strings.TrimSpace(r.Stdout) != ada {
		t.Fatal("tok get curvenote disagrees with tok exec")
	}
}

// TestSelectionEveryBackend: the selection index is an item like the records on every backend
// (vault, Secret Service, pass, file): selection, tok default and deletes keep it right, and it
// never shows up as a record.
func TestSelectionEveryBackend(t *testing.T) {
	for name, setup := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := setup(t)
			for _, c := range [][2]string{
				{"11111111111111111111111111111111", "https://first.cave.example.org"},
				{"22222222222222222222222222222222", "https://second.cave.example.org"},
			} {
				if r := e.Run(c[0], "tok", "set", c[1], "--platform", "cave"); r.Code != 0 {
					t.Fatalf("tok set: %s", r.Stderr)
				}
			}
			caveToken := func() string {
				t.Helper()
				r := e.Run("", "tok", "env", "--format", "json")
				var vars map[string]string
				if err := json.Unmarshal([]byte(r.Stdout), &vars); err != nil {
					t.Fatalf("tok env: %v %s", err, r.Stderr)
				}
				return vars["CAVE_TOKEN"]
			}
			if got := caveToken(); got != "11111111111111111111111111111111" {
				t.Fatalf("CAVE_TOKEN %q, want the first stored server's", got)
			}
			if r := e.Run("", "tok", "default", "cave:second.cave.example.org"); r.Code != 0 {
				t.Fatalf("tok default: %s", r.Stderr)
			}
			if got := caveToken(); got != "22222222222222222222222222222222" {
				t.Fatalf("after tok default, CAVE_TOKEN %q, want the second server's", got)
			}
			e.Run("", "tok", "delete", "https://second.cave.example.org")
			if got := caveToken(); got != "11111111111111111111111111111111" {
				t.Fatalf("after deleting the default server, CAVE_TOKEN %q", got)
			}
			var listed []map[string]any
			if err := json.Unmarshal([]byte(e.Run("", "tok", "list", "--json").Stdout), &listed); err != nil || len(listed) != 1 {
				t.Fatalf("tok list: %d records, %v (the index is no record)", len(listed), err)
			}
		})
	}
}
