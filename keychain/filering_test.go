package keychain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

func openTestFileStore(t testing.TB, dir, pass string) *Store {
	t.Helper()
	s, err := Open(Options{
		Backend:    BackendFile,
		FileDir:    filepath.Join(dir, "file"),
		LockPath:   filepath.Join(dir, "state", "store.lock"),
		Passphrase: func() (string, error) { return pass, nil },
		Timeout:    10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustTarget(t testing.TB, s string) Target {
	tg, err := ParseTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestFileStoreRoundTripAndModes(t *testing.T) {
	dir := t.TempDir()
	s := openTestFileStore(t, dir, "correct horse")
	if _, err := s.Save(mustTarget(t, "api.example.org"), Record{Secret: "s3cret", Source: SourceSet}); err != nil {
		t.Fatal(err)
	}
	s2 := openTestFileStore(t, dir, "correct horse")
	rec, err := s2.Lookup(mustTarget(t, "https://api.example.org/x"))
	if err != nil || rec.Secret != "s3cret" {
		t.Fatalf("read back %q, %v", rec.Secret, err)
	}
	for _, d := range []string{"file", "file.staging", "state"} {
		info, err := os.Stat(filepath.Join(dir, d))
		if err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, %v; want 0700", d, info.Mode().Perm(), err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "file"))
	if err != nil || len(entries) < 2 { // the record and the passphrase check item
		t.Fatalf("the store's directory holds %d files (%v): the mode checks would test nothing", len(entries), err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
		data, err := os.ReadFile(filepath.Join(dir, "file", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "s3cret") {
			t.Errorf("%s holds the secret in clear", e.Name())
		}
	}
	files, err := os.ReadDir(filepath.Join(dir, "file.staging"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Errorf("staging dir not empty: %d files", len(files))
	}
}

func TestFileStoreWrongPassphrase(t *testing.T) {
	dir := t.TempDir()
	good := openTestFileStore(t, dir, "right")
	target := mustTarget(t, "api.example.org")
	if _, err := good.Save(target, Record{Secret: "one", Source: SourceSet}); err != nil {
		t.Fatal(err)
	}
	bad := openTestFileStore(t, dir, "wrong")
	if _, err := bad.Lookup(target); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("read with a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	// A write with the wrong passphrase must be refused, not create an item no other read opens.
	if _, err := bad.Save(mustTarget(t, "other.example.org"), Record{Secret: "two", Source: SourceSet}); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("write with a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if _, err := good.Lookup(mustTarget(t, "other.example.org")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the refused write left an item: %v", err)
	}
	if rec, err := good.Lookup(target); err != nil || rec.Secret != "one" {
		t.Fatalf("the old record changed: %q %v", rec.Secret, err)
	}
}

func TestFileNameChecks(t *testing.T) {
	for _, key := range []string{"", ".", "..", strings.Repeat("a", 256), "a\x00b"} {
		if _, err := fileNameFor(key); err == nil {
			t.Errorf("fileNameFor(%q) accepted", key)
		}
	}
	if name, err := fileNameFor("tok:https://h/../x"); err != nil || strings.Contains(name, "/") {
		t.Errorf("a key with slashes became %q, %v", name, err)
	}
}

// TestFileStoreConcurrentWriters: writers on the same and on different keys, readers all the
// while; no read fails and no write is lost (invariants 3 and 4).
func TestFileStoreConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	openTestFileStore(t, dir, "pw") // create the store and its check item
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	stop := make(chan struct{})
	shared := mustTarget(t, "shared.example.org")
	sharedSecret := func(w, i int) string { return fmt.Sprintf("%d-%d-", w, i) + strings.Repeat(fmt.Sprint(w), 10+w*300) }
	written := map[string]bool{} // every value written to shared, filled before any writer starts
	for w := 0; w < 8; w++ {
		for i := 0; i < 5; i++ {
			written[sharedSecret(w, i)] = true
		}
	}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s := openTestFileStore(t, dir, "pw")
			for i := 0; i < 5; i++ {
				own := mustTarget(t, fmt.Sprintf("w%d-%d.example.org", w, i))
				if _, err := s.Save(own, Record{Secret: own.String(), Source: SourceSet}); err != nil {
					errs <- err
				}
				if _, err := s.Save(shared, Record{Secret: sharedSecret(w, i), Source: SourceSet}); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		s := openTestFileStore(t, dir, "pw")
		for {
			select {
			case <-stop:
				return
			default:
			}
			rec, err := s.Lookup(shared)
			if err != nil && !errors.Is(err, ErrNotFound) {
				errs <- fmt.Errorf("concurrent read: %w", err)
			}
			if err == nil && !written[rec.Secret] {
				errs <- fmt.Errorf("a concurrent read gave a value no writer wrote (%d bytes)", len(rec.Secret))
			}
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := openTestFileStore(t, dir, "pw")
	entries, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 8*5+1 {
		t.Fatalf("%d records after 41 distinct writes", len(entries))
	}
	for _, e := range entries {
		if e.Err != nil {
			t.Errorf("%s: %v", e.Target, e.Err)
			continue
		}
		// Each record holds a value written to it: its own target, or one of the shared values.
		if e.Target == shared {
			if !written[e.Record.Secret] {
				t.Errorf("%s holds a value no writer wrote", e.Target)
			}
		} else if e.Record.Secret != e.Target.String() {
			t.Errorf("%s holds %q", e.Target, e.Record.Secret)
		}
	}
}

// BenchmarkLookupFile measures resolution on the real file backend as the store grows. The
// store is filled by copying one encrypted item to n names (encrypting each would take 1.4 ms).
func BenchmarkLookupFile(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		dir := b.TempDir()
		s := openTestFileStore(b, dir, "pw")
		seed := mustTarget(b, "seed.example.net")
		if _, err := s.Save(seed, Record{Secret: "s", Source: SourceSet}); err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "file", mustName(b, seed.Key())))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i++ {
			tg := Target{Scheme: "https", Host: fmt.Sprintf("host%d.example.net", i)}
			if err := os.WriteFile(filepath.Join(dir, "file", mustName(b, tg.Key())), data, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		benchLookups(b, s, n)
	}
}

func mustName(t testing.TB, key string) string {
	n, err := fileNameFor(key)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var _ keyring.Keyring = (*fileRing)(nil)
