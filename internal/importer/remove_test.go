package importer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/internal/importer"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// These tests drive the importer only through its exported API (Scan, Compare, Import,
// RemovePlaintext), as tok import does: a plaintext copy goes only once the keychain gives
// the same secret back.

const netrcText = "# the person's own line\n" +
	"machine a.example.org\n  login ada\n  password secret-a\n" +
	"machine b.example.org login bob password secret-b\n"

func home(t *testing.T) (importer.Env, string) {
	t.Helper()
	dir := t.TempDir()
	env := importer.Env{Home: dir, GOOS: "linux", Registry: platform.Builtin(),
		Getenv: func(string) string { return "" }}
	path := filepath.Join(dir, ".netrc")
	if err := os.WriteFile(path, []byte(netrcText), 0o640); err != nil {
		t.Fatal(err)
	}
	return env, path
}

func memStore(ring keyring.Keyring) *keychain.Store {
	return keychain.NewStore(ring, "memory", "the test", "", time.Second)
}

// scanOne finds the entries for host in the netrc.
func scanOne(t *testing.T, env importer.Env, host string) []importer.Found {
	t.Helper()
	found, problems := importer.Scan(env)
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	var out []importer.Found
	for _, f := range found {
		if f.Target.Host == host {
			out = append(out, f)
		}
	}
	if len(out) != 1 {
		t.Fatalf("found %d entries for %s in %v", len(out), host, found)
	}
	return out
}

func TestRemoveAfterImport(t *testing.T) {
	env, path := home(t)
	store := memStore(keyring.NewArrayKeyring(nil))
	a := scanOne(t, env, "a.example.org")
	if state, err := importer.Compare(store, a[0]); err != nil || state != importer.StateNew {
		t.Fatalf("before import: %v %v", state, err)
	}
	if err := importer.Import(store, a[0]); err != nil {
		t.Fatal(err)
	}
	changed, err := importer.RemovePlaintext(store, a)
	if err != nil || len(changed) != 1 || changed[0] != path {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	b, _ := os.ReadFile(path)
	if want := "# the person's own line\nmachine b.example.org login bob password secret-b\n"; string(b) != want {
		t.Fatalf("netrc now %q, want %q", b, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// A re-read finds the other entry only.
	found, _ := importer.Scan(env)
	if len(found) != 1 || found[0].Target.Host != "b.example.org" {
		t.Fatalf("after removal: %v", found)
	}
}

// A secret tok holds that differs from the file's is no read-back: the file stays.
func TestRemoveRefusesDifferentSecret(t *testing.T) {
	env, path := home(t)
	store := memStore(keyring.NewArrayKeyring(nil))
	a := scanOne(t, env, "a.example.org")
	tg := a[0].Target
	if _, err := store.Save(tg, keychain.Record{Secret: "another-secret", Username: "ada", Source: keychain.SourceSet}); err != nil {
		t.Fatal(err)
	}
	if state, _ := importer.Compare(store, a[0]); state != importer.StateDifferent {
		t.Fatalf("state %v", state)
	}
	changed, err := importer.RemovePlaintext(store, a)
	if err == nil || len(changed) != 0 {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	if strings.Contains(err.Error(), "secret-a") || strings.Contains(err.Error(), "another-secret") {
		t.Fatalf("a secret in the error: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != netrcText {
		t.Fatalf("netrc changed: %q", b)
	}
}

// Nothing imported, or a keychain that accepted the write but does not give it back: the file
// stays (the read-back is never skipped).
func TestRemoveNeedsReadBack(t *testing.T) {
	env, path := home(t)
	a := scanOne(t, env, "a.example.org")
	if changed, err := importer.RemovePlaintext(memStore(keyring.NewArrayKeyring(nil)), a); err == nil || len(changed) != 0 {
		t.Fatalf("never imported: changed %v, err %v", changed, err)
	}
	lossy := memStore(forgetfulRing{keyring.NewArrayKeyring(nil)})
	if err := importer.Import(lossy, a[0]); err != nil {
		t.Fatal(err)
	}
	if changed, err := importer.RemovePlaintext(lossy, a); err == nil || len(changed) != 0 {
		t.Fatalf("a keychain that lost the write: changed %v, err %v", changed, err)
	}
	// A keychain that gives back another value.
	twisted := memStore(twistedRing{keyring.NewArrayKeyring(nil)})
	if err := importer.Import(twisted, a[0]); err != nil {
		t.Fatal(err)
	}
	if changed, err := importer.RemovePlaintext(twisted, a); err == nil || len(changed) != 0 {
		t.Fatalf("a keychain that gives back another secret: changed %v, err %v", changed, err)
	}
	if b, _ := os.ReadFile(path); string(b) != netrcText {
		t.Fatalf("netrc changed: %q", b)
	}
}

// One entry of a file failing its read-back keeps the whole file: nothing of it is removed.
func TestRemoveKeepsFileWhenOneEntryFails(t *testing.T) {
	env, path := home(t)
	store := memStore(keyring.NewArrayKeyring(nil))
	found, _ := importer.Scan(env)
	if len(found) != 2 {
		t.Fatalf("found %v", found)
	}
	if err := importer.Import(store, found[0]); err != nil {
		t.Fatal(err)
	}
	if changed, err := importer.RemovePlaintext(store, found); err == nil || len(changed) != 0 {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	if b, _ := os.ReadFile(path); string(b) != netrcText {
		t.Fatalf("netrc changed: %q", b)
	}
}

// forgetfulRing accepts every write and keeps none.
type forgetfulRing struct{ keyring.Keyring }

func (forgetfulRing) Set(keyring.Item) error { return nil }

// twistedRing stores what it is given with the secret's last byte changed.
type twistedRing struct{ keyring.Keyring }

func (r twistedRing) Set(it keyring.Item) error {
	it.Data = []byte(strings.Replace(string(it.Data), `secret-a"`, `secret-A"`, 1))
	return r.Keyring.Set(it)
}
