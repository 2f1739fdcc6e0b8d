package helper

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tok-dev/tok/keychain"
)

func TestDockerStore(t *testing.T) {
	s := newStub(t)
	in := `{"ServerURL":"https://Registry.Example.org:5000/v2/","Username":"ada","Secret":"pw1"}`
	if out, errw, code := runDocker("store", in, s.backend(nil)); code != 0 || out != "" || errw != "" {
		t.Fatalf("status %d, out %q, stderr %q", code, out, errw)
	}
	rec, ok := s.get("https://registry.example.org:5000")
	if !ok || rec.Secret != "pw1" || rec.Username != "ada" || !rec.Registry || rec.Source != keychain.SourceDocker ||
		rec.ServerURL != "https://Registry.Example.org:5000/v2/" {
		t.Fatalf("stored %v %+v", ok, rec)
	}
	// One credential per server: a later store replaces it (docker login again).
	runDocker("store", `{"ServerURL":"registry.example.org:5000","Username":"bob","Secret":"pw2"}`, s.backend(nil))
	if rec, _ := s.get("https://registry.example.org:5000"); rec.Secret != "pw2" || rec.Username != "bob" {
		t.Fatalf("not replaced: %+v", rec)
	}
	// The platform of a known host is recorded.
	runDocker("store", `{"ServerURL":"git.codeocean.com","Username":"u","Secret":"cop_abcdefghijk"}`, s.backend(nil))
	if rec, _ := s.get("https://git.codeocean.com"); rec.Platform != "codeocean" {
		t.Fatalf("platform %q", rec.Platform)
	}
}

// Bad input is one line on stdout (docker reads only stdout), status 1, and nothing stored.
func TestDockerStoreRefuses(t *testing.T) {
	big := `{"ServerURL":"r.example.org","Username":"u","Secret":"` + strings.Repeat("a", MaxDockerInput) + `"}`
	for _, tc := range []struct{ name, in, msg string }{
		{"empty", "", "no credentials given on standard input"},
		{"blank", " \n", "no credentials given on standard input"},
		{"bad JSON", `{"ServerURL":"r.example.org",`, "the credential on standard input is not valid JSON; nothing stored"},
		{"not an object", `"r.example.org"`, "the credential on standard input is not valid JSON; nothing stored"},
		{"no server", `{"ServerURL":" ","Username":"u","Secret":"s"}`, "no credentials server URL"},
		{"no username", `{"ServerURL":"r.example.org","Secret":"s"}`, "no credentials username"},
		{"bad server", `{"ServerURL":"https://u:p@r.example.org","Username":"u","Secret":"s"}`, ""},
		{"over 1 MiB", big, "input is over 1 MiB; nothing changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStub(t)
			opened := false
			open := func() (Backend, error) { opened = true; return s.backend(nil)() }
			out, errw, code := runDocker("store", tc.in, open)
			if code != 1 || errw != "" || strings.Count(out, "\n") != 1 {
				t.Fatalf("status %d, out %q, stderr %q", code, out, errw)
			}
			if tc.msg != "" && out != tc.msg+"\n" {
				t.Fatalf("out %q, want %q", out, tc.msg)
			}
			if opened || len(s.calls) != 0 {
				t.Fatalf("opened %v, writes %v", opened, s.calls)
			}
		})
	}
}

// The 1 MiB limit is exact: MaxDockerInput bytes are read, one more is refused.
func TestDockerInputLimit(t *testing.T) {
	head := `{"ServerURL":"r.example.org","Username":"u","Secret":"`
	secret := strings.Repeat("a", MaxDockerInput-len(head)-2)
	in := head + secret + `"}`
	if len(in) != MaxDockerInput {
		t.Fatalf("input is %d bytes", len(in))
	}
	s := newStub(t)
	if out, _, code := runDocker("store", in, s.backend(nil)); code != 0 {
		t.Fatalf("at the limit: status %d, %q", code, out)
	}
	if rec, _ := s.get("https://r.example.org"); rec.Secret != secret {
		t.Fatalf("stored a secret of %d bytes", len(rec.Secret))
	}
	if out, _, code := runDocker("store", in+" ", s.backend(nil)); code != 1 || !strings.Contains(out, "over 1 MiB") {
		t.Fatalf("one over: status %d, %q", code, out)
	}
}

