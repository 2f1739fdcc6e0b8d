package e2e

import (
	"testing"

	"github.com/godbus/dbus"
)

// hungService owns org.freedesktop.secrets and never answers OpenSession: what a provider
// waiting on an unlock dialog nobody can see looks like to a client.
type hungService struct{ release chan struct{} }

func (h hungService) OpenSession(alg string, input dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	<-h.release
	return dbus.MakeVariant(""), "/", nil
}

// SearchItems hangs the same way on the login collection, where a lookup starts.
func (h hungService) SearchItems(attrs map[string]string) ([]dbus.ObjectPath, *dbus.Error) {
	<-h.release
	return nil, nil
}

func hangSecretService(t *testing.T, addr string) func() {
	t.Helper()
	conn, err := dbus.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Hello(); err != nil {
		t.Fatal(err)
	}
	h := hungService{release: make(chan struct{})}
	if err := conn.Export(h, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(h, "/org/freedesktop/secrets/collection/login", "org.freedesktop.Secret.Collection"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("taking org.freedesktop.secrets: %v %v", reply, err)
	}
	return func() { close(h.release); conn.Close() }
}
