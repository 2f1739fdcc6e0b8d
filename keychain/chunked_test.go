package keychain

import (
	"errors"
	"strings"
	"testing"

	"github.com/99designs/keyring"
)

// limitRing refuses blobs over a size, as Windows Credential Manager does (it cannot run here).
type limitRing struct {
	*memRing
	max int
}

func (l limitRing) Set(it keyring.Item) error {
	if len(it.Data) > l.max {
		return errors.New("The stub received bad data.")
	}
	return l.memRing.Set(it)
}

func TestChunkedRing(t *testing.T) {
	mem := newMemRing()
	r := chunkedRing{ring: limitRing{mem, WinCredMaxBlob}, max: WinCredMaxBlob}
	small := keyring.Item{Key: "tok:https://a", Data: []byte("short")}
	big := keyring.Item{Key: "tok:https://a", Data: []byte(strings.Repeat("x", 3*WinCredMaxBlob+17))}
	bigger := keyring.Item{Key: "tok:https://a", Data: []byte(strings.Repeat("y", 5*WinCredMaxBlob))}
	for _, it := range []keyring.Item{small, big, bigger, small} {
		if err := r.Set(it); err != nil {
			t.Fatalf("Set %d bytes: %v", len(it.Data), err)
		}
		got, err := r.Get(it.Key)
		if err != nil || string(got.Data) != string(it.Data) {
			t.Fatalf("Get after Set of %d bytes: %d bytes, %v", len(it.Data), len(got.Data), err)
		}
		keys, _ := r.Keys()
		if len(keys) != 1 {
			t.Fatalf("Keys shows parts: %v", keys)
		}
		if len(mem.items) != 1+parts(len(it.Data)) {
			t.Fatalf("%d bytes left %d items behind, want %d", len(it.Data), len(mem.items), 1+parts(len(it.Data)))
		}
	}
	if err := r.Set(big); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(big.Key); err != nil || len(mem.items) != 0 {
		t.Fatalf("Remove left %d items, %v", len(mem.items), err)
	}
}

func parts(n int) int {
	if n <= WinCredMaxBlob {
		return 0
	}
	return (n + WinCredMaxBlob - 1) / WinCredMaxBlob
}

func TestEscapedRing(t *testing.T) {
	mem := newMemRing()
	r := escapedRing{mem}
	key := "tok:https://h.example.org/a%2Fb/c"
	if err := r.Set(keyring.Item{Key: key, Data: []byte("d")}); err != nil {
		t.Fatal(err)
	}
	for k := range mem.items {
		if strings.Contains(k, "/") {
			t.Fatalf("stored key %q has a slash", k)
		}
	}
	keys, _ := r.Keys()
	if len(keys) != 1 || keys[0] != key {
		t.Fatalf("Keys = %q, want %q", keys, key)
	}
	if it, err := r.Get(key); err != nil || string(it.Data) != "d" {
		t.Fatalf("Get: %v", err)
	}
}
