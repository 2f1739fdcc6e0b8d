package keychain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"api.example.org", "https://api.example.org"},
		{"API.Example.ORG.", "https://api.example.org"},
		{"https://api.example.org:443/", "https://api.example.org"},
		{"http://api.example.org:80", "http://api.example.org"},
		{"https://api.example.org:8443/v1/", "https://api.example.org:8443/v1"},
		{"registry.local:5000", "https://registry.local:5000"},
		{"https://h.example.org/a/b/../c//d/", "https://h.example.org/a/c/d"},
		{"https://h.example.org/../../etc", "https://h.example.org/etc"},
		{"*.example.org", "https://*.example.org"},
		{"https://*.Example.org:8443", "https://*.example.org:8443"},
		{"https://bücher.example", "https://xn--bcher-kva.example"},
		{"https://ехаmple.org", "https://xn--mple-43d3a6i.org"},
		{"127.0.0.1:8080", "https://127.0.0.1:8080"},
		{"http://[::1]:5000/x", "http://[::1]:5000/x"},
		{"https://index.docker.io/v1/", "https://index.docker.io/v1"},
		{"https://h.example.org/p?q=1#f", "https://h.example.org/p"},
	}
	for _, c := range cases {
		got, err := ParseTarget(c.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", c.in, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("ParseTarget(%q) = %q, want %q", c.in, got, c.want)
		}
		back, ok := TargetFromKey(got.Key())
		if !ok || back != got {
			t.Errorf("key %q does not round-trip: %+v ok=%v", got.Key(), back, ok)
		}
	}
}

func TestParseTargetRefuses(t *testing.T) {
	for _, in := range []string{
		"", "   ", "https://", "ftp://example.org", "ssh://git@example.org",
		"https://user:pass@example.org", "https://user@example.org", "*.org", "*",
		"a.*.example.org", "https://example.org:0", "https://example.org:99999",
		"https://exa mple.org", "https://example.org/a\nb", "https://a..b.org",
		"https://h.example.org/1/2/3/4/5/6/7/8/9",
	} {
		if got, err := ParseTarget(in); err == nil {
			t.Errorf("ParseTarget(%q) = %q, want an error", in, got)
		} else if !errors.Is(err, ErrBadTarget) {
			t.Errorf("ParseTarget(%q) error %v does not wrap ErrBadTarget", in, err)
		}
	}
	if _, err := ParseRequest("*.example.org"); err == nil {
		t.Error("ParseRequest accepted a wildcard")
	}
}

func TestParseTargetErrorHidesInput(t *testing.T) {
	secret := "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln with space"
	_, err := ParseTarget(secret)
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("error repeats its input: %v", err)
	}
}

// resolutionStore holds one record per stored target, whose secret is the target itself, so
// a lookup's answer says which record answered.
func resolutionStore(t *testing.T, targets ...string) (*Store, *memRing) {
	t.Helper()
	ring := newMemRing()
	s := NewStore(ring, "memory", "test", "", 0)
	for _, spec := range targets {
		var user, target string
		if n, _ := fmt.Sscanf(spec, "%s as %s", &target, &user); n < 2 {
			target, user = spec, ""
		}
		tg, err := ParseTarget(target)
		if err != nil {
			t.Fatalf("stored target %q: %v", target, err)
		}
		if _, err := s.Save(tg, Record{Secret: spec, Username: user, Source: SourceSet}); err != nil {
			t.Fatal(err)
		}
	}
	return s, ring
}

