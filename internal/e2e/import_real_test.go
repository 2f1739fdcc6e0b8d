package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker/cli/cli/config/configfile"

	"github.com/tok-dev/tok/internal/testenv"
)

// dotfiles puts content in a separate dotfiles directory with mode, and links rel in HOME to it,
// as stow and chezmoi do. It returns the real file's path.
func dotfiles(t *testing.T, e *testenv.Env, rel, name, content string, mode os.FileMode) string {
	t.Helper()
	dir := filepath.Join(e.Dir, "dotfiles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, name)
	if content != "" {
		if err := os.WriteFile(real, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(real, mode)
	}
	link := filepath.Join(e.Vars["HOME"], rel)
	os.MkdirAll(filepath.Dir(link), 0o700)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	return real
}

// assertLinkedFile checks that link is still a symlink to real, and real's content and mode.
func assertLinkedFile(t *testing.T, link, real, want string, mode os.FileMode) {
	t.Helper()
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symlink (%v)", link, err)
	}
	if dest, _ := os.Readlink(link); dest != real {
		t.Errorf("%s now points to %q, want %q", link, dest, real)
	}
	got, err := os.ReadFile(real)
	if err != nil || string(got) != want {
		t.Errorf("%s:\n%q\nwant\n%q (%v)", real, got, want, err)
	}
	if fi, err := os.Stat(real); err != nil || fi.Mode().Perm() != mode {
		t.Errorf("%s mode %v, want %o", real, fi.Mode().Perm(), mode)
	}
}

func pythonNetrcHosts(t *testing.T, path string) map[string][3]string {
	t.Helper()
	testenv.Require(t, testenv.Have("python3"), "python3 (its netrc module is the reference reader)")
	out, err := exec.Command("python3", "-c", "import json, netrc, sys; print(json.dumps(netrc.netrc(sys.argv[1]).hosts))", path).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 netrc: %v %s", err, out)
	}
	var hosts map[string][3]string
	if err := json.Unmarshal(out, &hosts); err != nil {
		t.Fatal(err)
	}
	return hosts
}

