package keychain

import (
	"errors"
	"time"

	"github.com/gsterjov/go-libsecret"
)

// checkSecretService fails unless the login collection exists and is unlocked: keyring would
// otherwise report every item as missing, or block on an unlock prompt nobody can answer.
func checkSecretService(timeout time.Duration) error {
	_, err := withDeadline(BackendSecretService, timeout, func() (struct{}, error) {
		service, err := libsecret.NewService()
		if err != nil {
			return struct{}{}, err
		}
		collections, err := service.Collections()
		if err != nil {
			return struct{}{}, err
		}
		for _, c := range collections {
			if string(c.Path()) != libsecret.DBusPath+"/collection/login" {
				continue
			}
			locked, err := c.Locked()
			if err != nil {
				return struct{}{}, err
			}
			if locked {
				return struct{}{}, errors.New("the Secret Service's login keyring is locked: unlock it (log in to the desktop, or run gnome-keyring-daemon --unlock), or choose TOK_BACKEND=file")
			}
			return struct{}{}, nil
		}
		return struct{}{}, errors.New("the Secret Service has no login keyring (a keyring daemon that was never unlocked has none): log in to the desktop, or start gnome-keyring-daemon --unlock, or choose TOK_BACKEND=file")
	})
	return err
}