func TestResolution(t *testing.T) {
	stored := []string{
		"https://example.org",
		"https://api.example.org",
		"https://api.example.org/team",
		"https://api.example.org/team/private",
		"https://api.example.org:8443",
		"*.example.org",
		"*.corp.example.net",
		"http://plain.example.com",
		"https://secure.example.com",
		"https://localhost:5000",
		"http://127.0.0.1:8080",
		"https://git.example.edu as alice",
		"https://git.example.edu as bob",
		"https://shared.example.edu",
		"https://xn--bcher-kva.example",
		"https://h.example.io/a/b/c/d/e/f/g/h",
		"https://gitlab.example.io",
		"https://gitlab.example.io/g1/g2/g3/g4/g5/g6/g7/g8",
	}
	s, _ := resolutionStore(t, stored...)
	cases := []struct {
		name, req, user, want string // want "" means no answer
	}{
		{"exact host", "https://api.example.org", "", "https://api.example.org"},
		{"upper-case host", "https://API.EXAMPLE.ORG", "", "https://api.example.org"},
		{"trailing dot", "https://api.example.org.", "", "https://api.example.org"},
		{"default port", "https://api.example.org:443", "", "https://api.example.org"},
		{"other port has its own record", "https://api.example.org:8443", "", "https://api.example.org:8443"},
		{"unknown port never borrows", "https://api.example.org:9000", "", ""},
		{"unknown port of a wildcard host", "https://x.example.org:9000", "", ""},
		{"path prefix", "https://api.example.org/team/repo.git", "", "https://api.example.org/team"},
		{"longest path prefix", "https://api.example.org/team/private/x", "", "https://api.example.org/team/private"},
		{"exact path", "https://api.example.org/team", "", "https://api.example.org/team"},
		{"prefix only on / boundary", "https://api.example.org/teammate", "", "https://api.example.org"},
		{"prefix on / boundary, deeper", "https://api.example.org/team/privateer", "", "https://api.example.org/team"},
		{"dot-dot cannot climb into a prefix", "https://api.example.org/other/../team/x", "", "https://api.example.org/team"},
		{"dot-dot out of a prefix", "https://api.example.org/team/../public", "", "https://api.example.org"},
		{"trailing slash", "https://api.example.org/team/", "", "https://api.example.org/team"},
		{"deep path on a deep record", "https://h.example.io/a/b/c/d/e/f/g/h", "", "https://h.example.io/a/b/c/d/e/f/g/h"},
		{"deep path, host-wide record", "https://gitlab.example.io/x1/g2/g3/g4/g5/g6/g7/g8/g9/g10/g11/repo.git", "", "https://gitlab.example.io"},
		{"deep path, 9 segments, host-wide record", "https://gitlab.example.io/x1/g2/g3/g4/g5/g6/g7/g8/g9", "", "https://gitlab.example.io"},
		{"deep path below an 8-segment record", "https://gitlab.example.io/g1/g2/g3/g4/g5/g6/g7/g8/g9/g10/repo.git", "", "https://gitlab.example.io/g1/g2/g3/g4/g5/g6/g7/g8"},
		{"deep path, 8-segment prefix only on / boundary", "https://gitlab.example.io/g1/g2/g3/g4/g5/g6/g7/g8x/g9/g10", "", "https://gitlab.example.io"},
		{"deep path, wildcard", "https://www.example.org/1/2/3/4/5/6/7/8/9/10/11/12", "", "*.example.org"},
		{"deep path, no record", "https://nothing.example.io/1/2/3/4/5/6/7/8/9/10", "", ""},
		{"deep path never reaches another host's deep record", "https://other.example.io/a/b/c/d/e/f/g/h/i", "", ""},
		{"wildcard subdomain", "https://www.example.org", "", "*.example.org"},
		{"wildcard deeper subdomain", "https://a.b.c.example.org", "", "*.example.org"},
		{"wildcard with path", "https://www.example.org/x/y", "", "*.example.org"},
		{"wildcard never matches its apex", "https://example.org", "", "https://example.org"},
		{"wildcard apex without record", "https://corp.example.net", "", ""},
		{"wildcard below apex", "https://a.corp.example.net", "", "*.corp.example.net"},
		{"wildcard never matches a suffix look-alike", "https://badexample.org", "", ""},
		{"wildcard never matches a suffix look-alike sub", "https://x.badexample.org", "", ""},
		{"suffix look-alike of a host", "https://evilapi.example.org", "", "*.example.org"},
		{"unrelated host", "https://example.com", "", ""},
		{"host as path of another", "https://evil.test/api.example.org", "", ""},
		{"https record never answers http", "http://api.example.org", "", ""},
		{"https record never answers http, wildcard", "http://www.example.org", "", ""},
		{"explicit http record answers http", "http://plain.example.com", "", "http://plain.example.com"},
		{"explicit http record never answers https", "https://plain.example.com", "", ""},
		{"https record never answers http, other host", "http://secure.example.com", "", ""},
		{"loopback http may use https record", "http://localhost:5000", "", "https://localhost:5000"},
		{"loopback https", "https://localhost:5000", "", "https://localhost:5000"},
		{"loopback other port", "http://localhost:5001", "", ""},
		{"loopback ip http", "http://127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{"loopback ip https may use http record", "https://127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{"first account is the default", "https://git.example.edu", "", "https://git.example.edu as alice"},
		{"named account", "https://git.example.edu", "bob", "https://git.example.edu as bob"},
		{"named account default", "https://git.example.edu", "alice", "https://git.example.edu as alice"},
		{"unknown account", "https://git.example.edu", "carol", ""},
		{"record without a user answers any user", "https://shared.example.edu", "carol", "https://shared.example.edu"},
		{"IDNA request", "https://BÜCHER.example", "", "https://xn--bcher-kva.example"},
		{"IDNA punycode request", "https://xn--bcher-kva.example", "", "https://xn--bcher-kva.example"},
		{"look-alike IDNA host", "https://bucher.example", "", ""},
		{"cyrillic look-alike of example.org", "https://ехample.org", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := ParseRequest(c.req)
			if err != nil {
				t.Fatalf("ParseRequest(%q): %v", c.req, err)
			}
			req.Username = c.user
			rec, err := s.Lookup(req)
			if c.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("Lookup(%s user=%q) = %q, %v; want no answer", c.req, c.user, rec.Secret, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lookup(%s user=%q): %v; want %s", c.req, c.user, err, c.want)
			}
			if rec.Secret != c.want {
				t.Fatalf("Lookup(%s user=%q) answered by %q, want %q", c.req, c.user, rec.Secret, c.want)
			}
		})
	}
}

