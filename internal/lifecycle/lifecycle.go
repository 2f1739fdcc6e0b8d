// Package lifecycle renews tokens: JWT refreshes, Curvenote session tokens, each at most once
// across all tok processes (keychain.Store.Renew). It makes HTTP calls, so only the tok command
// links it; the git and docker helpers reach it by running "tok refresh --due".
package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
	"github.com/tok-dev/tok/platform/remote"
)

// Service renews the records of one store over HTTP. It is the keychain.Renewer of the tok
// command.
type Service struct {
	Store    *keychain.Store
	Registry *platform.Registry
	Client   *remote.Client // nil: remote.DefaultClient()
}

func (b Service) client() *remote.Client {
	if b.Client != nil {
		return b.Client
	}
	return remote.DefaultClient()
}

// Renew refreshes the record stored at key while it still needs it (once across all tok
// processes: another may have renewed it meanwhile). A refusal marks the record rejected and
// says to sign in again.
func (b Service) Renew(ctx context.Context, key keychain.Target, rec keychain.Record) (keychain.Record, error) {
	rec.Target = key.String()
	return b.Refresh(ctx, rec, func(r keychain.Record) bool { return r.NeedsRefresh(b.Store.Now()) })
}

// Refresh renews rec's access token with its refresh token when stale says the stored record
// needs it (always, for tok refresh).
func (b Service) Refresh(ctx context.Context, rec keychain.Record, stale func(keychain.Record) bool) (keychain.Record, error) {
	if rec.RefreshToken == "" {
		return rec, fmt.Errorf("the token for %s has no refresh token: %w; sign in again with tok login %s", rec.Target, keychain.ErrCannotRenew, rec.Target)
	}
	target, err := rec.ParsedTarget()
	if err != nil {
		return rec, err
	}
	renewed, err := b.Store.Renew(ctx, rec, stale, func(ctx context.Context, cur keychain.Record) (keychain.Record, error) {
		resp, err := b.client().JWTRefresh(ctx, target.URL(), cur.RefreshToken)
		if err != nil {
			return cur, err
		}
		cur.Secret = resp.AccessToken
		if resp.RefreshToken != "" {
			cur.RefreshToken = resp.RefreshToken // rotated: stored with its access token, in one write
		}
		cur.Expires = resp.Expiry(b.Store.Now())
		return cur, nil
	})
	if errors.Is(err, remote.ErrRefused) {
		_ = b.Store.MarkRejected(renewed, target.HostPort())
		return renewed, fmt.Errorf("the refresh token for %s was %w; sign in again with: tok login %s", target.URL(), remote.ErrRefused, target.URL())
	}
	if err != nil {
		return renewed, fmt.Errorf("refreshing the token for %s: %w", target.URL(), err)
	}
	return renewed, nil
}

// Session returns a Curvenote session token for rec: the cached one while 30 s or more are
// left (unless fresh asks for a new one, as a check against the server does), else a new one
// from the exchange, cached in the store, once across processes. The exchange goes only to
// the token's aud when its host is Curvenote's.
func (b Service) Session(ctx context.Context, rec keychain.Record, fresh bool) (keychain.SessionToken, error) {
	if !fresh && rec.SessionValid(b.Store.Now()) {
		return *rec.Session, nil
	}
	stale := func(r keychain.Record) bool { return !r.SessionValid(b.Store.Now()) }
	if fresh {
		var had string
		if rec.Session != nil {
			had = rec.Session.Token
		}
		stale = func(r keychain.Record) bool { return r.Session == nil || r.Session.Token == had }
	}
	plat, _ := b.Registry.Named("curvenote")
	aud := plat.CurvenoteAudience(rec.Secret)
	if aud == "" {
		return keychain.SessionToken{}, fmt.Errorf("the token for %s names no Curvenote host in its aud claim; tok sends a token only to Curvenote's own hosts", rec.Target)
	}
	renewed, err := b.Store.Renew(ctx, rec, stale,
		func(ctx context.Context, cur keychain.Record) (keychain.Record, error) {
			token, exp, err := b.client().CurvenoteSession(ctx, aud, cur.Secret)
			if err != nil {
				return cur, err
			}
			cur.Session = &keychain.SessionToken{Token: token, Expires: exp}
			return cur, nil
		})
	if errors.Is(err, remote.ErrRefused) {
		_ = b.Store.MarkRejected(renewed, "")
		return keychain.SessionToken{}, fmt.Errorf("the token for %s was %w (revoked or expired); get a new one from your Curvenote profile and run: tok set curvenote", rec.Target, remote.ErrRefused)
	}
	if err != nil {
		return keychain.SessionToken{}, fmt.Errorf("minting a Curvenote session token: %w", err)
	}
	return *renewed.Session, nil
}
