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

// helperContext bounds a helper's network work so git and docker never wait long.
func helperContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 20*time.Second)
}
