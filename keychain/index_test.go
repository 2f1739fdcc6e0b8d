package keychain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

func indexKeys(t *testing.T, s *Store) string {
	t.Helper()
	entries, ok, err := s.readIndex()
	if err != nil || !ok {
		t.Fatalf("no index: %v", err)
	}
	var out []string
	for _, e := range entries {
		d := ""
		if e.Default {
			d = "*"
		}
		out = append(out, e.Key.String()+"="+e.Platform+"/"+strings.Join(e.Env, ",")+d)
	}
	return strings.Join(out, " ")
}

// TestIndexFollowsEveryWrite: once built, the index changes with each write and delete under
// the write lock, and holds only records a platform or a variable can select.
func TestIndexFollowsEveryWrite(t *testing.T) {
	ring := newMemRing()
	s := NewStore(ring, "mem", "test", "", time.Second)
	s.Save(mustTarget(t, "api.example.org"), Record{Secret: "a", Platform: "jwt", Source: SourceSet})
	if _, ok, _ := s.readIndex(); ok {
		t.Fatal("a write made an index of one record while older records may be unindexed")
	}
	if _, err := s.Index(); err != nil {
		t.Fatal(err)
	}
	s.Save(mustTarget(t, "git.example.org"), Record{Secret: "g", Source: SourceGit}) // selects nothing
	s.Save(mustTarget(t, "cave.example.org"), Record{Secret: "c", Platform: "cave", Source: SourceSet})
	s.Save(mustTarget(t, "cave.example.org"), Record{Secret: "c2", Username: "bob", Platform: "cave", Source: SourceSet})
	s.Save(mustTarget(t, "env.example.org"), Record{Secret: "e", Env: []string{"MY_TOKEN"}, Source: SourceSet})
	want := "https://api.example.org=jwt/ https://cave.example.org=cave/ https://bob@cave.example.org=cave/ https://env.example.org=/MY_TOKEN"
	if got := indexKeys(t, s); got != want {
		t.Fatalf("index after writes:\n got %s\nwant %s", got, want)
	}
	gets := ring.gets.Load()
	s.Touch(Record{Target: "https://api.example.org"}) // a write that changes nothing selection reads
	if ring.gets.Load()-gets > 2 {
		t.Fatalf("touching a record read %d items", ring.gets.Load()-gets)
	}
	s.Delete(Target{Scheme: "https", Host: "cave.example.org", Username: "bob"})
	s.Update(mustTarget(t, "env.example.org"), func(r *Record) error { r.Env = []string{"OTHER"}; return nil })
	want = "https://api.example.org=jwt/ https://cave.example.org=cave/ https://env.example.org=/OTHER"
	if got := indexKeys(t, s); got != want {
		t.Fatalf("index after delete and update:\n got %s\nwant %s", got, want)
	}
	// A record written behind the index's back (an older tok) is indexed by the next listing.
	rec := Record{Target: "https://late.example.org", Secret: "l", Platform: "jwt", Source: SourceSet}
	data, _ := rec.Encode()
	ring.Set(keyringItem(mustTarget(t, "late.example.org").Key(), data))
	if _, err := s.List(); err != nil {
		t.Fatal(err)
	}
	if got := indexKeys(t, s); !strings.Contains(got, "https://late.example.org=jwt/") {
		t.Fatalf("listing did not repair the index: %s", got)
	}
	if entries, _ := s.List(); len(entries) != 5 {
		t.Fatalf("the index item shows up as a record: %d entries", len(entries))
	}
}

// TestIndexUnreadableIsRebuilt: an index that cannot be read when a record is written (a
// damaged item; on the vault, a locked session) is removed, never left stale, and the next
// selection rebuilds it from the records.
func TestIndexUnreadableIsRebuilt(t *testing.T) {
	ring := newMemRing()
	s := NewStore(ring, "mem", "test", "", time.Second)
	s.Save(mustTarget(t, "a.example.org"), Record{Secret: "a", Platform: "jwt", Source: SourceSet})
	s.Index()
	ring.Set(keyringItem(indexKey, []byte("garbage")))
	s.Save(mustTarget(t, "b.example.org"), Record{Secret: "b", Platform: "jwt", Source: SourceSet})
	if _, err := ring.Get(indexKey); !errors.Is(err, keyring.ErrKeyNotFound) {
		t.Fatalf("an unreadable index was kept: %v", err)
	}
	entries, err := s.Index()
	if err != nil || len(entries) != 2 {
		t.Fatalf("rebuilt index: %d entries, %v", len(entries), err)
	}
}

