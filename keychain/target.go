package keychain

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

	"github.com/tok-dev/tok/internal/hostname"
)

// Target is a canonical credential target: the key a record is stored under and the shape every
// request is normalised to before it is resolved.
type Target struct {
	Scheme   string // "https" or "http"
	Host     string // lower-case ASCII (IDNA), no trailing dot; "*.example.org" for a wildcard record
	Port     string // empty when it is the scheme's default
	Path     string // empty, or a cleaned "/a/b" with no trailing slash
	Username string // empty when the target names no user
}

// MaxPathDepth bounds how many path segments a stored target may have. A request may be deeper
// (GitLab nests groups without limit); it is resolved through its prefixes of at most this many
// segments, so the number of keychain reads a lookup makes is bounded whatever the request.
const MaxPathDepth = 8

// KeyPrefix starts every keychain item key tok writes, so tok's items never collide with another
// program's in a shared collection, and Keys() can tell tok's items apart.
const KeyPrefix = "tok:"

// ErrBadTarget is wrapped by every error about a target that cannot be parsed.
var ErrBadTarget = errors.New("not a valid target")

var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.StrictDomainName(false), // allow "_" as in some internal host names
	idna.Transitional(false),
)

// ParseTarget parses what a user gives tok set and friends: a URL, a host, host:port, or *.host.
// A missing scheme means https. User information inside the URL is refused.
func ParseTarget(s string) (Target, error) {
	return parse(s, false)
}

// ParseRequest parses a request (a URL a client asks about). Unlike ParseTarget it refuses
// wildcards, since a request always names one concrete host, and it takes a path of any depth:
// only the prefixes a record can have are looked up (Candidates).
func ParseRequest(s string) (Target, error) {
	return parse(s, true)
}

func parse(raw string, request bool) (Target, error) {
	s := strings.TrimSpace(raw)
	bad := func(why string) (Target, error) {
		// The raw input is not repeated: a token pasted in the wrong place must not reach a log.
		return Target{}, fmt.Errorf("%w: %s", ErrBadTarget, why)
	}
	if s == "" {
		return bad("it is empty")
	}
	if strings.ContainsAny(s, "\x00\r\n\t ") {
		return bad("it contains whitespace or control characters")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("it is not a URL or host name")
	}
	if u.User != nil {
		return bad("it carries a user name or password; give the user name with --username instead")
	}
	if u.Opaque != "" {
		return bad("it is not a URL or host name")
	}
	t := Target{Scheme: strings.ToLower(u.Scheme)}
	if t.Scheme != "https" && t.Scheme != "http" {
		return bad("only https and http URLs are supported")
	}
	host, err := NormalizeHost(u.Hostname(), !request)
	if err != nil {
		return bad(err.Error())
	}
	t.Host = host
	if t.Port, err = normalizePort(u.Port(), t.Scheme); err != nil {
		return bad(err.Error())
	}
	if request {
		t.Path, err = cleanPath(u.Path)
	} else {
		t.Path, err = NormalizePath(u.Path)
	}
	if err != nil {
		return bad(err.Error())
	}
	return t, nil
}

// NormalizeHost lower-cases a host, drops a trailing dot and converts international names to
// ASCII, so that look-alike spellings of a host never meet. With allowWildcard, "*.example.org"
// is accepted (at least two labels after the star).
func NormalizeHost(host string, allowWildcard bool) (string, error) {
	if host == "" {
		return "", errors.New("it has no host")
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		if ip.To4() != nil {
			return ip.String(), nil
		}
		return "[" + ip.String() + "]", nil
	}
	host = strings.TrimSuffix(host, ".")
	wildcard := false
	if strings.HasPrefix(host, "*.") {
		if !allowWildcard {
			return "", errors.New("a request cannot name a wildcard host")
		}
		wildcard = true
		host = host[2:]
	}
	if strings.Contains(host, "*") {
		return "", errors.New("a wildcard is only allowed as the first label, as in *.example.org")
	}
	ascii, err := idnaProfile.ToASCII(host)
	if err != nil || ascii == "" || strings.HasPrefix(ascii, ".") || strings.Contains(ascii, "..") {
		return "", errors.New("its host is not a valid host name")
	}
	ascii = strings.ToLower(ascii)
	if wildcard {
		if strings.Count(ascii, ".") < 1 {
			return "", errors.New("a wildcard needs at least two labels after it, as in *.example.org")
		}
		return "*." + ascii, nil
	}
	return ascii, nil
}

func normalizePort(port, scheme string) (string, error) {
	if port == "" {
		return "", nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", errors.New("its port is not a number from 1 to 65535")
	}
	if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
		return "", nil
	}
	return strconv.Itoa(n), nil
}

