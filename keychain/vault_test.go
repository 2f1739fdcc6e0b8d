package keychain

import (
	"errors"
	"testing"

	"github.com/99designs/keyring"
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