func TestDockerGet(t *testing.T) {
	s := newStub(t)
	s.seed("https://index.docker.io", keychain.Record{Secret: "hub-pw", Username: "ada", Registry: true, Source: keychain.SourceDocker})
	s.seed("https://git.codeocean.com", keychain.Record{Secret: "cop_abcdefghijk", Platform: "codeocean", Source: keychain.SourceSet})
	s.seed("https://r.example.org", keychain.Record{Secret: "<&>", Source: keychain.SourceSet})
	for _, tc := range []struct{ server, user, secret string }{
		{"https://index.docker.io/v1/", "ada", "hub-pw"},
		{"docker.io", "ada", "hub-pw"},
		{"registry-1.docker.io", "ada", "hub-pw"},
		{"git.codeocean.com", "cop_abcdefghijk", ""},
		{"r.example.org\n", "token", "<&>"},
	} {
		out, errw, code := runDocker("get", tc.server, s.backend(nil))
		if code != 0 || errw != "" {
			t.Fatalf("%s: status %d, out %q, stderr %q", tc.server, code, out, errw)
		}
		want, _ := json.Marshal(dockerCredential{ServerURL: strings.TrimSpace(tc.server), Username: tc.user, Secret: tc.secret})
		if want := strings.ReplaceAll(string(want), `\u003c\u0026\u003e`, "<&>") + "\n"; out != want {
			t.Fatalf("%s: answer %q, want %q", tc.server, out, want)
		}
	}
}

func TestDockerGetNotFound(t *testing.T) {
	s := newStub(t)
	s.seed("https://r.example.org", keychain.Record{Secret: "x", Registry: true, Source: keychain.SourceDocker})
	for _, server := range []string{"other.example.org", "r.example.org:5000", "http://r.example.org", "r.example.org/repo with space"} {
		out, _, code := runDocker("get", server, s.backend(nil))
		if code != 1 || out != DockerNotFound+"\n" {
			t.Fatalf("%s: status %d, out %q", server, code, out)
		}
	}
	out, _, code := runDocker("get", "", s.backend(nil))
	if code != 1 || out != "no credentials server URL\n" {
		t.Fatalf("empty: status %d, out %q", code, out)
	}
	s.fail["handout"] = errors.New("the keychain timed out")
	if out, _, code := runDocker("get", "r.example.org", s.backend(nil)); code != 1 || out != "the keychain timed out\n" {
		t.Fatalf("store error: status %d, out %q", code, out)
	}
	if out, _, code := runDocker("get", "r.example.org", failOpen); code != 1 || out != "the keychain is locked\n" {
		t.Fatalf("open error: status %d, out %q", code, out)
	}
}

// A due token is renewed for docker as for git; an expired one whose renewal failed is not
// handed out.
func TestDockerGetRenewal(t *testing.T) {
	s := newStub(t)
	s.seed("https://r.example.org", keychain.Record{Secret: "old", RefreshToken: "rt", Expires: s.now.Add(-1), Source: keychain.SourceLogin})
	r := &renewer{err: errors.New("refresh refused")}
	out, _, code := runDocker("get", "r.example.org", s.backend(r))
	if code != 1 || strings.Contains(out, "old") || r.calls != 1 {
		t.Fatalf("expired: status %d, out %q, %d renewals", code, out, r.calls)
	}
	r = &renewer{secret: "new"}
	out, _, _ = runDocker("get", "r.example.org", s.backend(r))
	if !strings.Contains(out, `"Secret":"new"`) {
		t.Fatalf("renewed: %q", out)
	}
}

// erase deletes a registry credential under any spelling of its server, and never a token put
// in with tok set, whichever spelling reaches its key.
func TestDockerErase(t *testing.T) {
	for _, server := range []string{"https://index.docker.io/v1/", "docker.io", "INDEX.docker.io", "https://registry-1.docker.io/v2/"} {
		s := newStub(t)
		s.seed("https://index.docker.io", keychain.Record{Secret: "hub", Registry: true, Source: keychain.SourceDocker})
		s.seed("https://r.example.org", keychain.Record{Secret: "other", Registry: true, Source: keychain.SourceDocker})
		if out, _, code := runDocker("erase", server, s.backend(nil)); code != 0 || out != "" {
			t.Fatalf("%s: status %d, out %q", server, code, out)
		}
		if _, ok := s.get("https://index.docker.io"); ok {
			t.Fatalf("%s: not erased", server)
		}
		if _, ok := s.get("https://r.example.org"); !ok {
			t.Fatalf("%s: erased another registry", server)
		}
	}
}

func TestDockerEraseKeepsAPIToken(t *testing.T) {
	for _, server := range []string{"api.example.org", "https://api.example.org", "https://API.example.org/v1/", "api.example.org:443"} {
		s := newStub(t)
		s.seed("https://api.example.org", keychain.Record{Secret: "api-tok", Source: keychain.SourceSet})
		s.seed("https://api.example.org/v2", keychain.Record{Secret: "path-tok", Source: keychain.SourceSet})
		out, _, code := runDocker("erase", server, s.backend(nil))
		if code != 0 || out != "" {
			t.Fatalf("%s: status %d, out %q", server, code, out)
		}
		if rec, ok := s.get("https://api.example.org"); !ok || rec.Secret != "api-tok" {
			t.Fatalf("%s: the API token set with tok set was erased (writes %v)", server, s.calls)
		}
		if len(s.calls) != 0 {
			t.Fatalf("%s: writes %v", server, s.calls)
		}
	}
}

