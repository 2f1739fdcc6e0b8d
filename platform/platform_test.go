package platform

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// token makes an unsigned JWT with claims (tok reads claims only, never verifies).
func token(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc(b) + ".sig"
}

func TestBuiltinRegistry(t *testing.T) {
	r := Builtin()
	if got := strings.Join(r.Names(), ","); got != "cave,codeocean,curvenote,jwt" {
		t.Fatalf("names %s", got)
	}
	if p, ok := r.Named("CodeOcean"); !ok || p.Name != "codeocean" {
		t.Fatalf("Named is not case-insensitive: %v %v", p.Name, ok)
	}
	if _, ok := r.Named("nope"); ok {
		t.Fatal("an unknown platform was found")
	}
}

func TestForHost(t *testing.T) {
	r := Builtin()
	for host, want := range map[string]string{
		"codeocean.com":          "codeocean",
		"acme.codeocean.com":     "codeocean",
		"a.b.codeocean.com":      "codeocean",
		"ACME.CodeOcean.com":     "codeocean",
		"evilcodeocean.com":      "",
		"codeocean.com.evil.org": "",
		"api.curvenote.com":      "curvenote",
		"x.api.curvenote.com":    "",
		"global.daf-apis.com":    "cave",
		"example.org":            "",
	} {
		p, ok := r.ForHost(host)
		if p.Name != want || ok != (want != "") {
			t.Errorf("ForHost(%q) = %q %v, want %q", host, p.Name, ok, want)
		}
	}
}

func TestDetect(t *testing.T) {
	r := Builtin()
	if p, ok := r.Detect("cop_abcdefghijk"); !ok || p.Name != "codeocean" {
		t.Fatalf("a cop_ token: %q %v", p.Name, ok)
	}
	for _, s := range []string{"xcop_abc", "COP_abc", strings.Repeat("a", 32), token(t, map[string]any{"sub": "a"}), ""} {
		if p, ok := r.Detect(s); ok {
			t.Errorf("Detect(%q) = %s; only a prefix is unambiguous", s, p.Name)
		}
	}
}

func TestAdd(t *testing.T) {
	r := Builtin()
	if err := r.Add(Platform{Name: " Acme ", Hosts: []string{"api.acme.test"}, TokenEnv: []string{"ACME_TOKEN"}}); err != nil {
		t.Fatal(err)
	}
	p, ok := r.Named("acme")
	if !ok || p.Auth != AuthBearer || !p.UserDefined || p.Hosts[0] != "api.acme.test" {
		t.Fatalf("added %+v %v", p, ok)
	}
	if p, _ := r.ForHost("api.acme.test"); p.Name != "acme" {
		t.Fatalf("ForHost of the added host: %q", p.Name)
	}
	// A built-in platform keeps its own and gains the user's hosts; the user's env names win.
	if err := r.Add(Platform{Name: "curvenote", Hosts: []string{"localhost"}, TokenEnv: []string{"CN"}, Auth: AuthBasic}); err != nil {
		t.Fatal(err)
	}
	cn, _ := r.Named("curvenote")
	if cn.UserDefined || cn.Auth != AuthBearer || len(cn.Hosts) != len(CurvenoteHosts)+1 || cn.Hosts[len(cn.Hosts)-1] != "localhost" ||
		strings.Join(cn.TokenEnv, ",") != "CN" || !cn.Sessions {
		t.Fatalf("merged %+v", cn)
	}
	if CurvenoteHosts[0] != "api.curvenote.com" || len(Builtin().byName["curvenote"].Hosts) != len(CurvenoteHosts) {
		t.Fatal("Add changed the built-in list itself")
	}
	// No env names given: the built-in ones stay.
	if err := r.Add(Platform{Name: "cave", Hosts: []string{"cave.example.org"}}); err != nil {
		t.Fatal(err)
	}
	if cave, _ := r.Named("cave"); strings.Join(cave.TokenEnv, ",") != "CAVE_TOKEN" {
		t.Fatalf("cave env %v", cave.TokenEnv)
	}
	// A user-defined platform is replaced by a later definition.
	if err := r.Add(Platform{Name: "acme", Auth: AuthTokenUsername}); err != nil {
		t.Fatal(err)
	}
	if p, _ := r.Named("acme"); p.Auth != AuthTokenUsername || len(p.Hosts) != 0 {
		t.Fatalf("redefined %+v", p)
	}
	for _, bad := range []Platform{
		{Name: ""}, {Name: "a.b"}, {Name: "a:b"}, {Name: "a/b"}, {Name: "a b"},
		{Name: "x", Auth: "digest"},
		{Name: "x", TokenEnv: []string{"1BAD"}},
		{Name: "x", TokenEnv: []string{"OK", "BAD-NAME"}},
	} {
		if err := r.Add(bad); err == nil {
			t.Errorf("Add(%+v) accepted", bad)
		}
	}
	if _, ok := r.Named("x"); ok {
		t.Fatal("a refused platform was added")
	}
}

