package keychain

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

func TestRenew(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, lockDir := range []string{"", "with a lock file"} {
		s := NewStore(newMemRing(), "memory", "test", "", time.Second)
		if lockDir != "" {
			s = NewStore(newMemRing(), "memory", "test", filepath.Join(t.TempDir(), "write.lock"), time.Second)
		}
		s.SetClock(func() time.Time { return now })
		key := mustTarget(t, "https://api.example.org")
		old := Record{Secret: "old", RefreshToken: "rt1", Expires: now.Add(time.Second), Source: SourceLogin,
			Rejected: &Rejection{At: now, Host: "api.example.org"}, Extra: map[string]string{"k": "v"}}
		if err := s.Put(key, old); err != nil {
			t.Fatal(err)
		}
		rec, _, _ := s.Find(key)
		calls := 0
		renew := func(_ context.Context, cur Record) (Record, error) {
			calls++
			cur.Secret, cur.RefreshToken, cur.Expires, cur.Scopes = "new", "rt2", now.Add(time.Hour), []string{"s"}
			cur.Source, cur.Extra = "changed", nil // fields a renewal does not own
			return cur, nil
		}
		// Not stale: the stored record, no renewal.
		got, err := s.Renew(context.Background(), rec, func(Record) bool { return false }, renew)
		if err != nil || got.Secret != "old" || calls != 0 {
			t.Fatalf("%s: not stale: %q %v, %d calls", lockDir, got.Secret, err, calls)
		}
		// A failed renewal: the stored record and the error; nothing written.
		failed := errors.New("refused")
		got, err = s.Renew(context.Background(), rec, func(Record) bool { return true }, func(context.Context, Record) (Record, error) { return Record{}, failed })
		if !errors.Is(err, failed) || got.Secret != "old" {
			t.Fatalf("%s: failed: %q %v", lockDir, got.Secret, err)
		}
		now = now.Add(time.Minute)
		got, err = s.Renew(context.Background(), rec, func(Record) bool { return true }, renew)
		if err != nil || calls != 1 {
			t.Fatalf("%s: %v, %d calls", lockDir, err, calls)
		}
		stored, _, _ := s.Find(key)
		for _, r := range []Record{got, stored} {
			if r.Secret != "new" || r.RefreshToken != "rt2" || !r.Expires.Equal(now.Add(time.Hour)) || len(r.Scopes) != 1 ||
				r.Rejected != nil || !r.Updated.Equal(now) || r.Source != SourceLogin || r.Extra["k"] != "v" {
				t.Fatalf("%s: renewed %+v", lockDir, r)
			}
		}
	}
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	if _, err := s.Renew(context.Background(), Record{Target: "::"}, nil, nil); err == nil {
		t.Fatal("renewed a record without a target")
	}
	if _, err := s.Renew(context.Background(), Record{Target: "https://gone.example.org"}, func(Record) bool { return true }, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a record gone meanwhile: %v", err)
	}
}

func TestMarkRejected(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	s.SetClock(func() time.Time { return now })
	key := mustTarget(t, "https://api.example.org")
	if err := s.Put(key, Record{Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := s.Find(key)
	if err := s.MarkRejected(rec, "api.example.org:443"); err != nil {
		t.Fatal(err)
	}
	rec, _, _ = s.Find(key)
	if rec.Rejected == nil || !rec.Rejected.At.Equal(now) || rec.Rejected.Host != "api.example.org:443" {
		t.Fatalf("%+v", rec.Rejected)
	}
	if err := s.MarkRejected(Record{Target: "::"}, "h"); err == nil {
		t.Fatal("marked a record without a target")
	}
}

func TestNeedsRefreshAndSessionValid(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    Record
		want bool
	}{
		{Record{RefreshToken: "rt", Expires: now.Add(RefreshMargin - 1)}, true},
		{Record{RefreshToken: "rt", Expires: now.Add(RefreshMargin)}, false},
		{Record{RefreshToken: "rt", Expires: now.Add(-time.Hour)}, true},
		{Record{RefreshToken: "", Expires: now.Add(-time.Hour)}, false},
		{Record{RefreshToken: "rt"}, false},
	} {
		if got := tc.r.NeedsRefresh(now); got != tc.want {
			t.Errorf("NeedsRefresh(%v, %q) = %v", tc.r.Expires.Sub(now), tc.r.RefreshToken, got)
		}
	}
	for left, want := range map[time.Duration]bool{SessionMargin: true, SessionMargin - 1: false, time.Hour: true, -time.Hour: false} {
		r := Record{Session: &SessionToken{Token: "s", Expires: now.Add(left)}}
		if got := r.SessionValid(now); got != want {
			t.Errorf("SessionValid with %v left = %v", left, got)
		}
	}
	if (Record{}).SessionValid(now) {
		t.Error("no session is valid")
	}
}

func TestFindAccounts(t *testing.T) {
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	host := mustTarget(t, "https://git.example.org")
	if _, err := s.Save(host, Record{Secret: "a", Username: "ada"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(host, Record{Secret: "b", Username: "bob"}); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]string{"": "a", "ada": "a", "bob": "b", "cy": ""} {
		req := host
		req.Username = user
		rec, key, err := s.Find(req)
		if want == "" {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Find(%s): %q %v", user, rec.Secret, err)
			}
			continue
		}
		wantKey := ""
		if user == "bob" {
			wantKey = "bob"
		}
		if err != nil || rec.Secret != want || key.Username != wantKey {
			t.Errorf("Find(%q) = %q at %s, %v", user, rec.Secret, key, err)
		}
	}
}

// Saving a user's record over an unreadable default record goes to the user's own key.
func TestSaveBesideUnreadable(t *testing.T) {
	ring := newMemRing()
	s := NewStore(ring, "memory", "test", "", 0)
	host := mustTarget(t, "https://h.example.org")
	if err := ring.Set(keyring.Item{Key: host.Key(), Data: []byte(`{"vers`)}); err != nil {
		t.Fatal(err)
	}
	key, err := s.Save(host, Record{Secret: "s", Username: "ada"})
	if err != nil || key.Username != "ada" {
		t.Fatalf("%s %v", key, err)
	}
	if string(ring.items[host.Key()].Data) != `{"vers` {
		t.Fatal("the unreadable record changed")
	}
}

func TestCopy(t *testing.T) {
	from, to := NewStore(newMemRing(), "a", "", "", 0), NewStore(newMemRing(), "b", "", filepath.Join(t.TempDir(), "lock"), time.Second)
	for _, h := range []string{"https://a.example.org", "https://b.example.org"} {
		if _, err := from.Save(mustTarget(t, h), Record{Secret: h, Source: SourceSet}); err != nil {
			t.Fatal(err)
		}
	}
	bad := mustTarget(t, "https://bad.example.org")
	from.ring.(*memRing).items[bad.Key()] = keyring.Item{Key: bad.Key(), Data: []byte("{")}
	n, err := Copy(from, to)
	if n != 2 || err == nil || !errors.Is(err, ErrDamagedRecord) {
		t.Fatalf("copied %d, %v", n, err)
	}
	for _, h := range []string{"https://a.example.org", "https://b.example.org"} {
		orig, _, _ := from.Find(mustTarget(t, h))
		got, _, err := to.Find(mustTarget(t, h))
		if err != nil || got.Secret != h || !got.Created.Equal(orig.Created) {
			t.Fatalf("%s: %+v %v", h, got, err)
		}
	}
	if _, _, err := to.Find(bad); !errors.Is(err, ErrNotFound) {
		t.Fatalf("copied the damaged record: %v", err)
	}
}
