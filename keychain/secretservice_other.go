//go:build !linux

package keychain

import (
	"errors"

	"github.com/99designs/keyring"
)

// The Secret Service backend exists only on Linux (builtIn says so); these are never reached.
func newSecretServiceRing(func() (keyring.Keyring, error)) keyring.Keyring { return nil }

func checkSecretService() error { return errors.New("the Secret Service is Linux-only") }