func TestDockerEraseErrors(t *testing.T) {
	s := newStub(t)
	if out, _, code := runDocker("erase", "missing.example.org", s.backend(nil)); code != 0 || out != "" {
		t.Fatalf("missing: status %d, out %q", code, out)
	}
	if out, _, code := runDocker("erase", "", s.backend(nil)); code != 1 || out != "no credentials server URL\n" {
		t.Fatalf("empty: status %d, out %q", code, out)
	}
	s.seed("https://r.example.org", keychain.Record{Secret: "x", Registry: true, Source: keychain.SourceDocker})
	s.fail["find"] = errors.New("the keychain timed out")
	if out, _, code := runDocker("erase", "r.example.org", s.backend(nil)); code != 1 || out != "the keychain timed out\n" {
		t.Fatalf("find error: status %d, out %q", code, out)
	}
	delete(s.fail, "find")
	s.fail["delete"] = errors.New("permission denied")
	if out, _, code := runDocker("erase", "r.example.org", s.backend(nil)); code != 1 || out != "permission denied\n" {
		t.Fatalf("delete error: status %d, out %q", code, out)
	}
	s.fail["delete"] = keychain.ErrNotFound
	if out, _, code := runDocker("erase", "r.example.org", s.backend(nil)); code != 0 {
		t.Fatalf("gone meanwhile: status %d, out %q", code, out)
	}
	if out, _, code := runDocker("erase", "r.example.org", failOpen); code != 1 || out != "the keychain is locked\n" {
		t.Fatalf("open error: status %d, out %q", code, out)
	}
}

// list gives registry credentials only, each under the server string docker used.
func TestDockerList(t *testing.T) {
	s := newStub(t)
	s.seed("https://index.docker.io", keychain.Record{Secret: "hub", Username: "ada", Registry: true, Source: keychain.SourceDocker})
	s.seed("https://r.example.org:5000", keychain.Record{Secret: "r", Registry: true, ServerURL: "https://R.example.org:5000/v2/", Source: keychain.SourceDocker})
	s.seed("https://api.example.org", keychain.Record{Secret: "api", Username: "ada", Source: keychain.SourceSet})
	s.seed("https://git.example.org", keychain.Record{Secret: "git", Username: "u", Source: keychain.SourceGit})
	out, errw, code := runDocker("list", "", s.backend(nil))
	if code != 0 || errw != "" {
		t.Fatalf("status %d, stderr %q", code, errw)
	}
	want := `{"https://R.example.org:5000/v2/":"token","https://index.docker.io/v1/":"ada"}` + "\n"
	if out != want {
		t.Fatalf("list %q, want %q", out, want)
	}
	s.fail["list"] = errors.New("the keychain timed out")
	if out, _, code := runDocker("list", "", s.backend(nil)); code != 1 || out != "the keychain timed out\n" {
		t.Fatalf("list error: status %d, out %q", code, out)
	}
	if out, _, code := runDocker("list", "", failOpen); code != 1 || out != "the keychain is locked\n" {
		t.Fatalf("open error: status %d, out %q", code, out)
	}
	if out, _, code := runDocker("list", "", newStub(t).backend(nil)); code != 0 || out != "{}\n" {
		t.Fatalf("empty store: status %d, out %q", code, out)
	}
}

// TestDockerActions: an empty or unknown action is an error on stdout (version and --help are
// answered by the binary's wiring, internal/setup: TestHelperHelp, TestReleaseVersion).
func TestDockerActions(t *testing.T) {
	s := newStub(t)
	for _, tc := range []struct {
		action, out string
		code        int
	}{
		{"", "Usage: docker-credential-tok <store|get|erase|list|version>\n", 1},
		{"frob", "docker-credential-tok: unknown action: frob\n", 1},
	} {
		out, errw, code := runDocker(tc.action, "", s.backend(nil))
		if out != tc.out || code != tc.code || errw != "" {
			t.Errorf("%q: status %d, out %q, stderr %q", tc.action, code, out, errw)
		}
	}
}

func TestDockerReadError(t *testing.T) {
	var out, errw strings.Builder
	code := Docker("get", errReader{}, &out, &errw, newStub(t).backend(nil))
	if code != 1 || out.String() != "reading standard input: broken pipe\n" {
		t.Fatalf("status %d, out %q", code, out.String())
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }
