package keychain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// Margins of the token lifecycle.
const (
	// RefreshMargin: an access token with less than this left is refreshed before use.
	RefreshMargin = time.Minute
	// SessionMargin: a cached session token with less than this left is minted anew.
	SessionMargin = 30 * time.Second
)

// RenewFunc computes the renewed record from the current one (a refresh, a session exchange).
// Only the fields it changes are written back, in one write.
type RenewFunc func(ctx context.Context, current Record) (Record, error)

// NeedsRefresh reports whether the record can and should be refreshed now.
func (r Record) NeedsRefresh(now time.Time) bool {
	return r.RefreshToken != "" && !r.Expires.IsZero() && r.Expires.Sub(now) < RefreshMargin
}

// SessionValid reports whether the cached session token can still be handed out.
func (r Record) SessionValid(now time.Time) bool {
	return r.Session != nil && r.Session.Expires.Sub(now) >= SessionMargin
}

// Renew renews rec at most once across all tok processes: it takes a lock for rec's target,
// re-reads the record, and calls renew only when stale still says the stored record needs it
// (another process may have renewed it while this one waited). The renewed record is stored
// in one write, so a rotated refresh token is never separated from its access token, and only
// if the stored record is still the one renew started from (compare and swap under the write
// lock): a login that happened during the HTTP call is kept, and returned unless it too is stale.
func (s *Store) Renew(ctx context.Context, rec Record, stale func(Record) bool, renew RenewFunc) (Record, error) {
	key, err := rec.ParsedTarget()
	if err != nil {
		return rec, err
	}
	if s.lockPath != "" {
		sum := sha256.Sum256([]byte(key.Key()))
		lock := filepath.Join(filepath.Dir(s.lockPath), "renew-"+hex.EncodeToString(sum[:8])+".lock")
		wait := 30 * time.Second
		if d, ok := ctx.Deadline(); ok {
			wait = time.Until(d)
		}
		unlock, err := LockFile(lock, wait)
		if err != nil {
			return rec, err
		}
		defer unlock()
	}
	current, err := s.read(key)
	if err != nil {
		return rec, err
	}
	if current.Username != rec.Username {
		// tok default moved another account to this key: never renew it in this one's name.
		return rec, fmt.Errorf("the account at %s changed while its token was due; try again", key)
	}
	for attempt := 1; ; attempt++ {
		if !stale(current) {
			return current, nil
		}
		renewed, err := renew(ctx, current)
		if err != nil {
			return current, err
		}
		stored, err := s.swapRenewed(key, current, renewed)
		if !errors.Is(err, errSuperseded) {
			if err != nil {
				return current, err
			}
			return stored, nil
		}
		// A tok login (or set) stored a newer credential while renew ran: it is kept, the
		// renewal made from the old one is dropped, and the newer one is renewed only if it
		// needs it too (a fresh login does not; a new Curvenote token has no session yet).
		if attempt == maxRenewAttempts && stale(stored) {
			return stored, fmt.Errorf("the record for %s changed %d times while it was renewed; nothing was overwritten; try again", key.URL(), attempt)
		}
		current = stored
	}
}

// maxRenewAttempts bounds how often Renew starts again from a record that changed under it.
const maxRenewAttempts = 3

// swapRenewed writes renewed's renewable fields at key if the stored record is still current
// (same secret, refresh token and update time), under the write lock; otherwise it writes
// nothing and returns the stored record with errSuperseded.
func (s *Store) swapRenewed(key Target, current, renewed Record) (Record, error) {
	var stored Record
	err := s.Update(key, func(r *Record) error {
		stored = *r
		if r.Username != current.Username {
			// tok default moved another account to this key while the request was out.
			return fmt.Errorf("the account at %s changed while its token was renewed; try again", key)
		}
		if r.Secret != current.Secret || r.RefreshToken != current.RefreshToken || !r.Updated.Equal(current.Updated) {
			return errSuperseded
		}
		r.Secret, r.RefreshToken, r.Expires = renewed.Secret, renewed.RefreshToken, renewed.Expires
		r.Scopes, r.Session, r.Rejected = renewed.Scopes, renewed.Session, nil
		r.Updated = s.now().UTC()
		stored = *r
		return nil
	})
	return stored, err
}

// errSuperseded stops Renew's write when the record changed during the renewal.
var errSuperseded = errors.New("the record changed while it was renewed")

// MarkRejected records that a server refused the record's credential.
func (s *Store) MarkRejected(rec Record, host string) error {
	key, err := rec.ParsedTarget()
	if err != nil {
		return err
	}
	return s.Update(key, func(r *Record) error {
		r.Rejected = &Rejection{At: s.now().UTC(), Host: host}
		return nil
	})
}

// ErrCannotRenew means a record has nothing to renew with.
var ErrCannotRenew = errors.New("cannot be renewed")
