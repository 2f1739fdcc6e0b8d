package platform

import (
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are what tok reads from a JWT to schedule refreshes and fill list and status. They are
// read without verifying the signature (tok holds no key and is never the audience), so they
// never grant anything.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	Name     string
	Email    string
	Username string
	Roles    []string
	Scopes   []string
	IssuedAt time.Time
	Expires  time.Time
}

// ReadClaims parses a JWT's claims without verifying it; ok is false for anything that is not
// a JWT.
func ReadClaims(token string) (Claims, bool) {
	if strings.Count(token, ".") != 2 {
		return Claims{}, false
	}
	m := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, m); err != nil {
		return Claims{}, false
	}
	c := Claims{
		Name:     str(m["name"]),
		Email:    str(m["email"]),
		Username: firstNonEmpty(str(m["preferred_username"]), str(m["username"])),
		Roles:    strs(m["roles"]),
		Scopes:   strs(m["scopes"]),
	}
	c.Issuer, _ = m.GetIssuer()
	c.Subject, _ = m.GetSubject()
	c.Audience, _ = m.GetAudience()
	if len(c.Scopes) == 0 {
		c.Scopes = strs(m["scope"])
	}
	if len(c.Roles) == 0 {
		c.Roles = strs(m["role"])
	}
	if t, err := m.GetExpirationTime(); err == nil && t != nil {
		c.Expires = t.UTC()
	}
	if t, err := m.GetIssuedAt(); err == nil && t != nil {
		c.IssuedAt = t.UTC()
	}
	return c, true
}

// Identity is the most readable name for whom the token speaks.
func (c Claims) Identity() string {
	return firstNonEmpty(c.Email, c.Username, c.Name, c.Subject)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs reads a claim that may be a list or a space- or comma-separated string.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.FieldsFunc(x, func(r rune) bool { return r == ' ' || r == ',' })
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
