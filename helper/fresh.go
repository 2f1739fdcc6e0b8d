package helper

import (
	"context"
	"time"

	"github.com/tok-dev/tok/keychain"
)

// fresh gives rec with a usable token, through the backend's Fresh when it has one.
func (b Backend) fresh(ctx context.Context, rec keychain.Record) (keychain.Record, error) {
	if b.Fresh == nil {
		return rec, nil
	}
	return b.Fresh(ctx, rec)
}

// handOut looks up the record for t and renews it when it is due. A renewal that fails while
// the old token still works is passed to warn (if any) and the old token is handed out; once
// the token has expired, the failure is the error. Nothing found is keychain.ErrNotFound.
func (b Backend) handOut(t keychain.Target, warn func(error)) (keychain.Record, error) {
	rec, err := b.Store.Lookup(t)
	if err != nil {
		return rec, err
	}
	ctx, cancel := helperContext()
	defer cancel()
	fresh, err := b.fresh(ctx, rec)
	if err == nil {
		return fresh, nil
	}
	if rec.Expired(b.Store.Now()) {
		return rec, err
	}
	if warn != nil {
		warn(err)
	}
	return rec, nil
}

// helperContext bounds a helper's network work so git and docker never wait long.
func helperContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 20*time.Second)
}
