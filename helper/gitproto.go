// Package helper speaks the protocols through which programs ask tok for credentials: git's
// credential helper protocol and docker's. It reads and writes streams and drives a small
// Store interface; it knows nothing of how the store keeps data.
package helper

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Limits on git's attribute input.
const (
	MaxGitLine  = 65535 // including the newline (git-credential.adoc since 2.46)
	MaxGitInput = 1 << 20
)

// ErrMalformed wraps every refusal of protocol input.
var ErrMalformed = errors.New("malformed credential input")

// GitCredential is one credential description in git's attribute format.
type GitCredential struct {
	Protocol, Host, Path string
	HasProtocol, HasHost bool
	Username, Password   string
	HasUsername          bool
	HasPassword          bool // "password=" came, even empty (t0303 stores an empty one)
	PasswordExpiryUTC    string
	OAuthRefreshToken    string
	WWWAuth              []string
	Capabilities         []string
	AuthType, Credential string
	Ephemeral            bool
	State                []string
	Continue, Quit       bool
}

// HasCapability reports whether git announced capability c.
func (c *GitCredential) HasCapability(name string) bool {
	for _, v := range c.Capabilities {
		if v == name {
			return true
		}
	}
	return false
}

// ReadGitCredential parses git's attribute format with git's own rules: key=value lines split
// at the first "=", ended by a blank line or the end of input; a CRLF line ending counts as LF;
// unknown keys are ignored; "key[]" collects values and an empty "key[]=" clears them. A value
// with NUL or a bare CR, a line over 64 KiB, input over 1 MiB or a line without "=" is refused.
func ReadGitCredential(r io.Reader) (*GitCredential, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxGitInput+1), 64*1024)
	c := &GitCredential{}
	total := 0
	for {
		line, raw, err := readLine(br)
		total += raw // every byte read, a CR before LF included
		if total > MaxGitInput {
			return nil, fmt.Errorf("%w: input is over 1 MiB", ErrMalformed)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if len(line) == 0 {
			return c, nil // a blank line, or the end of input
		}
		if err := c.set(line); err != nil {
			return nil, err
		}
		if errors.Is(err, io.EOF) {
			return c, nil
		}
	}
}

// readLine reads one LF-terminated line without its LF (and without one CR before it), and
// says how many bytes it read.
func readLine(br *bufio.Reader) (string, int, error) {
	var buf bytes.Buffer
	for {
		chunk, err := br.ReadSlice('\n')
		buf.Write(chunk)
		if buf.Len() > MaxGitLine {
			return "", buf.Len(), fmt.Errorf("%w: a line is over 64 KiB", ErrMalformed)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line := buf.String()
		if strings.HasSuffix(line, "\n") {
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			return line, buf.Len(), nil
		}
		if err == nil {
			err = io.EOF
		}
		return line, buf.Len(), err
	}
}

func (c *GitCredential) set(line string) error {
	key, value, ok := strings.Cut(line, "=")
	if !ok || key == "" {
		return fmt.Errorf("%w: a line has no key=value", ErrMalformed)
	}
	if strings.ContainsAny(value, "\x00\r\n") || strings.ContainsAny(key, "\x00\r") {
		return fmt.Errorf("%w: the value of %s contains a NUL or carriage return", ErrMalformed, safeKey(key))
	}
	multi := func(list *[]string) {
		if value == "" {
			*list = nil
		} else {
			*list = append(*list, value)
		}
	}
	switch key {
	case "protocol":
		c.Protocol, c.HasProtocol = value, true
	case "host":
		c.Host, c.HasHost = value, true
	case "path":
		c.Path = value
	case "username":
		c.Username, c.HasUsername = value, true
	case "password":
		c.Password, c.HasPassword = value, true
	case "password_expiry_utc":
		c.PasswordExpiryUTC = value
	case "oauth_refresh_token":
		c.OAuthRefreshToken = value
	case "wwwauth[]":
		multi(&c.WWWAuth)
	case "capability[]":
		multi(&c.Capabilities)
	case "state[]":
		multi(&c.State)
	case "authtype":
		c.AuthType = value
	case "credential":
		c.Credential = value
	case "ephemeral":
		c.Ephemeral = isTrue(value)
	case "continue":
		c.Continue = isTrue(value)
	case "quit":
		c.Quit = isTrue(value)
	case "url":
		return c.setURL(value)
	}
	return nil // git ignores attributes it does not know, and so do we
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// setURL splits url= the way git's credential_from_url does: it replaces protocol, host,
// path, username and password with the URL's (host keeps its :port; the path loses its
// leading slash; percent-escapes are decoded, and a decoded LF or NUL is refused).
func (c *GitCredential) setURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("%w: url= is not a URL", ErrMalformed)
	}
	*c = GitCredential{Capabilities: c.Capabilities, WWWAuth: c.WWWAuth, State: c.State, Ephemeral: c.Ephemeral}
	c.Protocol, c.HasProtocol = u.Scheme, true
	c.Host, c.HasHost = u.Host, true
	c.Path = strings.TrimPrefix(u.Path, "/")
	if u.User != nil {
		c.Username, c.HasUsername = u.User.Username(), true
		c.Password, c.HasPassword = u.User.Password()
	}
	for _, v := range []string{c.Host, c.Path, c.Username, c.Password} {
		if strings.ContainsAny(v, "\x00\r\n") {
			return fmt.Errorf("%w: url= decodes to a NUL or line break", ErrMalformed)
		}
	}
	return nil
}

func safeKey(k string) string {
	if len(k) > 40 {
		k = k[:40]
	}
	return fmt.Sprintf("%q", k)
}

// WriteGitCredential writes attributes in git's order. A value with NUL, CR or LF is never
// written (git would reject it, and it could smuggle in an attribute): that is an error.
func WriteGitCredential(w io.Writer, c *GitCredential) error {
	var b strings.Builder
	var bad bool
	put := func(k, v string) {
		bad = bad || strings.ContainsAny(v, "\x00\r\n")
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	for _, v := range c.Capabilities {
		put("capability[]", v)
	}
	if c.AuthType != "" {
		put("authtype", c.AuthType)
		put("credential", c.Credential)
	}
	if c.Ephemeral {
		put("ephemeral", "1")
	}
	if c.HasProtocol {
		put("protocol", c.Protocol)
	}
	if c.HasHost {
		put("host", c.Host)
	}
	if c.Path != "" {
		put("path", c.Path)
	}
	if c.HasUsername {
		put("username", c.Username)
		put("password", c.Password)
	}
	if c.OAuthRefreshToken != "" {
		put("oauth_refresh_token", c.OAuthRefreshToken)
	}
	if c.PasswordExpiryUTC != "" {
		put("password_expiry_utc", c.PasswordExpiryUTC)
	}
	for _, v := range c.WWWAuth {
		put("wwwauth[]", v)
	}
	if c.Quit {
		put("quit", "1")
	}
	if bad {
		return errors.New("refusing to write a credential value with a NUL or line break")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
