package helper

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	// Test binaries link keyring too; without the guard each run with no session bus would
	// leave a dbus-daemon behind.
)

func TestReadGitCredential(t *testing.T) {
	c, err := ReadGitCredential(strings.NewReader("capability[]=authtype\nprotocol=https\nhost=h.example.org:8443\npath=a/b.git\nusername=al=ice\nwwwauth[]=Basic realm=x\nwwwauth[]=Bearer\nunknown=zz\n\nprotocol=ignored\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Protocol != "https" || c.Host != "h.example.org:8443" || c.Path != "a/b.git" || c.Username != "al=ice" {
		t.Fatalf("%+v", c)
	}
	if len(c.WWWAuth) != 2 || !c.HasCapability("authtype") {
		t.Fatalf("multi-valued: %+v", c)
	}
	// EOF without a blank line (what git sends), CRLF endings, an empty list reset.
	c, err = ReadGitCredential(strings.NewReader("protocol=https\r\nhost=h\r\nwwwauth[]=a\nwwwauth[]=\nusername=u"))
	if err != nil || c.Host != "h" || c.Username != "u" || c.WWWAuth != nil {
		t.Fatalf("%+v %v", c, err)
	}
	// "password=" present but empty (t0303's empty credential) is not the same as no password.
	c, err = ReadGitCredential(strings.NewReader("protocol=https\nhost=sso.tld\nusername=\npassword=\n"))
	if err != nil || !c.HasUsername || !c.HasPassword || c.Username != "" || c.Password != "" {
		t.Fatalf("empty credential: %+v %v", c, err)
	}
	if c, _ := ReadGitCredential(strings.NewReader("protocol=https\nhost=h\nusername=u\n")); c.HasPassword {
		t.Fatal("no password line, yet HasPassword")
	}
	c, err = ReadGitCredential(strings.NewReader("url=https://bob@Git.Example.org:444/org/repo.git\n"))
	if err != nil || c.Protocol != "https" || c.Host != "Git.Example.org:444" || c.Path != "org/repo.git" || c.Username != "bob" {
		t.Fatalf("url=: %+v %v", c, err)
	}
}

func TestReadGitCredentialRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"NUL in value": "protocol=https\nhost=a\x00b\n",
		"bare CR":      "protocol=https\nhost=a\rb\n",
		"no equals":    "protocol=https\nhost\n",
		"long line":    "host=" + strings.Repeat("a", MaxGitLine) + "\n",
		"over 1 MiB":   strings.Repeat("wwwauth[]="+strings.Repeat("a", 1000)+"\n", 1100),
		// url.Parse refuses an escaped control character in the host itself, so these put
		// them where it decodes them: the path, the user name, the password.
		"url path LF":      "url=https://h.example.org/a%0Ab\n",
		"url path CR":      "url=https://h.example.org/a%0Db\n",
		"url path NUL":     "url=https://h.example.org/a%00b\n",
		"url user LF":      "url=https://a%0Ab@h.example.org/\n",
		"url user CR":      "url=https://a%0Db@h.example.org/\n",
		"url password CR":  "url=https://a:b%0D@h.example.org/\n",
		"url password NUL": "url=https://a:b%00@h.example.org/\n",
		"url not a URL":    "url=::\n",
		"empty key":        "=x\n",
		"NUL in unknown":   "foo=\x00\n",
	} {
		if _, err := ReadGitCredential(strings.NewReader(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestWriteGitCredentialRoundTrip(t *testing.T) {
	in := &GitCredential{Protocol: "https", HasProtocol: true, Host: "h", HasHost: true, Username: "u",
		Password: "p=w", HasUsername: true, PasswordExpiryUTC: "1700000000", Capabilities: []string{"authtype"}}
	var buf bytes.Buffer
	if err := WriteGitCredential(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadGitCredential(&buf)
	if err != nil || out.Password != "p=w" || out.PasswordExpiryUTC != "1700000000" || out.Username != "u" {
		t.Fatalf("%+v %v", out, err)
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\x00b"} {
		c := &GitCredential{HasUsername: true, Username: "u", Password: bad}
		if err := WriteGitCredential(&bytes.Buffer{}, c); err == nil {
			t.Errorf("wrote a password containing %q", bad)
		}
	}
}

func FuzzReadGitCredential(f *testing.F) {
	for _, seed := range []string{
		"protocol=https\nhost=example.org\n\n",
		"url=https://u:p@h:1/p\n",
		"capability[]=authtype\nwwwauth[]=Bearer realm=x\nwwwauth[]=\n",
		"protocol=https\r\nhost=a\r\n",
		"host=\x00", "=", "\n", "a=b\rc\n", "url=https://a%0d%0ab/",
		"url=https://h/a%0db", "url=https://u%0d@h/", "url=https://u:p%00@h/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadGitCredential(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, v := range []string{c.Protocol, c.Host, c.Path, c.Username, c.Password} {
			if strings.ContainsAny(v, "\x00\r\n") {
				t.Fatalf("parsed value %q holds NUL, CR or LF", v)
			}
		}
		var buf bytes.Buffer
		if err := WriteGitCredential(&buf, c); err != nil {
			return
		}
		again, err := ReadGitCredential(&buf)
		if err != nil {
			t.Fatalf("our own output does not parse: %v", err)
		}
		if again.Host != c.Host || again.Username != c.Username || again.Password != c.Password || again.Protocol != c.Protocol {
			t.Fatalf("round trip changed %+v into %+v", c, again)
		}
	})
}

// url= replaces what came before it (git's credential_from_url clears the credential): a
// username, password or path sent earlier never joins the URL's host.
func TestReadGitCredentialURLResets(t *testing.T) {
	c, err := ReadGitCredential(strings.NewReader("protocol=http\nhost=old.example.org\npath=old\nusername=bob\npassword=pw\nurl=https://new.example.org\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Protocol != "https" || c.Host != "new.example.org" || c.Path != "" || c.HasUsername || c.Username != "" || c.Password != "" {
		t.Fatalf("%+v", c)
	}
	// What comes after url= still counts.
	c, err = ReadGitCredential(strings.NewReader("url=https://new.example.org/r.git\nusername=ada\n"))
	if err != nil || c.Username != "ada" || c.Path != "r.git" {
		t.Fatalf("%+v %v", c, err)
	}
}

// A line may hold 65535 bytes with its newline (git's limit); one byte more is refused.
func TestReadGitCredentialLineLimit(t *testing.T) {
	for _, eol := range []string{"\n", ""} {
		at := "wwwauth[]=" + strings.Repeat("a", MaxGitLine-len("wwwauth[]=")-1) + "\n"
		if eol == "" {
			at = strings.TrimSuffix(at, "\n") + "a" // at EOF, no newline: 65535 bytes of line
		}
		if len(at) != MaxGitLine {
			t.Fatalf("line of %d bytes", len(at))
		}
		c, err := ReadGitCredential(strings.NewReader("protocol=https\n" + at))
		if err != nil || len(c.WWWAuth) != 1 || len(c.WWWAuth[0]) != MaxGitLine-len("wwwauth[]=")-len(eol) {
			t.Fatalf("eol %q: a line at the limit: %v", eol, err)
		}
		over := "wwwauth[]=a" + at[len("wwwauth[]="):]
		if _, err := ReadGitCredential(strings.NewReader("protocol=https\n" + over)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("eol %q: a line one byte over: %v", eol, err)
		}
	}
}

// The 1 MiB input limit is exact, and counts every byte read (a CR before LF included): input
// over it is refused, never parsed cut short.
func TestReadGitCredentialInputLimit(t *testing.T) {
	build := func(size int, eol string) string {
		var b strings.Builder
		b.WriteString("protocol=https" + eol)
		line := "wwwauth[]=" + strings.Repeat("a", 1000-len(eol)-len("wwwauth[]=")) + eol
		for b.Len()+len(line) <= size {
			b.WriteString(line)
		}
		rest := size - b.Len()
		b.WriteString("wwwauth[]=" + strings.Repeat("b", rest-len(eol)-len("wwwauth[]=")) + eol)
		return b.String()
	}
	for _, eol := range []string{"\n", "\r\n"} {
		at := build(MaxGitInput, eol)
		if len(at) != MaxGitInput {
			t.Fatalf("built %d bytes", len(at))
		}
		if _, err := ReadGitCredential(strings.NewReader(at)); err != nil {
			t.Errorf("eol %q: exactly 1 MiB: %v", eol, err)
		}
		over := build(MaxGitInput+1, eol)
		if _, err := ReadGitCredential(strings.NewReader(over)); !errors.Is(err, ErrMalformed) {
			t.Errorf("eol %q: 1 MiB and a byte: %v", eol, err)
		}
		if _, err := ReadGitCredential(strings.NewReader(over + "password=x" + eol)); !errors.Is(err, ErrMalformed) {
			t.Errorf("eol %q: well over 1 MiB: %v", eol, err)
		}
	}
}

// The error for a bad value names its key, cut to 40 characters.
func TestReadGitCredentialErrorNamesKey(t *testing.T) {
	for key, shown := range map[string]string{
		strings.Repeat("k", 40): strings.Repeat("k", 40),
		strings.Repeat("k", 41): strings.Repeat("k", 40),
	} {
		_, err := ReadGitCredential(strings.NewReader(key + "=a\rb\n"))
		if err == nil || !strings.Contains(err.Error(), `"`+shown+`"`) {
			t.Errorf("key of %d: %v", len(key), err)
		}
	}
}

// A path is written only when there is one, and reads back.
func TestWriteGitCredentialPath(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteGitCredential(&buf, &GitCredential{Protocol: "https", HasProtocol: true, Host: "h", HasHost: true}); err != nil || strings.Contains(buf.String(), "path=") {
		t.Fatalf("%q %v", buf.String(), err)
	}
	buf.Reset()
	if err := WriteGitCredential(&buf, &GitCredential{Protocol: "https", HasProtocol: true, Host: "h", HasHost: true, Path: "a/b.git", AuthType: "Bearer", Credential: "c", Ephemeral: true, Quit: true, WWWAuth: []string{"Bearer"}, OAuthRefreshToken: "rt"}); err != nil {
		t.Fatal(err)
	}
	c, err := ReadGitCredential(&buf)
	if err != nil || c.Path != "a/b.git" || c.AuthType != "Bearer" || c.Credential != "c" || !c.Ephemeral || !c.Quit || c.OAuthRefreshToken != "rt" || len(c.WWWAuth) != 1 {
		t.Fatalf("%+v %v", c, err)
	}
}
