// Package remote makes the few HTTP calls tok makes to platforms: sign-in and refresh on JWT
// platforms, Curvenote's session exchange, and the cheap reads that check a token. It is kept
// out of the git and docker helpers, whose start-up would otherwise pay for net/http.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tok-dev/tok/platform"
)

// ErrRefused means the server answered 401 or 403: the credential is not (or no longer) good.
var ErrRefused = errors.New("refused by the server")

// ErrServer means the server failed (5xx) or did not answer in time, after retries.
var ErrServer = errors.New("the server failed")

// ErrRedirect means a server answered with a redirect tok does not follow: every request tok
// makes carries a secret (a password, a refresh token, a Bearer or Basic token), so it never
// follows one to another origin (scheme, host and port), which includes any https to http
// downgrade, nor one that would change its method (a POST answered 301, 302 or 303 would go on
// as a GET without its body). A redirect within the origin that keeps method and body (307 and
// 308, or any redirect of a GET) is followed, at most maxRedirects times.
var ErrRedirect = errors.New("redirect not followed")

// maxRedirects bounds the same-origin redirects one request follows.
const maxRedirects = 5

// redirectError says in one line what happened. It names only origins: a Location's path
// or query may carry anything the server put there.
type redirectError struct {
	from, to *url.URL
	why      string
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("the server at %s redirected to %s, %s", shownOrigin(e.from), shownOrigin(e.to), e.why)
}

func (e *redirectError) Unwrap() error { return ErrRedirect }

// origin is scheme://host:port with the scheme's default port spelled out, so that two
// spellings of one origin compare equal and an https to http change never does.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

// shownOrigin is origin as a person writes it: without the scheme's default port.
func shownOrigin(u *url.URL) string {
	o := origin(u)
	if s, ok := strings.CutSuffix(o, ":443"); ok && strings.HasPrefix(o, "https://") {
		return s
	}
	if s, ok := strings.CutSuffix(o, ":80"); ok && strings.HasPrefix(o, "http://") {
		return s
	}
	return o
}

// checkRedirect is the CheckRedirect of every http.Client tok uses (invariant 8).
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	switch {
	case origin(req.URL) != origin(first.URL):
		return &redirectError{first.URL, req.URL, "another origin; tok does not send credentials there"}
	case req.Method != first.Method:
		return &redirectError{first.URL, req.URL, "which would turn " + first.Method + " into " + req.Method + "; tok does not follow it"}
	case len(via) > maxRedirects:
		return &redirectError{first.URL, req.URL, fmt.Sprintf("more than %d times; tok stopped", maxRedirects)}
	}
	return nil
}

// Client makes tok's few HTTP calls: short timeouts, bounded retries for server errors and
// timeouts, never for a refusal.
type Client struct {
	HTTP     *http.Client
	Attempts int
	Backoff  time.Duration
}

// DefaultClient is for commands a person runs: 5 s a request, 3 attempts.
func DefaultClient() *Client {
	return &Client{HTTP: &http.Client{Timeout: 5 * time.Second, CheckRedirect: checkRedirect}, Attempts: 3, Backoff: 200 * time.Millisecond}
}

// QuickClient is for work done on behalf of git and docker, which wait: 3 s, 2 attempts.
func QuickClient() *Client {
	return &Client{HTTP: &http.Client{Timeout: 3 * time.Second, CheckRedirect: checkRedirect}, Attempts: 2, Backoff: 200 * time.Millisecond}
}

// httpClient is c.HTTP with tok's redirect rule, whoever built it.
func (c *Client) httpClient() *http.Client {
	hc := http.Client{}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = checkRedirect
	return &hc
}

// do sends the request built by build (once per attempt) and decodes a 2xx JSON answer into
// out. The response body is never put in an error: it may echo a secret. A redirect is
// followed only as ErrRedirect says, and one that is not ends the call without a retry.
func (c *Client) do(ctx context.Context, build func() (*http.Request, error), out any) error {
	hc := c.httpClient()
	var last error
	for attempt := 0; attempt < max(c.Attempts, 1); attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(c.Backoff << (attempt - 1)):
			}
		}
		req, err := build()
		if err != nil {
			return err
		}
		resp, err := hc.Do(req.WithContext(ctx))
		var redirect *redirectError
		if errors.As(err, &redirect) {
			return redirect
		}
		if err != nil {
			last = fmt.Errorf("%w: %s %s%s: no answer (%v)", ErrServer, req.Method, req.URL.Host, req.URL.Path, timeoutOr(err))
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%w: %s %s%s answered %d", ErrRefused, req.Method, req.URL.Host, req.URL.Path, resp.StatusCode)
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			last = fmt.Errorf("%w: %s %s%s answered %d", ErrServer, req.Method, req.URL.Host, req.URL.Path, resp.StatusCode)
			continue
		case resp.StatusCode/100 != 2:
			return fmt.Errorf("%s %s%s answered %d", req.Method, req.URL.Host, req.URL.Path, resp.StatusCode)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("%s %s%s answered something that is not the expected JSON", req.Method, req.URL.Host, req.URL.Path)
		}
		return nil
	}
	return fmt.Errorf("%v (after %d attempts)", last, max(c.Attempts, 1))
}