// TestLookupCostIsBounded proves invariant 6: the reads a lookup makes depend on the request,
// not on how many records are stored, and a lookup never lists the store.
//
// The bounds are counted by hand, not by the code under test: a.b.example.org, *.b.example.org
// and *.example.org times four path prefixes; nothing.example.com and *.example.com; localhost
// under http and https times two path prefixes; bob's key before the default, on each of
// git.example.org and *.example.org, each on two path prefixes.
func TestLookupCostIsBounded(t *testing.T) {
	bound := map[string]int64{
		"https://a.b.example.org/x/y/z": 12,
		"https://nothing.example.com":   2,
		"http://localhost:5000/v2":      4,
		"https://bob@git.example.org/r": 8,
	}
	var first map[string]int64
	for _, n := range []int{10, 1000, 10000} {
		s, ring := filledStore(t, n)
		counts := map[string]int64{}
		for r, max := range bound {
			user := ""
			if r == "https://bob@git.example.org/r" {
				r, user = "https://git.example.org/r", "bob"
			}
			req, err := ParseRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			req.Username = user
			before := ring.gets.Load()
			if _, err := s.Lookup(req); !errors.Is(err, ErrNotFound) {
				t.Fatalf("%s: %v, want no answer", r, err)
			}
			counts[r] = ring.gets.Load() - before
			if counts[r] != max {
				t.Errorf("%d records: %s took %d reads, want %d", n, r, counts[r], max)
			}
		}
		if ring.keys.Load() != 0 {
			t.Errorf("%d records: lookups listed the store", n)
		}
		if first == nil {
			first = counts
			continue
		}
		for r, c := range counts {
			if c != first[r] {
				t.Errorf("%s: %d reads with %d records, %d with 10", r, c, n, first[r])
			}
		}
	}
}