// NormalizePath cleans a URL path ("a/b/../c/" becomes "/a/c"); the root is the empty path.
// A path deeper than MaxPathDepth segments is refused: no record is stored that deep.
func NormalizePath(p string) (string, error) {
	cleaned, err := cleanPath(p)
	if err == nil && !shallow(cleaned) {
		err = fmt.Errorf("its path is deeper than %d segments", MaxPathDepth)
	}
	return cleaned, err
}

// cleanPath is NormalizePath without the depth limit, for requests.
func cleanPath(p string) (string, error) {
	if p == "" || p == "/" {
		return "", nil
	}
	if strings.ContainsAny(p, "\x00\r\n") {
		return "", errors.New("its path contains control characters")
	}
	cleaned := path.Clean("/" + p)
	if cleaned == "/" {
		return "", nil
	}
	return cleaned, nil
}

// shallow reports whether a cleaned path has at most MaxPathDepth segments.
func shallow(p string) bool { return strings.Count(p, "/") <= MaxPathDepth }

// Storable says why a record cannot be stored at t, or nil: a target deeper than MaxPathDepth
// (a request's path may be deeper) would never be found by a lookup.
func (t Target) Storable() error {
	if !shallow(t.Path) {
		host := t
		host.Path, host.Username = "", ""
		return fmt.Errorf("%w: tok keeps credentials for paths of at most %d segments, and %s is deeper; store one for its host (or a shorter path) with: tok set %s", ErrBadTarget, MaxPathDepth, t.URL(), host.URL())
	}
	return nil
}

// IsWildcard reports whether the target is a "*.host" record.
func (t Target) IsWildcard() bool { return strings.HasPrefix(t.Host, "*.") }

// HostPort is the host with its port when the port is not the default.
func (t Target) HostPort() string {
	if t.Port == "" {
		return t.Host
	}
	return t.Host + ":" + t.Port
}

// String is the canonical spelling: scheme://[user@]host[:port][/path].
func (t Target) String() string {
	var b strings.Builder
	b.WriteString(t.Scheme)
	b.WriteString("://")
	if t.Username != "" {
		b.WriteString(url.User(t.Username).String())
		b.WriteByte('@')
	}
	b.WriteString(t.HostPort())
	b.WriteString(t.Path)
	return b.String()
}

// URL is the target without its username: what a person would type.
func (t Target) URL() string {
	t.Username = ""
	return t.String()
}

// Key is the keychain item key for the target.
func (t Target) Key() string { return KeyPrefix + t.String() }

// TargetFromKey parses a keychain item key written by Key.
func TargetFromKey(key string) (Target, bool) {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok {
		return Target{}, false
	}
	u, err := url.Parse(rest)
	if err != nil {
		return Target{}, false
	}
	t := Target{Scheme: u.Scheme, Host: u.Hostname(), Port: u.Port(), Path: u.Path}
	if strings.Contains(u.Host, "[") {
		t.Host = "[" + t.Host + "]"
	}
	if u.User != nil {
		t.Username = u.User.Username()
	}
	return t, t.Key() == key
}

// Candidates lists the keys that may answer a request, most specific first: exact host with
// the longest path prefix down to no path, then wildcard parents; for each, the request's
// username first and then no username. Its length depends only on the request's host, scheme
// and username, never on the number of records stored nor on the path's depth (at most
// MaxPathDepth+1 prefixes).
func Candidates(req Target) []Target {
	schemes := []string{req.Scheme}
	if req.Scheme == "http" && hostname.IsLoopback(req.Host) {
		schemes = append(schemes, "https")
	} else if req.Scheme == "https" && hostname.IsLoopback(req.Host) {
		schemes = append(schemes, "http")
	}
	var out []Target
	for _, host := range hostCandidates(req.Host) {
		for _, p := range pathPrefixes(req.Path) {
			for _, scheme := range schemes {
				t := Target{Scheme: scheme, Host: host, Port: req.Port, Path: p}
				if req.Username != "" {
					withUser := t
					withUser.Username = req.Username
					out = append(out, withUser)
				}
				out = append(out, t)
			}
		}
	}
	return out
}

// hostCandidates is the host itself and then "*.parent" for each parent with at least two labels.
func hostCandidates(host string) []string {
	out := []string{host}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return out
	}
	labels := strings.Split(host, ".")
	for i := 1; i+2 <= len(labels); i++ {
		out = append(out, "*."+strings.Join(labels[i:], "."))
	}
	return out
}

// pathPrefixes lists "/a/b/c", "/a/b", "/a", "" for "/a/b/c": prefixes on "/" boundaries only,
// none deeper than MaxPathDepth (no record is), so a request of any depth has at most
// MaxPathDepth+1 of them.
func pathPrefixes(p string) []string {
	for i, n := 0, 0; i < len(p); i++ {
		if p[i] == '/' {
			if n++; n > MaxPathDepth {
				p = p[:i]
				break
			}
		}
	}
	out := []string{}
	for p != "" {
		out = append(out, p)
		p = p[:strings.LastIndex(p, "/")]
	}
	return append(out, "")
}
