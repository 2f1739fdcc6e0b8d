package keychain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	// Test binaries link keyring too; without the guard each run with no session bus would
	// leave a dbus-daemon behind.
)

func TestSaveAccounts(t *testing.T) {
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	host := mustTarget(t, "git.example.org")
	save := func(user, secret string) Target {
		k, err := s.Save(host, Record{Secret: secret, Username: user, Source: SourceSet})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if k := save("alice", "a1"); k.Username != "" {
		t.Fatalf("first account went to %s, want the host's default key", k)
	}
	if k := save("bob", "b1"); k.Username != "bob" {
		t.Fatalf("second account went to %s", k)
	}
	if k := save("alice", "a2"); k.Username != "" {
		t.Fatalf("alice again went to %s", k)
	}
	get := func(user string) string {
		req := host
		req.Username = user
		rec, err := s.Lookup(req)
		if err != nil {
			return err.Error()
		}
		return rec.Secret
	}
	if get("") != "a2" || get("alice") != "a2" || get("bob") != "b1" {
		t.Fatalf("got %q %q %q", get(""), get("alice"), get("bob"))
	}
}

func TestSaveKeepsCreated(t *testing.T) {
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	s.SetClock(func() time.Time { return now })
	host := mustTarget(t, "h.example.org")
	if _, err := s.Save(host, Record{Secret: "1"}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(time.Hour)
	if _, err := s.Save(host, Record{Secret: "2"}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Lookup(host)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Created.Equal(t0) || !rec.Updated.Equal(now) || rec.Version != RecordVersion {
		t.Fatalf("created %v updated %v version %d", rec.Created, rec.Updated, rec.Version)
	}
}

func TestUnreadableRecords(t *testing.T) {
	ring := newMemRing()
	s := NewStore(ring, "memory", "test", "", 0)
	newer := mustTarget(t, "newer.example.org")
	damaged := mustTarget(t, "damaged.example.org")
	if err := ring.Set(keyring.Item{Key: newer.Key(), Data: []byte(`{"version":99,"secret":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := ring.Set(keyring.Item{Key: damaged.Key(), Data: []byte(`{"vers`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(newer); !errors.Is(err, ErrNewerRecord) {
		t.Errorf("newer record: %v", err)
	}
	_, err := s.Lookup(damaged)
	if !errors.Is(err, ErrDamagedRecord) {
		t.Errorf("damaged record: %v", err)
	}
	// Saving over an unreadable record without a username is refused and changes nothing.
	if _, err := s.Save(newer, Record{Secret: "y"}); !errors.Is(err, ErrNewerRecord) {
		t.Errorf("overwrite of a newer record: %v", err)
	}
	if string(ring.items[newer.Key()].Data) != `{"version":99,"secret":"x"}` {
		t.Error("the newer record was changed")
	}
	entries, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Err == nil || entries[1].Err == nil {
		t.Fatalf("List: %+v", entries)
	}
}

func TestRecordNeverPrintsSecret(t *testing.T) {
	r := Record{Target: "https://h", Secret: "TOPSECRET", RefreshToken: "REFRESH"}
	for _, s := range []string{r.String(), r.GoString()} {
		if strings.Contains(s, "TOPSECRET") || strings.Contains(s, "REFRESH") {
			t.Fatalf("record prints a secret: %s", s)
		}
	}
}
