package remote

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// secret is in every credential the calls below send; no error may repeat it.
const secret = "SECRET-7f3a"

// sink is the server a redirect points to: it counts whatever reaches it.
func sink(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"stolen","session":"stolen"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// redirector answers every request with code and Location to (a function of the request, so
// it can name its own port).
func redirector(t *testing.T, code int, to func(r *http.Request) string) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, to(r), code)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// calls are tok's five requests that carry a secret, each made against base.
var calls = []struct {
	name string
	call func(c *Client, base string) error
}{
	{"login", func(c *Client, base string) error {
		_, err := c.JWTLogin(context.Background(), base, "ada", secret, nil)
		return err
	}},
	{"refresh", func(c *Client, base string) error {
		_, err := c.JWTRefresh(context.Background(), base, secret)
		return err
	}},
	{"session exchange", func(c *Client, base string) error {
		_, _, err := c.CurvenoteSession(context.Background(), base+"/v1/login", secret)
		return err
	}},
	{"verify codeocean", func(c *Client, base string) error {
		return c.Verify(context.Background(), base+"/api/v1/", "Basic "+base64.StdEncoding.EncodeToString([]byte(secret+":")))
	}},
	{"verify cave", func(c *Client, base string) error {
		return c.Verify(context.Background(), base+"/info/api/v2/datastacks", "Bearer "+secret)
	}},
}

func fast(c *Client) *Client { c.Backoff = time.Millisecond; return c }

// clients: tok's two, and one built without any redirect rule, which do must guard too.
var clients = map[string]func() *Client{
	"default": func() *Client { return fast(DefaultClient()) },
	"quick":   func() *Client { return fast(QuickClient()) },
	"bare":    func() *Client { return &Client{HTTP: &http.Client{}, Attempts: 3, Backoff: time.Millisecond} },
}

func checkRefused(t *testing.T, err error, from, to string) {
	t.Helper()
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("error %v, want ErrRedirect", err)
	}
	msg := err.Error()
	if strings.Contains(msg, secret) || strings.Contains(msg, "\n") {
		t.Fatalf("error %q repeats the secret or is not one line", msg)
	}
	if !strings.Contains(msg, from) || !strings.Contains(msg, to) {
		t.Fatalf("error %q does not name %s and %s", msg, from, to)
	}
}

// TestRedirectToAnotherPort: a redirect to another port of the same host is never followed,
// whatever the status and the call; the other port receives nothing, and the first server is
// asked once (a refused redirect is not retried).
func TestRedirectToAnotherPort(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, c := range calls {
			for cname, client := range clients {
				t.Run(http.StatusText(code)+"/"+c.name+"/"+cname, func(t *testing.T) {
					other, stolen := sink(t)
					srv, asked := redirector(t, code, func(r *http.Request) string { return other.URL + "/steal" })
					err := c.call(client(), srv.URL)
					checkRefused(t, err, srv.URL+" redirected to "+other.URL, "another origin")
					if n := stolen.Load(); n != 0 {
						t.Fatalf("the other port received %d requests", n)
					}
					if n := asked.Load(); n != 1 {
						t.Fatalf("the server was asked %d times, want 1", n)
					}
				})
			}
		}
	}
}

// TestRedirectToAnotherHost: the same port under another host name is another origin too.
func TestRedirectToAnotherHost(t *testing.T) {
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			var stolen atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.Host, "localhost:") {
					stolen.Add(1)
					return
				}
				u, _ := url.Parse("http://" + r.Host)
				http.Redirect(w, r, "http://localhost:"+u.Port()+"/steal", http.StatusTemporaryRedirect)
			}))
			defer srv.Close()
			err := c.call(fast(DefaultClient()), srv.URL)
			checkRefused(t, err, "http://127.0.0.1:", "to http://localhost:")
			if n := stolen.Load(); n != 0 {
				t.Fatalf("the other host received %d requests", n)
			}
		})
	}
}

// TestRedirectDowngrade: https to http on the same host and port is refused before anything
// is sent in clear.
func TestRedirectDowngrade(t *testing.T) {
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://"+r.Host+r.URL.Path, http.StatusPermanentRedirect)
			}))
			defer srv.Close()
			client := &Client{HTTP: srv.Client(), Attempts: 2, Backoff: time.Millisecond}
			err := c.call(client, srv.URL)
			checkRefused(t, err, srv.URL, "to http://127.0.0.1:")
		})
	}
}