func timeoutOr(err error) string {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return "connection failed"
}

func jsonRequest(method, url string, body any) func() (*http.Request, error) {
	return func() (*http.Request, error) {
		var r io.Reader
		if body != nil {
			data, err := json.Marshal(body)
			if err != nil {
				return nil, err
			}
			r = bytes.NewReader(data)
		}
		req, err := http.NewRequest(method, url, r)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "tok")
		return req, nil
	}
}

func withHeader(build func() (*http.Request, error), key, value string) func() (*http.Request, error) {
	return func() (*http.Request, error) {
		req, err := build()
		if err == nil {
			req.Header.Set(key, value)
		}
		return req, err
	}
}

// TokenResponse is the JWT platform's answer to login and refresh.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// Expiry is when the access token expires: its exp claim, else now + expires_in.
func (r TokenResponse) Expiry(now time.Time) time.Time {
	if c, ok := platform.ReadClaims(r.AccessToken); ok && !c.Expires.IsZero() {
		return c.Expires
	}
	if r.ExpiresIn > 0 {
		return now.Add(time.Duration(r.ExpiresIn) * time.Second).UTC()
	}
	return time.Time{}
}

// JWTLogin signs in: POST base/v1/auth/login {"username","password"} (scopes as ?scope=a,b).
func (c *Client) JWTLogin(ctx context.Context, base, username, password string, scopes []string) (TokenResponse, error) {
	u := strings.TrimSuffix(base, "/") + "/v1/auth/login"
	if len(scopes) > 0 {
		u += "?scope=" + url.QueryEscape(strings.Join(scopes, ","))
	}
	var out TokenResponse
	err := c.do(ctx, jsonRequest(http.MethodPost, u, map[string]string{"username": username, "password": password}), &out)
	if err == nil && out.AccessToken == "" {
		err = fmt.Errorf("%s answered without an access_token", u)
	}
	return out, err
}

// JWTRefresh renews an access token: POST base/v1/auth/refresh {"refresh_token"}.
func (c *Client) JWTRefresh(ctx context.Context, base, refreshToken string) (TokenResponse, error) {
	u := strings.TrimSuffix(base, "/") + "/v1/auth/refresh"
	var out TokenResponse
	err := c.do(ctx, jsonRequest(http.MethodPost, u, map[string]string{"refresh_token": refreshToken}), &out)
	if err == nil && out.AccessToken == "" {
		err = fmt.Errorf("%s answered without an access_token", u)
	}
	return out, err
}

// CurvenoteSession trades a user token for a session token (about 15 minutes): POST <aud>
// with the user token as Bearer; the answer is {"session": JWT}. aud must come from
// CurvenoteAudience.
func (c *Client) CurvenoteSession(ctx context.Context, aud, userToken string) (string, time.Time, error) {
	var out struct {
		Session string `json:"session"`
	}
	if err := c.do(ctx, withHeader(jsonRequest(http.MethodPost, aud, nil), "Authorization", "Bearer "+userToken), &out); err != nil {
		return "", time.Time{}, err
	}
	claims, ok := platform.ReadClaims(out.Session)
	if out.Session == "" || !ok {
		return "", time.Time{}, fmt.Errorf("the Curvenote session exchange answered without a session token")
	}
	return out.Session, claims.Expires, nil
}

// Verify makes a cheap authenticated GET of url with the given Authorization header value (a
// platform's VerifyPath, in its auth shape); ErrRefused means the token is revoked.
func (c *Client) Verify(ctx context.Context, url, authorization string) error {
	return c.do(ctx, withHeader(jsonRequest(http.MethodGet, url, nil), "Authorization", authorization), nil)
}
