// Package platform is what tok knows of each service: its hosts, the environment variables its
// own tools read, how its token travels, and what its tokens look like. One file per service;
// users add their own in the config file.
package platform

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tok-dev/tok/internal/hostname"
)

// Auth is how a platform's token travels over HTTP.
type Auth string

const (
	// AuthBearer sends "Authorization: Bearer <token>".
	AuthBearer Auth = "bearer"
	// AuthTokenUsername sends HTTP Basic with the token as user name and an empty password.
	AuthTokenUsername Auth = "basic-token-username"
	// AuthBasic sends HTTP Basic with the record's user name and the token as password.
	AuthBasic Auth = "basic"
)

// Platform is one service tok knows.
type Platform struct {
	Name string
	// Hosts are the service's own hosts; the first is the default target of "tok set NAME".
	Hosts []string
	// TokenEnv are the variables tok exec sets to the token.
	TokenEnv []string
	// DomainEnv, when set, is a variable tok exec sets to "https://<host>" of the record.
	DomainEnv string
	Auth      Auth
	// GitUsername is the user name given to git with a bearer token when the record has none.
	GitUsername string
	// TokenPrefix, when set, marks a secret as this platform's token by itself.
	TokenPrefix string
	// Check says whether a secret looks like this platform's token; nil accepts anything.
	Check func(secret string) error
	// VerifyPath is a cheap authenticated read under the record's host (in the platform's auth
	// shape) that a revoked token fails; "" when the platform has none.
	VerifyPath string
	// Sessions: the long-lived token is exchanged for short session tokens (Curvenote).
	Sessions bool
	// SecretFiles: tok exec also writes the token where the platform's Python tools read it
	// (CAVE's CloudVolume secret files).
	SecretFiles bool
	// Describe is one line for tok list and help.
	Describe string
	// UserDefined marks a platform from the config file.
	UserDefined bool
}

// ErrFormat wraps every "this does not look like a NAME token" error.
var ErrFormat = errors.New("does not look like")

// Registry holds the built-in platforms and the user's.
type Registry struct {
	byName map[string]Platform
}

// Builtin returns a registry with tok's own platforms.
func Builtin() *Registry {
	r := &Registry{byName: map[string]Platform{}}
	for _, p := range []Platform{curvenote, codeOcean, cave, jwtPlatform} {
		r.byName[p.Name] = p
	}
	return r
}

// Add registers a user-defined platform. For a built-in one, the user's hosts are added to its
// own (a loopback Curvenote for development, say) and the user's env names replace its own.
func (r *Registry) Add(p Platform) error {
	p.Name = strings.ToLower(strings.TrimSpace(p.Name))
	if p.Name == "" || strings.ContainsAny(p.Name, ".:/ ") {
		return fmt.Errorf("platform name %q: use letters, digits, - and _", p.Name)
	}
	switch p.Auth {
	case "":
		p.Auth = AuthBearer
	case AuthBearer, AuthTokenUsername, AuthBasic:
	default:
		return fmt.Errorf("platform %s: auth %q is not one of bearer, basic, basic-token-username", p.Name, p.Auth)
	}
	for _, env := range append(append([]string{}, p.TokenEnv...), p.DomainEnv) {
		if err := CheckEnvName(env, nil); err != nil && env != "" {
			return fmt.Errorf("platform %s: env: %w", p.Name, err)
		}
	}
	if old, ok := r.byName[p.Name]; ok && !old.UserDefined {
		if old.Sessions {
			// A session platform's token names the host its exchange goes to (aud); tok trusts
			// only the platform's own hosts, and loopback ones added for development.
			for _, h := range p.Hosts {
				if !hostname.IsLoopback(h) {
					return fmt.Errorf("platform %s: host %q: only a loopback host (localhost, 127.0.0.1, ::1) can be added to %s, for development; tok sends a %s token only to %s's own hosts", p.Name, h, p.Name, p.Name, p.Name)
				}
			}
		}
		old.Hosts = append(append([]string{}, old.Hosts...), p.Hosts...)
		old.TokenEnv = orKeep(p.TokenEnv, old.TokenEnv)
		r.byName[p.Name] = old
		return nil
	}
	p.UserDefined = true
	r.byName[p.Name] = p
	return nil
}

func orKeep(n, o []string) []string {
	if len(n) > 0 {
		return n
	}
	return o
}

// Named finds a platform by name.
func (r *Registry) Named(name string) (Platform, bool) {
	p, ok := r.byName[strings.ToLower(name)]
	return p, ok
}

// Names lists every platform name, sorted.
func (r *Registry) Names() []string {
	var out []string
	for n := range r.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ForHost finds the platform that owns host (exactly, or as a subdomain of a "*." entry).
func (r *Registry) ForHost(host string) (Platform, bool) {
	host = strings.ToLower(host)
	for _, name := range r.Names() {
		p := r.byName[name]
		for _, h := range p.Hosts {
			if h == host || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
				return p, true
			}
		}
	}
	return Platform{}, false
}

// Detect guesses a platform from the shape of a secret alone; only unambiguous shapes (a
// platform's TokenPrefix) count.
func (r *Registry) Detect(secret string) (Platform, bool) {
	for _, name := range r.Names() {
		if p := r.byName[name]; p.TokenPrefix != "" && strings.HasPrefix(secret, p.TokenPrefix) {
			return p, true
		}
	}
	return Platform{}, false
}

// BasicPair is the user name and password a token travels as over HTTP Basic, in the
// platform's shape: Code Ocean's token is the user name with an empty password; otherwise the
// record's user name (else the one asked for, else the platform's default, else "token") and
// the token as password.
func (p Platform) BasicPair(secret, username, asked string) (user, password string) {
	if p.Auth == AuthTokenUsername && username == "" {
		return secret, ""
	}
	for _, u := range []string{username, asked, p.GitUsername, "token"} {
		if u != "" {
			return u, secret
		}
	}
	return "", secret
}

// Authorization is the HTTP Authorization header value that carries secret in the platform's
// shape (Bearer, else Basic).
func (p Platform) Authorization(secret, username string) string {
	if p.Auth == AuthBearer || p.Auth == "" {
		return "Bearer " + secret
	}
	user, pass := p.BasicPair(secret, username, "")
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// ValidEnvName reports whether s can be an environment variable name.
func ValidEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
