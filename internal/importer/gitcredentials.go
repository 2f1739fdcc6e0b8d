package importer

import (
	"bytes"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tok-dev/tok/keychain"
)

// gitCredential is one line of a credential-store file as git reads it.
type gitCredential struct {
	protocol, username, password, host, path string
}

// parseGitCredentialLine decodes a line exactly as git's credential_from_url_gently (credential.c,
// git 2.39) does for git-credential-store: "proto://", then user[:password]@ before the first
// '/', '?' or '#' (the first '@' and the first ':' decide), the host up to that character, the
// path after it with its leading and trailing slashes trimmed; each part percent-decoded ('+'
// stays '+', a '%' not followed by two hex digits stays). git-credential-store uses a line only
// when it has a user name and a password (either may be empty) and no part holds a newline;
// other lines it passes over, and so does tok.
func parseGitCredentialLine(line string) (gitCredential, bool) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i] // git reads the line as a C string
	}
	protoEnd := strings.Index(line, "://")
	if protoEnd <= 0 {
		return gitCredential{}, false
	}
	cp := line[protoEnd+3:]
	at := strings.IndexByte(cp, '@')
	colon := strings.IndexByte(cp, ':')
	slash := strings.IndexAny(cp, "/?#")
	if slash < 0 {
		slash = len(cp)
	}
	c := gitCredential{protocol: line[:protoEnd]}
	if at < 0 || slash <= at {
		return gitCredential{}, false // no user: credential-store does not use it
	}
	hostStart := at + 1
	if colon < 0 || at <= colon {
		return gitCredential{}, false // a user but no password: not used either
	}
	c.username = gitURLDecode(cp[:colon])
	c.password = gitURLDecode(cp[colon+1 : at])
	c.host = gitURLDecode(cp[hostStart:slash])
	rest := strings.TrimLeft(cp[slash:], "/")
	if rest != "" {
		p := gitURLDecode(rest)
		for len(p) > 1 && strings.HasSuffix(p, "/") {
			p = p[:len(p)-1]
		}
		c.path = p
	}
	for _, part := range []string{c.protocol, c.username, c.password, c.host, c.path} {
		if strings.ContainsRune(part, '\n') {
			return gitCredential{}, false
		}
	}
	return c, true
}

// gitURLDecode is git's url_decode_mem: %XX (either case) becomes its byte, except %00, which
// stays as it is; nothing else changes.
func gitURLDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) && (s[i+1] != '0' || s[i+2] != '0') {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// target is where the credential belongs in tok: scheme, host (with its port) and path.
func (c gitCredential) target() (keychain.Target, error) {
	if strings.ContainsAny(c.host, "/?#@ \t\r") {
		return keychain.Target{}, fmt.Errorf("the host %q is not one tok can store", c.host)
	}
	u := c.protocol + "://" + c.host
	if c.path != "" {
		u += "/" + (&url.URL{Path: c.path}).EscapedPath()
	}
	return keychain.ParseTarget(u)
}

// gitCredentialsSource reads git-credential-store's ~/.git-credentials (and the XDG one): one
// URL per line, read as git reads it (parseGitCredentialLine). Where two lines are for the same
// protocol, host, path and user, git uses the first; the later one is left in place.
func gitCredentialsSource(env Env) ([]Found, []Problem) {
	paths := []string{filepath.Join(env.Home, ".git-credentials")}
	xdgConfig := env.Getenv("XDG_CONFIG_HOME")
	if xdgConfig == "" {
		xdgConfig = filepath.Join(env.Home, ".config")
	}
	paths = append(paths, filepath.Join(xdgConfig, "git", "credentials"))
	var found []Found
	var problems []Problem
	for _, path := range paths {
		data, mode, err := readFile(path)
		if err != nil {
			problems = append(problems, Problem{path, err})
			continue
		}
		seen := map[gitCredential]bool{}
		for n, line := range strings.Split(string(data), "\n") {
			c, ok := parseGitCredentialLine(line)
			if !ok {
				if strings.TrimSpace(line) != "" {
					problems = append(problems, Problem{path, fmt.Errorf("line %d is not a credential git reads (it has no user and password); left in place", n+1)})
				}
				continue
			}
			key := c
			key.password = ""
			if seen[key] {
				problems = append(problems, Problem{path, fmt.Errorf("line %d: git reads an earlier line for the same host and user; left in place", n+1)})
				continue
			}
			seen[key] = true
			target, err := c.target()
			if err != nil {
				problems = append(problems, Problem{path, fmt.Errorf("line %d: %v; left in place", n+1, err)})
				continue
			}
			rec := keychain.Record{Secret: c.password, Username: c.username}
			if p, ok := env.Registry.ForHost(target.Host); ok {
				rec.Platform = p.Name
			}
			if rec.Secret == "" {
				continue // git stores an empty password too; it is no token
			}
			want := c
			found = append(found, Found{Path: path, Mode: mode, Target: target, Record: rec, Identity: rec.Username,
				remove:  func(b []byte) ([]byte, error) { return removeGitCredential(b, want) },
				present: func(b []byte) bool { return hasGitCredential(b, want) }})
		}
	}
	return found, problems
}

// removeGitCredential drops every line that reads as want, with its line ending.
func removeGitCredential(data []byte, want gitCredential) ([]byte, error) {
	var out []byte
	removed := 0
	for len(data) > 0 {
		line := data
		next := len(data)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, next = data[:i], i+1
		}
		if c, ok := parseGitCredentialLine(string(line)); ok && c == want {
			removed++
		} else {
			out = append(out, data[:next]...)
		}
		data = data[next:]
	}
	if removed == 0 {
		return nil, fmt.Errorf("the line for %s is no longer in the file", want.host)
	}
	return out, nil
}

func hasGitCredential(data []byte, want gitCredential) bool {
	for _, line := range strings.Split(string(data), "\n") {
		if c, ok := parseGitCredentialLine(line); ok && c == want {
			return true
		}
	}
	return false
}
