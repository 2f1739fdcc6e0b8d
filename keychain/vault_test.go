package keychain

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/internal/atomicfile"
)

// TestVaultListingThenReadingDecryptsOnce proves the Store's list-then-read pattern reuses what
// listing decrypted while the file is unchanged, and reads a record again once another writer
// has replaced it. With the identity forgotten and no passphrase to be had, only a record
// served from memory can be read.
func TestVaultListingThenReadingDecryptsOnce(t *testing.T) {
	dir := t.TempDir()
	passphraseAvailable := true
	passphrase := func() (string, error) {
		if !passphraseAvailable {
			return "", ErrNoPassphrase
		}
		return "correct horse", nil
	}
	v, err := OpenVault(dir, passphrase, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range []keyring.Item{{Key: "tok:https://a.example", Data: []byte("one")}, {Key: "tok:https://b.example", Data: []byte("two")}} {
		if err := v.Set(it); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := v.Keys()
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys = %v, %v; want two keys", keys, err)
	}

	v.identity, passphraseAvailable = nil, false
	for _, key := range keys {
		if _, err := v.Get(key); err != nil {
			t.Fatalf("Get(%s) after listing decrypted it again: %v", key, err)
		}
	}

	// Another process replaces one record: same key, same length, new content.
	other, err := OpenVault(dir, func() (string, error) { return "correct horse", nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Set(keyring.Item{Key: "tok:https://a.example", Data: []byte("ONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get("tok:https://a.example"); !errors.Is(err, ErrVaultLocked) {
		t.Fatalf("Get of a replaced record = %v; want it decrypted again (and so ErrVaultLocked here)", err)
	}
	passphraseAvailable = true
	it, err := v.Get("tok:https://a.example")
	if err != nil || string(it.Data) != "ONE" {
		t.Fatalf("Get after another writer = %q, %v; want ONE", it.Data, err)
	}
	if it, err := v.Get("tok:https://b.example"); err != nil || string(it.Data) != "two" {
		t.Fatalf("untouched record = %q, %v", it.Data, err)
	}

	// Removed by this process: gone, not served from memory.
	if err := v.Remove("tok:https://b.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get("tok:https://b.example"); !errors.Is(err, keyring.ErrKeyNotFound) {
		t.Fatalf("Get of a removed record = %v; want ErrKeyNotFound", err)
	}
}

// heldIdentity is an IdentityCache holding one unlocked identity, as the kernel keyring or
// tok agent does for a helper process.
type heldIdentity struct{ identity string }

func (h heldIdentity) Load(string) (string, time.Time, error) {
	return h.identity, time.Now().Add(time.Hour), nil
}
func (heldIdentity) Keep(string, string, time.Time) error { return nil }
func (heldIdentity) Forget(string) error                  { return nil }
func (heldIdentity) Name() string                         { return "test" }

// BenchmarkLookupVault is a helper's lookup on an unlocked vault of n records, as a new process
// makes it: the vault opened afresh each time (so nothing decrypted earlier is reused), the
// identity from the cache, the record found among n others and decrypted.
func BenchmarkLookupVault(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		dir := b.TempDir()
		v, err := OpenVault(dir, func() (string, error) { return "pw", nil }, nil)
		if err != nil {
			b.Fatal(err)
		}
		s := NewStore(v, BackendVault, "test", "", 0)
		if _, err := s.Save(mustTarget(b, "seed.example.net"), Record{Secret: "s", Source: SourceSet}); err != nil {
			b.Fatal(err)
		}
		hit := Target{Scheme: "https", Host: fmt.Sprintf("host%d.example.net", n/2)}
		if _, err := s.Save(hit, Record{Secret: "s", Source: SourceSet}); err != nil {
			b.Fatal(err)
		}
		// The others are copies of one sealed record under their own names: a lookup never
		// opens them, and writing n records one by one (each synced) would take minutes.
		sealed, err := os.ReadFile(v.fileFor(mustTarget(b, "seed.example.net").Key()))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if i == n/2 {
				continue
			}
			tg := Target{Scheme: "https", Host: fmt.Sprintf("host%d.example.net", i)}
			if err := os.WriteFile(v.fileFor(tg.Key()), sealed, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		identity, err := v.Identity()
		if err != nil {
			b.Fatal(err)
		}
		cache := []IdentityCache{heldIdentity{identity}}
		fresh := func() *Store {
			v, err := OpenVault(dir, nil, cache)
			if err != nil {
				b.Fatal(err)
			}
			return NewStore(v, BackendVault, "test", "", 0)
		}
		hitReq, _ := ParseRequest(fmt.Sprintf("https://host%d.example.net/org/repo.git", n/2))
		missReq, _ := ParseRequest("https://a.b.unknown.example.com/x")
		b.Run(fmt.Sprintf("records=%d/hit", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := fresh().Lookup(hitReq); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("records=%d/miss", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := fresh().Lookup(missReq); !errors.Is(err, ErrNotFound) {
					b.Fatalf("miss = %v", err)
				}
			}
		})
	}
}

// TestVaultChangePassphrase: the new passphrase opens the vault and the old one does not; a
// write of vault.json that fails before its rename (a crash) leaves the old one working.
func TestVaultChangePassphrase(t *testing.T) {
	dir := t.TempDir()
	v, err := OpenVault(dir, func() (string, error) { return "old", nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Set(keyring.Item{Key: "tok:https://a.example", Data: []byte("one")}); err != nil {
		t.Fatal(err)
	}
	if err := v.ChangePassphrase("wrong", "new"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("ChangePassphrase with a wrong current passphrase = %v", err)
	}

	// Crash: the temp file is written and synced, the rename never happens.
	writeMeta = func(path string, data []byte, perm os.FileMode) error {
		if err := os.WriteFile(path+".tmp-crash", data, perm); err != nil {
			return err
		}
		return errors.New("killed")
	}
	err = v.ChangePassphrase("old", "new")
	writeMeta = atomicfile.Write
	if err == nil {
		t.Fatal("an interrupted ChangePassphrase reported success")
	}
	opens := func(pass string) bool {
		fresh, err := OpenVault(dir, func() (string, error) { return pass, nil }, nil)
		if err != nil {
			t.Fatal(err)
		}
		it, err := fresh.Get("tok:https://a.example")
		return err == nil && string(it.Data) == "one"
	}
	if !opens("old") || opens("new") {
		t.Fatal("after an interrupted change the old passphrase must open the vault, the new one not")
	}

	if err := v.ChangePassphrase("old", "new"); err != nil {
		t.Fatal(err)
	}
	if opens("old") || !opens("new") {
		t.Fatal("after the change the new passphrase must open the vault, the old one not")
	}
}
