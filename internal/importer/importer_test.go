package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A removal whose re-read still shows the entry is an error, never "Removed".
func TestRemoveFromVerifiesByRereading(t *testing.T) {
	p := filepath.Join(t.TempDir(), "netrc")
	os.WriteFile(p, []byte("machine a.org login u password p\n"), 0o600)
	f, _ := parseNetrc([]byte("machine a.org login u password p\n"))
	e := f.entries[0]
	broken := Found{Path: p,
		remove:  func(b []byte) ([]byte, error) { return append(b, '\n'), nil }, // leaves the entry
		present: func(b []byte) bool { return netrcHas(b, e) }}
	if _, err := removeFrom(p, []Found{broken}); err == nil || !strings.Contains(err.Error(), "would leave the token") {
		t.Fatalf("removeFrom = %v; want an error", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "machine a.org login u password p\n" {
		t.Fatalf("a failed removal changed the file: %q", b)
	}
	// The re-read after the write is checked too (here it differs from what was written).
	calls := 0
	reread := Found{Path: p,
		remove:  func(b []byte) ([]byte, error) { return removeNetrcEntry(b, e) },
		present: func(b []byte) bool { calls++; return calls > 1 }}
	if _, err := removeFrom(p, []Found{reread}); err == nil || !strings.Contains(err.Error(), "still holds") {
		t.Fatalf("removeFrom = %v; want an error from the re-read", err)
	}
	os.WriteFile(p, []byte("machine a.org login u password p\n"), 0o600)
	good := broken
	good.remove = func(b []byte) ([]byte, error) { return removeNetrcEntry(b, e) }
	if name, err := removeFrom(p, []Found{good}); err != nil || name != p {
		t.Fatalf("removeFrom = %q, %v", name, err)
	}
	if b, _ := os.ReadFile(p); len(b) != 0 {
		t.Fatalf("left %q", b)
	}
}