func TestBasicPair(t *testing.T) {
	co, _ := Builtin().Named("codeocean")
	cave, _ := Builtin().Named("cave")
	for _, tc := range []struct {
		p                      Platform
		secret, user, asked    string
		wantUser, wantPassword string
	}{
		{co, "cop_x", "", "", "cop_x", ""},
		{co, "cop_x", "ada", "", "ada", "cop_x"},
		{co, "cop_x", "", "bob", "cop_x", ""},
		{cave, "s", "", "", "token", "s"},
		{cave, "s", "ada", "bob", "ada", "s"},
		{cave, "s", "", "bob", "bob", "s"},
		{Platform{}, "s", "", "", "token", "s"},
		{Platform{GitUsername: "oauth2"}, "s", "", "", "oauth2", "s"},
		{Platform{GitUsername: "oauth2"}, "s", "", "bob", "bob", "s"},
	} {
		u, p := tc.p.BasicPair(tc.secret, tc.user, tc.asked)
		if u != tc.wantUser || p != tc.wantPassword {
			t.Errorf("%s.BasicPair(%q, %q, %q) = %q, %q; want %q, %q", tc.p.Name, tc.secret, tc.user, tc.asked, u, p, tc.wantUser, tc.wantPassword)
		}
	}
}

func TestAuthorization(t *testing.T) {
	co, _ := Builtin().Named("codeocean")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		p            Platform
		secret, user string
		want         string
	}{
		{Platform{Auth: AuthBearer}, "s", "ada", "Bearer s"},
		{Platform{}, "s", "", "Bearer s"},
		{co, "cop_x", "", "Basic " + b64("cop_x:")},
		{Platform{Auth: AuthBasic}, "s", "ada", "Basic " + b64("ada:s")},
		{Platform{Auth: AuthBasic}, "s", "", "Basic " + b64("token:s")},
	} {
		if got := tc.p.Authorization(tc.secret, tc.user); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p.Auth, got, tc.want)
		}
	}
}