// TestDeepRequest: a request may be deeper than any stored target; its path is kept as given.
func TestDeepRequest(t *testing.T) {
	deep := "https://gitlab.example.io/" + strings.Repeat("g/", 40) + "repo.git"
	req, err := ParseRequest(deep)
	if err != nil {
		t.Fatalf("ParseRequest of a 41-segment path: %v", err)
	}
	if req.Path != "/"+strings.Repeat("g/", 40)+"repo.git" {
		t.Fatalf("path %q", req.Path)
	}
	if _, err := ParseTarget(deep); !errors.Is(err, ErrBadTarget) {
		t.Fatalf("ParseTarget of a 41-segment path: %v, want ErrBadTarget", err)
	}
}

// TestDeepLookupCostIsBounded: a lookup reads the same bounded number of keys whatever the
// request's depth. For https://a.b.example.org/<path> with no user the keys that can answer are
// 3 hosts (a.b.example.org, *.b.example.org, *.example.org) times 9 path prefixes (8 segments
// down to none: no record is deeper), so a miss reads exactly 27 and never lists.
func TestDeepLookupCostIsBounded(t *testing.T) {
	const want = 3 * (8 + 1)
	s, ring := filledStore(t, 100)
	for _, depth := range []int{8, 9, 12, 100, 10000} {
		req, err := ParseRequest("https://a.b.example.org" + strings.Repeat("/x", depth))
		if err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		before := ring.gets.Load()
		if _, err := s.Lookup(req); !errors.Is(err, ErrNotFound) {
			t.Fatalf("depth %d: %v, want a miss", depth, err)
		}
		if n := ring.gets.Load() - before; n != want {
			t.Errorf("a miss at depth %d read %d keys, want %d", depth, n, want)
		}
	}
	if ring.keys.Load() != 0 {
		t.Error("a lookup listed the store")
	}
}

// TestStoreRefusesDeepTarget: a record is never written where no lookup would find it (git
// store of a request deeper than MaxPathDepth); the error names no secret and changes nothing.
func TestStoreRefusesDeepTarget(t *testing.T) {
	s, ring := filledStore(t, 0)
	req, err := ParseRequest("https://gitlab.example.io/1/2/3/4/5/6/7/8/9/repo.git")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(req, Record{Secret: "hunter2", Source: SourceGit}); !errors.Is(err, ErrBadTarget) {
		t.Fatalf("Save at 10 segments: %v, want ErrBadTarget", err)
	} else if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "tok set https://gitlab.example.io") {
		t.Fatalf("error %q", err)
	}
	if err := s.Put(req, Record{Secret: "hunter2", Source: SourceDocker}); !errors.Is(err, ErrBadTarget) {
		t.Fatalf("Put at 10 segments: %v, want ErrBadTarget", err)
	}
	if len(ring.items) != 0 {
		t.Fatalf("stored %d items", len(ring.items))
	}
	at8, _ := ParseRequest("https://gitlab.example.io/1/2/3/4/5/6/7/8")
	if _, err := s.Save(at8, Record{Secret: "s", Source: SourceGit}); err != nil {
		t.Fatalf("Save at 8 segments: %v", err)
	}
}

func filledStore(t testing.TB, n int) (*Store, *memRing) {
	ring := newMemRing()
	s := NewStore(ring, "memory", "test", "", 0)
	for i := 0; i < n; i++ {
		tg := Target{Scheme: "https", Host: fmt.Sprintf("host%d.example.net", i)}
		data, _ := Record{Target: tg.String(), Secret: "s", Source: SourceSet}.Encode()
		ring.items[tg.Key()] = keyringItem(tg.Key(), data)
	}
	return s, ring
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		s, _ := filledStore(b, n)
		benchLookups(b, s, n)
	}
}

// benchLookups measures a hit (a path below a stored host) and a miss (a host with wildcard
// parents and a path) in a store of n records named host<i>.example.net.
func benchLookups(b *testing.B, s *Store, n int) {
	hit, _ := ParseRequest(fmt.Sprintf("https://host%d.example.net/org/repo.git", n/2))
	miss, _ := ParseRequest("https://a.b.unknown.example.com/x")
	b.Run(fmt.Sprintf("records=%d/hit", n), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Lookup(hit); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("records=%d/miss", n), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = s.Lookup(miss)
		}
	})
}
