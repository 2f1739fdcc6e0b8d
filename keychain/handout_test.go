package keychain

import (
	"context"
	"errors"
	"testing"
	"time"
)

// stubRenewer renews to secret (or fails with err) and records the key it was given.
type stubRenewer struct {
	calls  int
	key    Target
	secret string
	err    error
}

func (r *stubRenewer) Renew(_ context.Context, key Target, rec Record) (Record, error) {
	r.calls++
	r.key = key
	if r.err != nil {
		return Record{Secret: "must not be used"}, r.err
	}
	rec.Secret = r.secret
	rec.Expires = rec.Expires.Add(time.Hour)
	return rec, nil
}

func TestHandOut(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	refused := errors.New("refresh refused")
	for _, tc := range []struct {
		name    string
		left    time.Duration // until the record expires
		refresh string        // its refresh token
		r       *stubRenewer
		want    string // secret handed out; "" for an error
		calls   int
		warned  bool
	}{
		{"not due", 2 * RefreshMargin, "rt", &stubRenewer{secret: "new"}, "old", 0, false},
		{"due", RefreshMargin - time.Second, "rt", &stubRenewer{secret: "new"}, "new", 1, false},
		{"at the margin", RefreshMargin, "rt", &stubRenewer{secret: "new"}, "old", 0, false},
		{"due, renewal fails, still valid", time.Second, "rt", &stubRenewer{err: refused}, "old", 1, true},
		{"expired, renewal fails", -time.Second, "rt", &stubRenewer{err: refused}, "", 1, false},
		{"expired this instant, renewal fails", 0, "rt", &stubRenewer{err: refused}, "", 1, false},
		{"no refresh token", -time.Second, "", &stubRenewer{secret: "new"}, "old", 0, false},
		{"no renewer", -time.Second, "rt", nil, "old", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ring := newMemRing()
			s := NewStore(ring, "memory", "test", "", 0)
			s.SetClock(func() time.Time { return now })
			key := mustTarget(t, "https://api.example.org")
			key.Username = "bob"
			if err := s.Put(key, Record{Secret: "old", Username: "bob", RefreshToken: tc.refresh, Expires: now.Add(tc.left)}); err != nil {
				t.Fatal(err)
			}
			var warned []error
			var r Renewer
			if tc.r != nil {
				r = tc.r
			}
			req := mustTarget(t, "https://api.example.org")
			req.Username = "bob"
			rec, err := s.HandOut(context.Background(), req, r, func(err error) { warned = append(warned, err) })
			if tc.want == "" {
				if !errors.Is(err, refused) {
					t.Fatalf("handed out %q, err %v; want the renewal's error", rec.Secret, err)
				}
			} else if err != nil || rec.Secret != tc.want {
				t.Fatalf("handed out %q, err %v; want %q", rec.Secret, err, tc.want)
			}
			if tc.r != nil && tc.r.calls != tc.calls {
				t.Fatalf("%d renewals, want %d", tc.r.calls, tc.calls)
			}
			if tc.calls > 0 && tc.r.key != key {
				t.Fatalf("renewed %s, want the stored key %s", tc.r.key, key)
			}
			if (len(warned) > 0) != tc.warned || (tc.warned && !errors.Is(warned[0], refused)) {
				t.Fatalf("warnings %v", warned)
			}
			stored, _, _ := s.Find(key)
			if tc.want != "" && !stored.LastUsed.Equal(now) {
				t.Fatalf("last used %v, want %v", stored.LastUsed, now)
			}
			if tc.want == "" && !stored.LastUsed.IsZero() {
				t.Fatal("a refused hand-out was recorded as a use")
			}
		})
	}
}

func TestHandOutNotFound(t *testing.T) {
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	r := &stubRenewer{}
	if _, err := s.HandOut(context.Background(), mustTarget(t, "https://api.example.org"), r, nil); !errors.Is(err, ErrNotFound) || r.calls != 0 {
		t.Fatalf("err %v, %d renewals", err, r.calls)
	}
}

// A record whose target does not parse is never sent to the renewer.
func TestHandOutRecordBadTarget(t *testing.T) {
	now := time.Now()
	s := NewStore(newMemRing(), "memory", "test", "", 0)
	r := &stubRenewer{secret: "new"}
	_, err := s.HandOutRecord(context.Background(), Record{Target: "::", Secret: "old", RefreshToken: "rt", Expires: now}, r, nil)
	if err == nil || r.calls != 0 {
		t.Fatalf("err %v, %d renewals", err, r.calls)
	}
}