// sameOrigin serves tok's calls behind a same-origin redirect: /moved/<path> answers as <path>
// would, checking that the secret arrived (in the body or the Authorization header).
func sameOrigin(t *testing.T, code int) (*httptest.Server, *atomic.Int64) {
	var answered atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, moved := strings.CutPrefix(r.URL.Path, "/moved")
		if !moved {
			http.Redirect(w, r, "/moved"+r.URL.Path, code)
			return
		}
		body, _ := io.ReadAll(r.Body)
		user, _, _ := r.BasicAuth()
		if !strings.Contains(string(body)+r.Header.Get("Authorization"), secret) && user != secret {
			http.Error(w, "no credential", http.StatusUnauthorized)
			return
		}
		answered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch path {
		case "/v1/auth/login", "/v1/auth/refresh":
			json.NewEncoder(w).Encode(map[string]string{"access_token": "a"})
		default:
			io.WriteString(w, "{}")
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &answered
}

// TestSameOriginRedirect: within one origin a redirect that keeps method and body is followed
// (307 and 308; any redirect of a GET), and the credential arrives; one that turns a POST into
// a GET (301, 302, 303) is refused.
func TestSameOriginRedirect(t *testing.T) {
	for _, code := range []int{307, 308} {
		for _, c := range calls {
			if c.name == "session exchange" {
				continue // its answer must be a JWT; the rule is the same as for login
			}
			t.Run(http.StatusText(code)+"/"+c.name, func(t *testing.T) {
				srv, answered := sameOrigin(t, code)
				if err := c.call(fast(DefaultClient()), srv.URL); err != nil || answered.Load() != 1 {
					t.Fatalf("%v, answered %d", err, answered.Load())
				}
			})
		}
	}
	for _, code := range []int{301, 302, 303} {
		t.Run(http.StatusText(code)+"/verify", func(t *testing.T) {
			srv, answered := sameOrigin(t, code)
			if err := fast(DefaultClient()).Verify(context.Background(), srv.URL+"/info/api/v2/datastacks", "Bearer "+secret); err != nil || answered.Load() != 1 {
				t.Fatalf("%v, answered %d", err, answered.Load())
			}
		})
		t.Run(http.StatusText(code)+"/login", func(t *testing.T) {
			srv, answered := sameOrigin(t, code)
			_, err := fast(DefaultClient()).JWTLogin(context.Background(), srv.URL, "ada", secret, nil)
			checkRefused(t, err, srv.URL+" redirected to "+srv.URL, "turn POST into GET")
			if answered.Load() != 0 {
				t.Fatal("the redirected POST was answered")
			}
		})
	}
}

// TestRedirectLoop: same-origin redirects stop after maxRedirects.
func TestRedirectLoop(t *testing.T) {
	srv, asked := redirector(t, 307, func(r *http.Request) string { return r.URL.Path + "x" })
	_, err := fast(DefaultClient()).JWTRefresh(context.Background(), srv.URL, secret)
	checkRefused(t, err, srv.URL, "more than 5 times")
	if n := asked.Load(); n != maxRedirects+1 {
		t.Fatalf("asked %d times, want %d", n, maxRedirects+1)
	}
}

// TestRedirectMessage: the line names both origins as a person writes them, and never the
// Location's path or query, which may carry anything.
func TestRedirectMessage(t *testing.T) {
	from, _ := url.Parse("https://API.example.org/v1/auth/login")
	to, _ := url.Parse("http://evil.example.net:80/steal?password=" + secret)
	err := checkRedirect(&http.Request{Method: "POST", URL: to}, []*http.Request{{Method: "POST", URL: from}})
	want := "the server at https://api.example.org redirected to http://evil.example.net, another origin; tok does not send credentials there"
	if err == nil || err.Error() != want || !errors.Is(err, ErrRedirect) {
		t.Fatalf("got %v, want %q", err, want)
	}
	v6, _ := url.Parse("https://[::1]:8443/x")
	same, _ := url.Parse("https://[::1]:8443/y")
	if err := checkRedirect(&http.Request{Method: "GET", URL: same}, []*http.Request{{Method: "GET", URL: v6}}); err != nil {
		t.Fatalf("same IPv6 origin: %v", err)
	}
	dflt, _ := url.Parse("https://api.example.org:443/y")
	if err := checkRedirect(&http.Request{Method: "GET", URL: dflt}, []*http.Request{{Method: "GET", URL: from}}); err != nil {
		t.Fatalf("the default port spelled out is the same origin: %v", err)
	}
}
