package platform

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tok-dev/tok/internal/hostname"
)

// CurvenoteHosts are the hosts a Curvenote token may name in its aud and be sent to:
// production and staging. A token must never be sent to a host it names itself.
var CurvenoteHosts = []string{"api.curvenote.com", "scms.curvenote.com", "api.curvenote.one", "scms.curvenote.dev"}

var curvenote = Platform{
	Name:        "curvenote",
	Sessions:    true,
	Hosts:       CurvenoteHosts,
	TokenEnv:    []string{"CURVENOTE_TOKEN"},
	Auth:        AuthBearer,
	GitUsername: "token",
	Check:       checkCurvenote,
	Describe:    "Curvenote API token (a JWT whose iss ends in /tokens/user)",
}

func checkCurvenote(secret string) error {
	c, ok := ReadClaims(secret)
	if !ok {
		return fmt.Errorf("the secret %w a Curvenote token: Curvenote tokens are JWTs (three dot-separated parts); copy it from your Curvenote profile's API tab", ErrFormat)
	}
	if strings.HasSuffix(c.Issuer, "/tokens/session") {
		return fmt.Errorf("the secret is a Curvenote session token (it expires in minutes); store the API token from your profile instead")
	}
	if !strings.HasSuffix(c.Issuer, "/tokens/user") {
		return fmt.Errorf("the secret %w a Curvenote API token: its iss claim does not end in /tokens/user", ErrFormat)
	}
	return nil
}

// CurvenoteAudience is the user token's aud (the URL its session exchange goes to) when the
// aud's host is one of p's hosts, and "" otherwise: a token never decides on its own where it
// is sent. https only, except for a loopback host the user has added to the platform.
func (p Platform) CurvenoteAudience(token string) string {
	c, ok := ReadClaims(token)
	if !ok {
		return ""
	}
	for _, aud := range c.Audience {
		u, err := url.Parse(aud)
		if err != nil || u.User != nil {
			continue
		}
		host := strings.ToLower(u.Hostname())
		loopback := hostname.IsLoopback(host)
		if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
			continue
		}
		if u.Port() != "" && !loopback {
			continue
		}
		for _, h := range p.Hosts {
			if h == host {
				return aud
			}
		}
	}
	return ""
}
