package helper

import (
	"context"
	"errors"
	"time"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// Store is what the git and docker protocols need of tok's store: the hand-out path and the
// few writes their policies make. *keychain.Store implements it; tests give a stub.
type Store interface {
	HandOut(ctx context.Context, req keychain.Target, r keychain.Renewer, warn func(error)) (keychain.Record, error)
	Lookup(req keychain.Target) (keychain.Record, error)
	HandOutRecord(ctx context.Context, rec keychain.Record, r keychain.Renewer, warn func(error)) (keychain.Record, error)
	Find(t keychain.Target) (keychain.Record, keychain.Target, error)
	Save(t keychain.Target, rec keychain.Record) (keychain.Target, error)
	Put(t keychain.Target, rec keychain.Record) error
	Update(t keychain.Target, fn func(*keychain.Record) error) error
	Delete(t keychain.Target) error
	List() ([]keychain.Entry, error)
	Now() time.Time
}

// Backend is what a helper works with: the store, the platforms, and the renewer that renews
// a token about to expire (nil: none).
type Backend struct {
	Store    Store
	Registry *platform.Registry
	Renewer  keychain.Renewer
	// Unlock asks a person to unlock a locked vault (a passphrase prompt on the terminal),
	// outside the store's deadlines; false when nobody can be asked. nil: never asks.
	Unlock func() (asked bool, err error)
}

// Opener opens the backend; it is called only once the input is known to be valid.
type Opener func() (Backend, error)

// handOut hands out the record for t (keychain.Store.HandOut) within the helpers' deadline.
// A vault found locked is unlocked by a person when one can be asked (Unlock), then read again.
func (b Backend) handOut(t keychain.Target, warn func(error)) (keychain.Record, error) {
	handOut := func() (keychain.Record, error) {
		ctx, cancel := context.WithTimeout(context.Background(), helperNetworkDeadline)
		defer cancel()
		return b.Store.HandOut(ctx, t, b.Renewer, warn)
	}
	rec, err := handOut()
	if errors.Is(err, keychain.ErrVaultLocked) && b.Unlock != nil {
		asked, uerr := b.Unlock()
		if uerr != nil {
			return rec, uerr
		}
		if asked {
			rec, err = handOut()
		}
	}
	return rec, err
}

// handOutRecord hands out a record already found (keychain.Store.HandOutRecord) within the
// helpers' deadline.
func (b Backend) handOutRecord(rec keychain.Record, warn func(error)) (keychain.Record, error) {
	ctx, cancel := context.WithTimeout(context.Background(), helperNetworkDeadline)
	defer cancel()
	return b.Store.HandOutRecord(ctx, rec, b.Renewer, warn)
}

// helperNetworkDeadline bounds a helper's network work (a renewal) so git and docker never
// wait long.
const helperNetworkDeadline = 20 * time.Second
