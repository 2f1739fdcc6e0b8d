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
// in one write, so a rotated refresh token is never separated from its access token.
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
	if !stale(current) {
		return current, nil
	}
	renewed, err := renew(ctx, current)
	if err != nil {
		return current, err
	}
	var stored Record
	err = s.Update(key, func(r *Record) error {
		if r.Username != current.Username {
			// tok default moved another account to this key while the request was out.
			return fmt.Errorf("the account at %s changed while its token was renewed; try again", key)
		}
		r.Secret, r.RefreshToken, r.Expires = renewed.Secret, renewed.RefreshToken, renewed.Expires
		r.Scopes, r.Session, r.Rejected = renewed.Scopes, renewed.Session, nil
		r.Updated = s.now().UTC()
		stored = *r
		return nil
	})
	if err != nil {
		return current, err
	}
	return stored, nil
}

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