func TestIndexRoundTrip(t *testing.T) {
	in := []IndexEntry{
		{Key: Target{Scheme: "https", Host: "h.example.org", Port: "8443", Path: "/a b/%x", Username: "x\tdefault login\nx"}, Platform: "my\tplat", Env: []string{"A", "B"}, Created: time.Unix(1, 2).UTC(), Default: true},
		{Key: Target{Scheme: "http", Host: "[::1]"}, Created: time.Unix(3, 0).UTC()},
	}
	out, err := decodeIndex(encodeIndex(in))
	if err != nil || fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("round trip:\n got %v %v\nwant %v", out, err, in)
	}
	for _, bad := range [][]byte{nil, []byte("tok-index 1 flate\n"), []byte("tok-index 1\nhttps\th\n")} {
		if _, err := decodeIndex(bad); err == nil && len(bad) > 0 && !strings.HasPrefix(string(bad), indexHeader) {
			t.Errorf("decodeIndex(%q) accepted", bad)
		}
	}
}

// TestMakeDefaultSwapsAccounts: the chosen account moves to the host's key, the one it
// replaces to its own user key, nothing is lost, and the platform's default host moves.
func TestMakeDefaultSwapsAccounts(t *testing.T) {
	s := NewStore(newMemRing(), "mem", "test", "", time.Second)
	host := mustTarget(t, "api.example.org")
	s.Save(host, Record{Secret: "ada-token", Username: "ada", Platform: "jwt", Source: SourceLogin})
	s.Save(host, Record{Secret: "bob-token", Username: "bob", Platform: "jwt", Source: SourceLogin})
	s.Save(mustTarget(t, "other.example.org"), Record{Secret: "o", Platform: "jwt", Source: SourceSet})
	s.Index()
	bob := host
	bob.Username = "bob"
	rec, err := s.MakeDefault(bob)
	if err != nil || rec.Secret != "bob-token" || !rec.PlatformDefault {
		t.Fatalf("MakeDefault: %v %v", rec, err)
	}
	if got, _ := s.Lookup(host); got.Secret != "bob-token" {
		t.Fatal("requests naming no user do not get bob")
	}
	ada := host
	ada.Username = "ada"
	if got, _, err := s.Find(ada); err != nil || got.Secret != "ada-token" || got.PlatformDefault {
		t.Fatalf("ada after the switch: %v %v", got, err)
	}
	if got := indexKeys(t, s); got != "https://api.example.org=jwt/* https://other.example.org=jwt/ https://ada@api.example.org=jwt/" {
		t.Fatalf("index after the switch: %s", got)
	}
	if _, err := s.MakeDefault(mustTarget(t, "other.example.org")); err != nil {
		t.Fatal(err)
	}
	if got := indexKeys(t, s); got != "https://api.example.org=jwt/ https://other.example.org=jwt/* https://ada@api.example.org=jwt/" {
		t.Fatalf("the platform's default host did not move: %s", got)
	}
	// A host whose default record has no user name cannot make way: say so, change nothing.
	plain := mustTarget(t, "plain.example.org")
	s.Save(plain, Record{Secret: "p", Source: SourceSet})
	s.Save(plain, Record{Secret: "c", Username: "carol", Source: SourceSet})
	carol := plain
	carol.Username = "carol"
	if _, err := s.MakeDefault(carol); !errors.Is(err, ErrNoUsername) {
		t.Fatalf("MakeDefault over a record with no user: %v", err)
	}
	if got, _ := s.Lookup(plain); got.Secret != "p" {
		t.Fatal("a refused switch changed the host's record")
	}
	// A renewal that started before the switch does not write into the other account.
	_, err = s.Renew(context.Background(), Record{Target: "https://api.example.org", Username: "ada"}, func(Record) bool { return true },
		func(ctx context.Context, cur Record) (Record, error) { return Record{Secret: "renewed"}, nil })
	if got, _ := s.Lookup(host); err == nil || got.Secret == "renewed" {
		t.Fatalf("ada's renewal went to the account now at the host's key: %v", err)
	}
}

// TestIndexNeverAsksForThePassphrase: on a locked vault a write needs no passphrase, and
// keeping the index does not make it ask: the index is dropped instead, and rebuilt by the
// next selection (which needs the vault unlocked anyway).
func TestIndexNeverAsksForThePassphrase(t *testing.T) {
	dir := t.TempDir()
	v, err := OpenVault(dir, func() (string, error) { return "pw", nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(v, BackendVault, "test", "", 0)
	s.Save(mustTarget(t, "a.example.org"), Record{Secret: "a", Platform: "jwt", Source: SourceSet})
	if _, err := s.Index(); err != nil {
		t.Fatal(err)
	}
	asked := 0
	locked, err := OpenVault(dir, func() (string, error) { asked++; return "pw", nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ls := NewStore(timedRing{ring: locked, backend: BackendVault, timeout: time.Second}, BackendVault, "test", "", 0)
	if _, err := ls.Save(mustTarget(t, "b.example.org"), Record{Secret: "b", Platform: "jwt", Source: SourceGit}); err != nil {
		t.Fatal(err)
	}
	if asked != 0 {
		t.Fatalf("a write on the locked vault asked for the passphrase %d times", asked)
	}
	entries, err := NewStore(v, BackendVault, "test", "", 0).Index()
	if err != nil || len(entries) != 2 {
		t.Fatalf("the index after a locked write: %d entries, %v (want it rebuilt with both)", len(entries), err)
	}
}
