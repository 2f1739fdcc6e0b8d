package keychain

import (
	"errors"
	"testing"
)

// A port is dropped only when it is its own scheme's default: http://h:443 and https://h:80
// name other servers than http://h and https://h.
func TestDefaultPortsPerScheme(t *testing.T) {
	for in, want := range map[string]string{
		"https://h.example.org:443":    "https://h.example.org",
		"http://h.example.org:80":      "http://h.example.org",
		"http://h.example.org:443":     "http://h.example.org:443",
		"https://h.example.org:80":     "https://h.example.org:80",
		"https://h.example.org:0443":   "https://h.example.org",
		"https://h.example.org:65535":  "https://h.example.org:65535",
		"https://h.example.org:1":      "https://h.example.org:1",
		"h.example.org:80":             "https://h.example.org:80",
		"HTTP://h.example.org:80/x":    "http://h.example.org/x",
		"http://127.0.0.1:443/":        "http://127.0.0.1:443",
		"https://[::1]:443":            "https://[::1]",
		"https://*.example.org:443/p/": "https://*.example.org/p",
	} {
		got, err := ParseTarget(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseTarget(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"https://h.example.org:0", "https://h.example.org:65536", "https://h.example.org:-1", "https://h.example.org:x"} {
		if got, err := ParseTarget(in); err == nil {
			t.Errorf("ParseTarget(%q) = %q, want an error", in, got)
		}
	}
	s, _ := resolutionStore(t, "https://h.example.org", "http://plain.example.org")
	for _, req := range []string{"https://h.example.org:80", "http://plain.example.org:443", "http://h.example.org:443"} {
		r, err := ParseRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		if rec, err := s.Lookup(r); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s answered by %q", req, rec.Secret)
		}
	}
}

// Only loopback hosts may be answered across http and https: a name that merely contains
// "localhost" is an ordinary host, and its https record never answers http.
func TestLoopbackLookAlikes(t *testing.T) {
	s, _ := resolutionStore(t,
		"https://evillocalhost:5000", "https://localhost.evil.org:5000", "https://localhostx:5000",
		"https://registry.localhost:5000", "https://127.0.0.2:5000", "https://[::1]:5000")
	for req, want := range map[string]string{
		"http://evillocalhost:5000":      "",
		"http://localhost.evil.org:5000": "",
		"http://localhostx:5000":         "",
		"https://evillocalhost:5000":     "https://evillocalhost:5000",
		"http://registry.localhost:5000": "https://registry.localhost:5000",
		"http://127.0.0.2:5000":          "https://127.0.0.2:5000",
		"http://[::1]:5000":              "https://[::1]:5000",
		"http://registry.localhost:5001": "",
	} {
		r, err := ParseRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.Lookup(r)
		switch {
		case want == "" && !errors.Is(err, ErrNotFound):
			t.Errorf("%s answered by %q", req, rec.Secret)
		case want != "" && (err != nil || rec.Secret != want):
			t.Errorf("%s: %q, %v; want %s", req, rec.Secret, err, want)
		}
	}
}
