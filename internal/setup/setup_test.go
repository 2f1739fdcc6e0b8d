package setup

import (
	"encoding/base64"
	"strings"
	"testing"
)

// userToken is an unsigned Curvenote API token whose aud is aud (claims are read unverified).
func userToken(aud string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"iss":"https://api.curvenote.com/tokens/user","aud":"`+aud+`","sub":"u1"}`)) + ".c2ln"
}

// TestCurvenoteConfigHostsLoopbackOnly: README promises that the session exchange goes only to
// Curvenote's own hosts or a loopback host added in the config file; a config that adds any
// other host to curvenote is refused with one clear error, naming the host.
func TestCurvenoteConfigHostsLoopbackOnly(t *testing.T) {
	for _, name := range []string{"curvenote", "Curvenote", " CURVENOTE "} {
		for _, host := range []string{"curvenote.example.org", "*.curvenote.example.org", "10.0.0.1", "api.curvenote.com.evil.example", "localhost.example.org"} {
			cfg := Config{Platforms: []PlatformConfig{{Name: name, Hosts: []string{"127.0.0.1", host}}}}
			reg, err := cfg.Registry()
			if err == nil {
				p, _ := reg.Named("curvenote")
				t.Errorf("config adding %q to %q was accepted; a token with aud https://%s/v1/login goes to %q", host, name, host, p.CurvenoteAudience(userToken("https://"+host+"/v1/login")))
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, "only a loopback host") || !strings.Contains(msg, host) || strings.Contains(msg, "\n") {
				t.Errorf("config adding %q: error %q", host, msg)
			}
		}
	}
	cfg := Config{Platforms: []PlatformConfig{
		{Name: "curvenote", Hosts: []string{"localhost", "127.0.0.1", "::1", "dev.localhost"}},
		{Name: "skills", Hosts: []string{"api.skills.example.org"}},
	}}
	reg, err := cfg.Registry()
	if err != nil {
		t.Fatalf("loopback hosts for curvenote, any for another platform: %v", err)
	}
	p, _ := reg.Named("curvenote")
	for _, aud := range []string{"http://127.0.0.1:8080/v1/login", "http://localhost:3000/v1/login", "https://api.curvenote.com/v1/login"} {
		if got := p.CurvenoteAudience(userToken(aud)); got != aud {
			t.Errorf("aud %s: trusted %q", aud, got)
		}
	}
	if got := p.CurvenoteAudience(userToken("https://evil.example.org/v1/login")); got != "" {
		t.Errorf("a foreign aud is trusted: %q", got)
	}
}
