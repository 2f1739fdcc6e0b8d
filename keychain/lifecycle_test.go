package keychain

import (
	"context"
	"fmt"
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

// due is the stale test of a refresh: the access token is about to expire.
func due(s *Store) func(Record) bool {
	return func(r Record) bool { return r.NeedsRefresh(s.Now()) }
}

func refreshed(_ context.Context, cur Record) (Record, error) {
	cur.Secret, cur.RefreshToken = "renewed-access", "renewed-refresh"
	return cur, nil
}

// TestRenewKeepsNewerLogin: a tok login that lands while the refresh is on the wire wins; the
// refresh, made from the old refresh token, must not overwrite it.
func TestRenewKeepsNewerLogin(t *testing.T) {
	s, target, rec := renewStore(t)
	got, err := s.Renew(context.Background(), rec, due(s), func(ctx context.Context, cur Record) (Record, error) {
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
	got, err := s.Renew(context.Background(), rec, due(s), func(ctx context.Context, cur Record) (Record, error) {
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
	got, err := s.Renew(context.Background(), rec, due(s), func(ctx context.Context, cur Record) (Record, error) {
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

// TestRenewSessionAfterNewToken: a new Curvenote token stored while a session was minted from
// the old one is kept, and the session returned is minted from the new token (the newer
// record has no session, so it is stale too); the old token's session is never stored.
func TestRenewSessionAfterNewToken(t *testing.T) {
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	target := mustTarget(t, "https://api.curvenote.com")
	if _, err := s.Save(target, Record{Secret: "old-user-token", Platform: "curvenote", Source: SourceSet}); err != nil {
		t.Fatal(err)
	}
	rec, _ := s.Lookup(target)
	noSession := func(r Record) bool { return !r.SessionValid(s.Now()) }
	var minted []string
	got, err := s.Renew(context.Background(), rec, noSession, func(_ context.Context, cur Record) (Record, error) {
		minted = append(minted, cur.Secret)
		if len(minted) == 1 {
			if _, err := s.Save(target, Record{Secret: "new-user-token", Platform: "curvenote", Source: SourceSet}); err != nil {
				t.Fatal(err)
			}
		}
		cur.Session = &SessionToken{Token: "session-of-" + cur.Secret, Expires: s.Now().Add(15 * time.Minute)}
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Lookup(target)
	if got.Session == nil || got.Session.Token != "session-of-new-user-token" || got.Secret != "new-user-token" {
		t.Fatalf("Renew returned %+v", got)
	}
	if stored.Secret != "new-user-token" || stored.Session == nil || stored.Session.Token != "session-of-new-user-token" {
		t.Fatalf("store holds %q with session %+v", stored.Secret, stored.Session)
	}
	if len(minted) != 2 || minted[0] != "old-user-token" || minted[1] != "new-user-token" {
		t.Fatalf("minted from %q", minted)
	}
}

// TestRenewGivesUpOnARace: a record that changes under every renewal is never overwritten;
// after maxRenewAttempts renewals Renew says so.
func TestRenewGivesUpOnARace(t *testing.T) {
	s, target, rec := renewStore(t)
	calls := 0
	got, err := s.Renew(context.Background(), rec, func(Record) bool { return true }, func(ctx context.Context, cur Record) (Record, error) {
		calls++
		if _, err := s.Save(target, Record{Secret: fmt.Sprintf("login-%d", calls), Platform: "jwt", Source: SourceLogin}); err != nil {
			t.Fatal(err)
		}
		return refreshed(ctx, cur)
	})
	stored, _ := s.Lookup(target)
	if err == nil || calls != maxRenewAttempts || got.Secret != "login-3" || stored.Secret != "login-3" {
		t.Fatalf("%d renewals, returned %q, stored %q, err %v", calls, got.Secret, stored.Secret, err)
	}
}
