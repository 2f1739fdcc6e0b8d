package keychain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/99designs/keyring"
	"github.com/godbus/dbus"
	"github.com/gsterjov/go-libsecret"
)

const loginCollection = libsecret.DBusPath + "/collection/login"

var (
	errNoLoginKeyring = errors.New("the Secret Service has no login keyring (a keyring daemon that was never unlocked has none): log in to the desktop, or start gnome-keyring-daemon --unlock, or choose TOK_BACKEND=vault")
	errLoginLocked    = errors.New("the Secret Service's login keyring is locked: unlock it (log in to the desktop, or run gnome-keyring-daemon --unlock), or choose TOK_BACKEND=vault")
)

// secretServiceRing reads the Secret Service itself, in at most three D-Bus round trips
// (search; open a session and fetch the secret only on a hit), where keyring's Get takes five
// and its Open two more: a helper's whole lookup is a few milliseconds less. Writes, removals
// and listing go to keyring's own backend, opened on first use. Items are keyring's (attribute
// profile=<key>, JSON item as the secret), so either side reads what the other wrote.
//
// The search goes to the Service object, not the login collection's: gnome-keyring re-exports
// a collection's object now and then (after its keyring file changes), and a call arriving
// meanwhile is answered "Method SearchItems is not implemented" (seen about once in a few
// thousand reads). Results are kept to the login collection by their paths.
type secretServiceRing struct {
	open    func() (keyring.Keyring, error)
	once    sync.Once
	inner   keyring.Keyring
	openErr error

	checkOnce sync.Once
	checkErr  error
}

func newSecretServiceRing(open func() (keyring.Keyring, error)) *secretServiceRing {
	return &secretServiceRing{open: open}
}

func (r *secretServiceRing) writer() (keyring.Keyring, error) {
	r.once.Do(func() {
		if r.openErr = r.check(); r.openErr == nil {
			r.inner, r.openErr = r.open()
		}
	})
	return r.inner, r.openErr
}

// check is checkSecretService, asked once per process.
func (r *secretServiceRing) check() error {
	r.checkOnce.Do(func() { r.checkErr = checkSecretService() })
	return r.checkErr
}

func mapSecretServiceErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "does not exist") || strings.Contains(msg, "No such object"):
		return errNoLoginKeyring
	case strings.Contains(msg, "locked"):
		return errLoginLocked
	}
	return err
}

// inLoginCollection gives the first of paths that is an item of the login collection.
func inLoginCollection(paths []dbus.ObjectPath) (dbus.ObjectPath, bool) {
	for _, p := range paths {
		if strings.HasPrefix(string(p), loginCollection+"/") {
			return p, true
		}
	}
	return "", false
}

// Get implements keyring.Keyring.
func (r *secretServiceRing) Get(key string) (keyring.Item, error) {
	conn, err := dbus.SessionBus()
	if err != nil {
		return keyring.Item{}, err
	}
	service := conn.Object(libsecret.DBusServiceName, libsecret.DBusPath)
	var unlocked, locked []dbus.ObjectPath
	err = service.Call("org.freedesktop.Secret.Service.SearchItems", 0, map[string]string{"profile": key}).Store(&unlocked, &locked)
	if err != nil {
		return keyring.Item{}, mapSecretServiceErr(err)
	}
	path, ok := inLoginCollection(unlocked)
	if !ok {
		if _, ok := inLoginCollection(locked); ok {
			return keyring.Item{}, errLoginLocked
		}
		// A missing or locked login keyring would also find nothing: say so rather than
		// "not found" (one more round trip, on the first miss only).
		if err := r.check(); err != nil {
			return keyring.Item{}, err
		}
		return keyring.Item{}, keyring.ErrKeyNotFound
	}
	var output dbus.Variant
	var session dbus.ObjectPath
	if err := service.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&output, &session); err != nil {
		return keyring.Item{}, err
	}
	defer conn.Object(libsecret.DBusServiceName, session).Go("org.freedesktop.Secret.Session.Close", dbus.FlagNoReplyExpected, nil)
	secrets := map[dbus.ObjectPath]libsecret.Secret{}
	if err := service.Call("org.freedesktop.Secret.Service.GetSecrets", 0, []dbus.ObjectPath{path}, session).Store(&secrets); err != nil {
		return keyring.Item{}, mapSecretServiceErr(err)
	}
	secret, ok := secrets[path]
	if !ok {
		return keyring.Item{}, errLoginLocked // locked items are left out of the answer
	}
	var item keyring.Item
	if err := json.Unmarshal(secret.Value, &item); err != nil {
		return keyring.Item{}, fmt.Errorf("the Secret Service item %s is not tok's: %v", key, err)
	}
	return item, nil
}

// GetMetadata implements keyring.Keyring.
func (r *secretServiceRing) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, keyring.ErrMetadataNeedsCredentials
}

// Set implements keyring.Keyring.
func (r *secretServiceRing) Set(item keyring.Item) error {
	w, err := r.writer()
	if err != nil {
		return err
	}
	return mapSecretServiceErr(w.Set(item))
}

// Remove implements keyring.Keyring.
func (r *secretServiceRing) Remove(key string) error {
	w, err := r.writer()
	if err != nil {
		return err
	}
	return mapSecretServiceErr(w.Remove(key))
}

// Keys implements keyring.Keyring.
func (r *secretServiceRing) Keys() ([]string, error) {
	w, err := r.writer()
	if err != nil {
		return nil, err
	}
	keys, err := w.Keys()
	return keys, mapSecretServiceErr(err)
}

// checkSecretService fails unless the login collection exists and is unlocked: keyring would
// otherwise report every item as missing, or block on an unlock prompt nobody can answer.
func checkSecretService() error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return err
	}
	v, err := conn.Object(libsecret.DBusServiceName, loginCollection).GetProperty("org.freedesktop.Secret.Collection.Locked")
	if err != nil {
		return mapSecretServiceErr(err)
	}
	if locked, _ := v.Value().(bool); locked {
		return errLoginLocked
	}
	return nil
}
