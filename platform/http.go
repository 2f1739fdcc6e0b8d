package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrRefused means the server answered 401 or 403: the credential is not (or no longer) good.
var ErrRefused = errors.New("refused by the server")

// ErrServer means the server failed (5xx) or did not answer in time, after retries.
var ErrServer = errors.New("the server failed")

// Client makes tok's few HTTP calls: short timeouts, bounded retries for server errors and
// timeouts, never for a refusal.
type Client struct {
	HTTP     *http.Client
	Attempts int
	Backoff  time.Duration
}

// DefaultClient is for helpers and commands: 5 s a request, 3 attempts.
func DefaultClient() *Client {
	return &Client{HTTP: &http.Client{Timeout: 5 * time.Second}, Attempts: 3, Backoff: 200 * time.Millisecond}
}

// do sends the request built by build (once per attempt) and decodes a 2xx JSON answer into
// out. The response body is never put in an error: it may echo a secret.
func (c *Client) do(ctx context.Context, build func() (*http.Request, error), out any) error {
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
		resp, err := c.HTTP.Do(req.WithContext(ctx))
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
