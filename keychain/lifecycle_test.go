package keychain

import (
	"context"
	"testing"
	"time"
)

// renewStore holds one JWT-platform record whose access token is due for refresh, on a clock
// that moves a second each time it is read, so every write gets its own Updated.
func renewStore(t *testing.T) (*Store, Target, Record) {
	t.Helper()
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetClock(func() time.Time { now = now.Add(time.Second); return now })
	target := mustTarget(t, "https://api.example.org")
	if _, err := s.Save(target, Record{Secret: "old-access", RefreshToken: "old-refresh", Expires: now, Platform: "jwt", Source: SourceLogin}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Lookup(target)
	if err != nil {
		t.Fatal(err)
	}
	return s, target, rec
}

func always(Record) bool { return true }

func refreshed(_ context.Context, cur Record) (Record, error) {
	cur.Secret, cur.RefreshToken = "renewed-access", "renewed-refresh"
	return cur, nil
}

// TestRenewKeepsNewerLogin: a tok login that lands while the refresh is on the wire wins; the
// refresh, made from the old refresh token, must not overwrite it.
func TestRenewKeepsNewerLogin(t *testing.T) {
	s, target, rec := renewStore(t)
	got, err := s.Renew(context.Background(), rec, always, func(ctx context.Context, cur Record) (Record, error) {
		if _, err := s.Save(target, Record{Secret: "login-access", RefreshToken: "login-refresh", Platform: "jwt", Source: SourceLogin}); err != nil {
			t.Fatal(err)
		}
		return refreshed(ctx, cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != "login-access" || got.RefreshToken != "login-refresh" {
		t.Fatalf("Renew returned %q/%q, want the newer login", got.Secret, got.RefreshToken)
	}
	stored, err := s.Lookup(target)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Secret != "login-access" || stored.RefreshToken != "login-refresh" {
		t.Fatalf("store holds %q/%q after the renewal, want the newer login", stored.Secret, stored.RefreshToken)
	}
}

// TestRenewKeepsNewerLoginSameTokens: a login whose answer repeats the access token (a server
// that caches) but was stored after the renewal read the record is still the newer record.
func TestRenewKeepsNewerLoginSameTokens(t *testing.T) {
	s, target, rec := renewStore(t)
	got, err := s.Renew(context.Background(), rec, always, func(ctx context.Context, cur Record) (Record, error) {
		if _, err := s.Save(target, Record{Secret: cur.Secret, RefreshToken: cur.RefreshToken, Scopes: []string{"read"}, Platform: "jwt", Source: SourceLogin}); err != nil {
			t.Fatal(err)
		}
		return refreshed(ctx, cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Lookup(target)
	if got.Secret != "old-access" || stored.Secret != "old-access" || len(stored.Scopes) != 1 {
		t.Fatalf("Renew returned %q, store holds %q %v; want the login stored during the renewal", got.Secret, stored.Secret, stored.Scopes)
	}
}

// TestRenewWritesWhenUnchanged: without a concurrent login the renewal is stored, also when
// the record was only touched (last used) meanwhile.
func TestRenewWritesWhenUnchanged(t *testing.T) {
	s, target, rec := renewStore(t)
	got, err := s.Renew(context.Background(), rec, always, func(ctx context.Context, cur Record) (Record, error) {
		s.Touch(cur)
		return refreshed(ctx, cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Lookup(target)
	if got.Secret != "renewed-access" || stored.Secret != "renewed-access" || stored.RefreshToken != "renewed-refresh" {
		t.Fatalf("Renew returned %q, store holds %q/%q; want the renewal", got.Secret, stored.Secret, stored.RefreshToken)
	}
	if stored.LastUsed.IsZero() {
		t.Fatal("the touch during the renewal was lost")
	}
}