// curlNetrcAuth is the user and password curl sends to host from the netrc file.
func curlNetrcAuth(t *testing.T, netrc, host string) string {
	t.Helper()
	testenv.Require(t, testenv.Have("curl"), "curl")
	var mu sync.Mutex
	got := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		mu.Lock()
		got = u + ":" + p
		mu.Unlock()
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	out, err := exec.Command("curl", "-sS", "--netrc-file", netrc, "--resolve", host+":"+port+":127.0.0.1", "http://"+host+":"+port+"/").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v %s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

// TestImportNetrcAsPythonAndCurl: a symlinked netrc in a dotfiles directory, with quoted values,
// escapes, a macro, comments, account, default and an anonymous entry. tok imports exactly
// what Python's netrc and curl read; --remove edits the linked file, keeps its mode, the macro
// and every other byte.
func TestImportNetrcAsPythonAndCurl(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	content := "# work machines\n" +
		"machine a.example.org login alice password \"SECRET pass with spaces\"\n" +
		"machine b.example.org\n\tlogin \"bob smith\"\n\taccount acct-b\n\tpassword \"q\\\"uote\\\\back\"\n" +
		"macdef init\ncd /pub\nmget *\n\n" +
		"machine c.example.org login carol password plain-c # laptop\n" +
		"machine ftp.example.org login anonymous password me@example.org\n" +
		"default login anonymous password guest\n"
	real := dotfiles(t, e, ".netrc", "netrc", content, 0o644)
	link := filepath.Join(e.Vars["HOME"], ".netrc")

	py := pythonNetrcHosts(t, link)
	want := map[string][2]string{
		"a.example.org": {"alice", "SECRET pass with spaces"},
		"b.example.org": {"bob smith", `q"uote\back`},
		"c.example.org": {"carol", "plain-c"},
	}
	for host, w := range want {
		if py[host][0] != w[0] || py[host][2] != w[1] {
			t.Fatalf("Python reads %s as %q; the test expects %q", host, py[host], w)
		}
		if got := curlNetrcAuth(t, link, host); got != w[0]+":"+w[1] {
			t.Fatalf("curl sends %q for %s; Python reads %q", got, host, py[host])
		}
	}

	if r := e.Run("", "tok", "import", "--apply"); r.Code != 0 {
		t.Fatalf("--apply: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	for host, w := range want {
		if got := e.Run("", "tok", "get", "https://"+host, "--username", w[0]); strings.TrimSuffix(got.Stdout, "\n") != py[host][2] {
			t.Errorf("tok get %s = %q %s; Python reads %q", host, got.Stdout, got.Stderr, py[host][2])
		}
	}
	if got := e.Run("", "tok", "get", "https://ftp.example.org"); got.Code == 0 {
		t.Errorf("the anonymous FTP entry was imported: %q", got.Stdout)
	}

	r := e.Run("", "tok", "import", "--apply", "--remove")
	if r.Code != 0 {
		t.Fatalf("--remove: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "Removed the imported tokens from "+link+" (the file it links to, "+real+")") {
		t.Errorf("stderr does not name the link and its file: %s", r.Stderr)
	}
	rest := "# work machines\n" +
		"macdef init\ncd /pub\nmget *\n\n" +
		"machine ftp.example.org login anonymous password me@example.org\n" +
		"default login anonymous password guest\n"
	assertLinkedFile(t, link, real, rest, 0o644)
	after := pythonNetrcHosts(t, link)
	if len(after) != 2 || after["ftp.example.org"] != py["ftp.example.org"] || after["default"] != py["default"] {
		t.Errorf("Python reads the rest as %v", after)
	}
	for host, w := range want {
		if got := e.Run("", "tok", "get", "https://"+host, "--username", w[0]); strings.TrimSuffix(got.Stdout, "\n") != w[1] {
			t.Errorf("after --remove tok get %s = %q", host, got.Stdout)
		}
	}
}

// TestImportNetrcReadersDisagree: an unquoted backslash, which Python drops and curl keeps. tok
// cannot know which the user meant: it reports the file and imports and removes nothing.
func TestImportNetrcReadersDisagree(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	content := "machine a.example.org login alice password SECRET\\\"esc\n"
	p := filepath.Join(e.Vars["HOME"], ".netrc")
	os.WriteFile(p, []byte(content), 0o600)
	py := pythonNetrcHosts(t, p)
	curl := curlNetrcAuth(t, p, "a.example.org")
	if "alice:"+py["a.example.org"][2] == curl {
		t.Fatalf("Python and curl agree (%q); the test proves nothing", curl)
	}
	r := e.Run("", "tok", "import", "--apply", "--remove")
	if !strings.Contains(r.Stderr, "curl and Python's netrc could read this file differently") || !strings.Contains(r.Stderr, "nothing imported") {
		t.Errorf("stderr: %s", r.Stderr)
	}
	if strings.Contains(r.Stderr, "Removed") {
		t.Errorf("reported a removal: %s", r.Stderr)
	}
	if got, _ := os.ReadFile(p); string(got) != content {
		t.Errorf("the file changed: %q", got)
	}
	if got := e.Run("", "tok", "get", "https://a.example.org"); got.Code == 0 {
		t.Errorf("imported %q", got.Stdout)
	}
}

// gitStore stores a credential with git's own credential-store into file.
func gitStore(t *testing.T, e *testenv.Env, file string, attrs ...string) {
	t.Helper()
	if r := e.Run(strings.Join(attrs, "\n")+"\n\n", "git", "credential-store", "--file", file, "store"); r.Code != 0 {
		t.Fatalf("git credential-store store: %s", r.Stderr)
	}
}

// gitGet is what git's credential-store gives for a request.
func gitGet(t *testing.T, e *testenv.Env, file string, attrs ...string) string {
	t.Helper()
	r := e.Run(strings.Join(attrs, "\n")+"\n\n", "git", "credential-store", "--file", file, "get")
	for _, line := range strings.Split(r.Stdout, "\n") {
		if p, ok := strings.CutPrefix(line, "password="); ok {
			return p
		}
	}
	return ""
}

// TestImportGitCredentialStore: a .git-credentials written by git's credential-store (a port it
// writes as %3a, a path as useHttpPath stores it, user names and passwords holding @ : / % + and
// spaces), symlinked into a dotfiles directory. tok imports what git reads; --remove drops those
// lines only.
func TestImportGitCredentialStore(t *testing.T) {
	testenv.Require(t, testenv.Have("git"), "git")
	e := testenv.NewEnv(t).FileBackend("pw")
	real := dotfiles(t, e, ".git-credentials", "git-credentials", "", 0)
	type cred struct{ protocol, host, path, user, pass, url string }
	creds := []cred{
		{"http", "127.0.0.1:8741", "", "alice", "pw:1@/%+ x", "http://127.0.0.1:8741"},
		{"https", "git.example.org", "group/sub/repo.git", "u@corp:x/%+ y", "p w+%/:@", "https://git.example.org/group/sub/repo.git"},
		{"https", "gitlab.example.com:8443", "", "dave", "tok-dave", "https://gitlab.example.com:8443"},
		{"https", "keep.example.org", "", "kim", "kept", "https://keep.example.org"},
	}
	attrs := func(c cred, withPass bool) []string {
		a := []string{"protocol=" + c.protocol, "host=" + c.host, "username=" + c.user}
		if c.path != "" {
			a = append(a, "path="+c.path)
		}
		if withPass {
			a = append(a, "password="+c.pass)
		}
		return a
	}
	for _, c := range creds {
		gitStore(t, e, real, attrs(c, true)...)
	}
	written, _ := os.ReadFile(real)
	if !strings.Contains(string(written), "%3a8741") {
		t.Fatalf("git did not write the port as %%3a; the test proves less: %s", written)
	}
	info, _ := os.Stat(real)
	mode := info.Mode().Perm()
	e.Run("a-different-secret", "tok", "set", "https://keep.example.org", "--username", "kim")

	if r := e.Run("", "tok", "import", "--apply"); r.Code != 0 {
		t.Fatalf("--apply: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	for _, c := range creds[:3] {
		fromGit := gitGet(t, e, real, attrs(c, false)...)
		if fromGit != c.pass {
			t.Fatalf("git reads %q for %s, stored %q", fromGit, c.url, c.pass)
		}
		if got := e.Run("", "tok", "get", c.url, "--username", c.user); strings.TrimSuffix(got.Stdout, "\n") != fromGit {
			t.Errorf("tok get %s = %q %s; git reads %q", c.url, got.Stdout, got.Stderr, fromGit)
		}
	}

	r := e.Run("", "tok", "import", "--apply", "--remove")
	if r.Code != 0 {
		t.Fatalf("--remove: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	lines := strings.SplitAfter(string(written), "\n")
	var kept string
	for _, l := range lines {
		if strings.Contains(l, "keep.example.org") {
			kept = l
		}
	}
	link := filepath.Join(e.Vars["HOME"], ".git-credentials")
	assertLinkedFile(t, link, real, kept, mode)
	for _, c := range creds[:3] {
		if p := gitGet(t, e, real, attrs(c, false)...); p != "" {
			t.Errorf("git still reads %s after --remove", c.url)
		}
	}
	if p := gitGet(t, e, real, attrs(creds[3], false)...); p != "kept" {
		t.Errorf("the entry tok did not import is gone: %q", p)
	}
}

// TestImportDockerAndJSONFiles: docker's config.json (symlinked) with a key given twice (docker,
// as encoding/json, reads the last), CAVE's secret file and token.json holding more than
// tokens. Every copy of an imported key goes; the files keep everything else.
func TestImportDockerAndJSONFiles(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cfg := "{\n\t\"auths\": {\n\t\t\"reg.example.org\": {\"auth\": \"" + b64("eve:first") + "\"},\n" +
		"\t\t\"other.example.org\": {\"auth\": \"" + b64("olga:other") + "\"},\n" +
		"\t\t\"reg.example.org\": {\"auth\": \"" + b64("eve:second") + "\"}\n\t},\n\t\"psFormat\": \"table\"\n}\n"
	real := dotfiles(t, e, ".docker/config.json", "docker-config.json", cfg, 0o644)
	link := filepath.Join(e.Vars["HOME"], ".docker", "config.json")
	cave := filepath.Join(e.Vars["HOME"], ".cloudvolume", "secrets", "global.daf-apis.com-cave-secret.json")
	caveContent := `{"token": "` + caveHex + `", "expires": 1700000000, "user_settings": {"a": 1}}`
	tokenJSON := filepath.Join(e.Vars["HOME"], ".config", "cli", "token.json")
	tokenContent := "{\n  \"access_token\": \"at-123\",\n  \"refresh_token\": \"rt-456\",\n  \"api_url\": \"https://api.example.org\",\n  \"user_settings\": {\"theme\": \"dark\"}\n}\n"
	for p, c := range map[string]string{cave: caveContent, tokenJSON: tokenContent} {
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(c), 0o600)
	}

	docker := configfile.New(link)
	if err := docker.LoadFromReader(bytes.NewReader([]byte(cfg))); err != nil {
		t.Fatal(err)
	}
	if docker.AuthConfigs["reg.example.org"].Password != "second" {
		t.Fatalf("docker reads %+v", docker.AuthConfigs["reg.example.org"])
	}
	e.Run("a-different-secret", "tok", "set", "https://other.example.org", "--username", "olga", "--registry")
	if r := e.Run("", "tok", "import", "--apply"); r.Code != 0 {
		t.Fatalf("--apply: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	if got := e.Run("", "tok", "get", "https://reg.example.org"); strings.TrimSuffix(got.Stdout, "\n") != docker.AuthConfigs["reg.example.org"].Password {
		t.Errorf("tok get reg.example.org = %q; docker reads %q", got.Stdout, docker.AuthConfigs["reg.example.org"].Password)
	}
	r := e.Run("", "tok", "import", "--apply", "--remove")
	if r.Code != 0 {
		t.Fatalf("--remove: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	assertLinkedFile(t, link, real, "{\n\t\"auths\": {\n\t\t\"other.example.org\": {\"auth\": \""+b64("olga:other")+"\"}\n\t},\n\t\"psFormat\": \"table\"\n}\n", 0o644)
	for p, want := range map[string]string{
		cave:      `{"expires": 1700000000, "user_settings": {"a": 1}}`,
		tokenJSON: "{\n  \"api_url\": \"https://api.example.org\",\n  \"user_settings\": {\"theme\": \"dark\"}\n}\n",
	} {
		if got, err := os.ReadFile(p); err != nil || string(got) != want {
			t.Errorf("%s after --remove: %q %v\nwant %q", p, got, err, want)
		}
	}
	for _, args := range [][]string{{"get", "global.daf-apis.com"}, {"get", "https://api.example.org"}} {
		if got := e.Run("", "tok", args...); got.Code != 0 {
			t.Errorf("tok %v: %s", args, got.Stderr)
		}
	}
}

// makeUnwritable makes dir refuse new files, for root too (chattr +i) where chmod is not enough.
func makeUnwritable(t *testing.T, dir string) {
	t.Helper()
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	probe := filepath.Join(dir, ".probe")
	if os.WriteFile(probe, nil, 0o600) != nil {
		return
	}
	os.Remove(probe)
	ok := exec.Command("chattr", "+i", dir).Run() == nil
	if ok {
		t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
		ok = os.WriteFile(probe, nil, 0o600) != nil
	}
	testenv.Require(t, ok, "a directory the test user cannot write (chmod, or chattr +i for root on ext4)")
}

// TestImportRemoveRefusesUnwritableLinkTarget: the link's file sits in a directory tok cannot
// write, so it cannot be replaced atomically: one line names the real file, nothing changes, and
// nothing is reported as removed.
func TestImportRemoveRefusesUnwritableLinkTarget(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	content := "machine a.example.org login alice password s3cret\n"
	real := dotfiles(t, e, ".netrc", "netrc", content, 0o600)
	link := filepath.Join(e.Vars["HOME"], ".netrc")
	makeUnwritable(t, filepath.Dir(real))
	r := e.Run("", "tok", "import", "--apply", "--remove")
	if r.Code == 0 || strings.Contains(r.Stderr, "Removed") {
		t.Fatalf("exit %d; stderr: %s", r.Code, r.Stderr)
	}
	want := "tok: " + link + " links to " + real + ", in a directory tok cannot write; left as it is: edit " + real + " yourself\n"
	if !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
	}
	assertLinkedFile(t, link, real, content, 0o600)
	if got := e.Run("", "tok", "get", "https://a.example.org"); strings.TrimSpace(got.Stdout) != "s3cret" {
		t.Errorf("not imported: %q", got.Stdout)
	}
}

// TestInstallDockerNullAndSymlink: config.json of null, a null credHelpers (both panicked
// before), and a symlinked config.json: tok edits the file the link points to, keeps every other
// byte and the mode, and uninstall gives the original bytes back.
func TestInstallDockerNullAndSymlink(t *testing.T) {
	for _, c := range []struct{ name, before, after string }{
		{"null", "null\n", "{\n\t\"credHelpers\": {\"ghcr.io\": \"tok\"}\n}\n"},
		{"null credHelpers", `{"credHelpers": null, "psFormat": "x"}`, `{"credHelpers": {"ghcr.io": "tok"}, "psFormat": "x"}`},
		{"symlink", "{\n  \"auths\": {},\n  \"x\": 1\n}", "{\n  \"auths\": {},\n  \"x\": 1,\n  \"credHelpers\": {\"ghcr.io\": \"tok\"}\n}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := testenv.NewEnv(t).FileBackend("pw")
			path := filepath.Join(e.Vars["HOME"], ".docker", "config.json")
			real := path
			mode := os.FileMode(0o600)
			if c.name == "symlink" {
				mode = 0o644
				real = dotfiles(t, e, ".docker/config.json", "docker.json", c.before, mode)
			} else {
				os.MkdirAll(filepath.Dir(path), 0o700)
				os.WriteFile(path, []byte(c.before), mode)
			}
			r := e.Run("", "tok", "install", "docker", "ghcr.io")
			if r.Code != 0 {
				t.Fatalf("install: %d %s", r.Code, r.Stderr)
			}
			if c.name == "symlink" {
				assertLinkedFile(t, path, real, c.after, mode)
			} else if got, _ := os.ReadFile(path); string(got) != c.after {
				t.Errorf("after install:\n%q\nwant\n%q", got, c.after)
			}
			docker := configfile.New(path)
			data, _ := os.ReadFile(path)
			if err := docker.LoadFromReader(bytes.NewReader(data)); err != nil || docker.CredentialHelpers["ghcr.io"] != "tok" {
				t.Errorf("docker reads %v (%v)", docker.CredentialHelpers, err)
			}
			if r := e.Run("", "tok", "uninstall", "docker"); r.Code != 0 {
				t.Fatalf("uninstall: %s", r.Stderr)
			}
			if c.name == "symlink" {
				assertLinkedFile(t, path, real, c.before, mode)
			}
		})
	}
	// A link to a config.json not made yet (a fresh dotfiles checkout): the file is made there.
	e := testenv.NewEnv(t).FileBackend("pw")
	link := filepath.Join(e.Vars["HOME"], ".docker", "config.json")
	real := dotfiles(t, e, ".docker/config.json", "docker.json", "", 0)
	if r := e.Run("", "tok", "install", "docker", "ghcr.io"); r.Code != 0 {
		t.Fatalf("install: %s", r.Stderr)
	}
	assertLinkedFile(t, link, real, "{\n\t\"credHelpers\": {\"ghcr.io\": \"tok\"}\n}\n", 0o600)
}