func TestValidEnvName(t *testing.T) {
	for s, want := range map[string]bool{
		"A": true, "_": true, "a_1": true, "CURVENOTE_TOKEN": true, "z9": true, "Z": true, "_0": true,
		"": false, "1A": false, "9": false, "0A": false, "A-B": false, "A B": false, "A=B": false, "É": false, "A.B": false,
		"a[": false, "@": false, "`": false, "{": false, "/": false, ":": false,
	} {
		if got := ValidEnvName(s); got != want {
			t.Errorf("ValidEnvName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestReadClaims(t *testing.T) {
	exp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	iat := exp.Add(-time.Hour)
	c, ok := ReadClaims(token(t, map[string]any{
		"iss": "https://api.example.org/tokens/user", "sub": "u1", "aud": "https://api.example.org",
		"name": "Ada", "email": "ada@example.org", "preferred_username": "ada",
		"roles": []any{"admin", "", 3, "dev"}, "scope": "read write,admin", "exp": exp.Unix(), "iat": iat.Unix(),
	}))
	if !ok {
		t.Fatal("not read")
	}
	if c.Issuer != "https://api.example.org/tokens/user" || c.Subject != "u1" || strings.Join(c.Audience, ",") != "https://api.example.org" ||
		c.Name != "Ada" || c.Email != "ada@example.org" || c.Username != "ada" || strings.Join(c.Roles, ",") != "admin,dev" ||
		strings.Join(c.Scopes, ",") != "read,write,admin" || !c.Expires.Equal(exp) || !c.IssuedAt.Equal(iat) ||
		c.Expires.Location() != time.UTC {
		t.Fatalf("%+v", c)
	}
	if c.Identity() != "ada@example.org" {
		t.Fatalf("identity %q", c.Identity())
	}
	// Fallbacks: username, role, scopes (a list wins over scope), and the identity order.
	c, _ = ReadClaims(token(t, map[string]any{"username": "bob", "role": "viewer", "scopes": []any{"a"}, "scope": "b", "sub": "s"}))
	if c.Username != "bob" || strings.Join(c.Roles, ",") != "viewer" || strings.Join(c.Scopes, ",") != "a" || c.Identity() != "bob" || !c.Expires.IsZero() {
		t.Fatalf("%+v", c)
	}
	for claims, want := range map[string]map[string]any{
		"Name": {"name": "N", "sub": "s"}, "s": {"sub": "s"}, "": {},
	} {
		c, _ := ReadClaims(token(t, want))
		if c.Identity() != map[string]string{"Name": "N", "s": "s", "": ""}[claims] {
			t.Errorf("identity of %v: %q", want, c.Identity())
		}
	}
	for _, bad := range []string{"", "a.b", "a.b.c.d", "not a jwt", "x.y.z", "cop_abc"} {
		if _, ok := ReadClaims(bad); ok {
			t.Errorf("ReadClaims(%q) accepted", bad)
		}
	}
}

func TestCheckFormats(t *testing.T) {
	r := Builtin()
	user := token(t, map[string]any{"iss": "https://api.curvenote.com/tokens/user"})
	session := token(t, map[string]any{"iss": "https://api.curvenote.com/tokens/session"})
	other := token(t, map[string]any{"iss": "https://api.curvenote.com/tokens/other"})
	for _, tc := range []struct {
		platform, secret string
		ok               bool
	}{
		{"curvenote", user, true},
		{"curvenote", session, false},
		{"curvenote", other, false},
		{"curvenote", "plain", false},
		{"codeocean", "cop_abcdefgh", true},
		{"codeocean", "cop_abcdefg", false},
		{"codeocean", "abcdefghijkl", false},
		{"jwt", user, true},
		{"jwt", "plain", false},
	} {
		p, _ := r.Named(tc.platform)
		err := p.Check(tc.secret)
		if (err == nil) != tc.ok {
			t.Errorf("%s.Check(%.20q) = %v, want ok %v", tc.platform, tc.secret, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), tc.secret) {
			t.Errorf("%s.Check: the secret in the error", tc.platform)
		}
	}
	p, _ := r.Named("curvenote")
	if err := p.Check(other); !errors.Is(err, ErrFormat) {
		t.Errorf("curvenote: %v, want ErrFormat", err)
	}
	if err := p.Check(session); err == nil || !strings.Contains(err.Error(), "session token") {
		t.Errorf("a session token: %v", err)
	}
}

// A Curvenote token's aud decides where its session exchange goes only when it names one of
// the platform's hosts, over https (http only for a loopback host the user added), no port
// unless loopback, no user information.
func TestCurvenoteAudience(t *testing.T) {
	r := Builtin()
	if err := r.Add(Platform{Name: "curvenote", Hosts: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	cn, _ := r.Named("curvenote")
	plain, _ := Builtin().Named("curvenote")
	for _, tc := range []struct {
		p    Platform
		aud  any
		want string
	}{
		{plain, "https://api.curvenote.com/tokens/session", "https://api.curvenote.com/tokens/session"},
		{plain, "https://scms.curvenote.dev/x", "https://scms.curvenote.dev/x"},
		{plain, "https://API.curvenote.com/x", "https://API.curvenote.com/x"},
		{plain, []any{"https://evil.example/x", "https://api.curvenote.com/y"}, "https://api.curvenote.com/y"},
		{plain, "https://evil.example/x", ""},
		{plain, "https://api.curvenote.com.evil.example/x", ""},
		{plain, "http://api.curvenote.com/x", ""},
		{plain, "https://api.curvenote.com:8443/x", ""},
		{plain, "https://u:p@api.curvenote.com/x", ""},
		{plain, "http://localhost:3000/x", ""},
		{cn, "http://localhost:3000/x", "http://localhost:3000/x"},
		{cn, "https://localhost/x", "https://localhost/x"},
		{cn, "http://evillocalhost:3000/x", ""},
		{cn, "ftp://localhost/x", ""},
	} {
		tok := token(t, map[string]any{"aud": tc.aud})
		if got := tc.p.CurvenoteAudience(tok); got != tc.want {
			t.Errorf("aud %v (hosts %v): %q, want %q", tc.aud, len(tc.p.Hosts), got, tc.want)
		}
	}
	if got := plain.CurvenoteAudience("not a jwt"); got != "" {
		t.Fatalf("not a JWT: %q", got)
	}
}

func TestCAVESecretFiles(t *testing.T) {
	files := CAVESecretFiles("c.example.org:444", `to"k`, false)
	if len(files) != 1 || string(files["c.example.org:444-cave-secret.json"]) != `{"token":"to\"k"}` {
		t.Fatalf("%q", files)
	}
	files = CAVESecretFiles("global.daf-apis.com", "t", true)
	if len(files) != 2 || string(files["cave-secret.json"]) != `{"token":"t"}` || string(files["global.daf-apis.com-cave-secret.json"]) != `{"token":"t"}` {
		t.Fatalf("%q", files)
	}
}
