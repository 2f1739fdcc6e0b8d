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
		"NUL in value":   "protocol=https\nhost=a\x00b\n",
		"bare CR":        "protocol=https\nhost=a\rb\n",
		"no equals":      "protocol=https\nhost\n",
		"long line":      "host=" + strings.Repeat("a", MaxGitLine) + "\n",
		"over 1 MiB":     strings.Repeat("wwwauth[]="+strings.Repeat("a", 1000)+"\n", 1100),
		"url with LF":    "url=https://a%0Ab/\n",
		"url not a URL":  "url=::\n",
		"empty key":      "=x\n",
		"NUL in unknown": "foo=\x00\n",
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
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadGitCredential(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, v := range []string{c.Protocol, c.Host, c.Path, c.Username, c.Password} {
			if strings.ContainsAny(v, "\x00\n") {
				t.Fatalf("parsed value %q holds NUL or LF", v)
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
