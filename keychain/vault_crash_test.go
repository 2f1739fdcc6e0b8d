package keychain

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/internal/atomicfile"
)

// The vault's durability, seen through atomicfile's seam: a record is written to a temp file
// beside it, synced, and only then renamed into place; a crash at any step leaves a vault in
// which the record reads as its old value (or, once renamed, its new one), never damaged.

const crashKey = "tok:https://crash.example.org"

// crashVault opens the vault in dir as a new process would, its identity in a cache (so no
// test pays for scrypt more than once); a vault is made, with crashKey at "v1", when dir has none.
func crashVault(t *testing.T, dir string) *Vault {
	t.Helper()
	v, err := OpenVault(dir, func() (string, error) { return "", ErrNoPassphrase }, []IdentityCache{crashCache})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Exists() {
		v.passphrase = func() (string, error) { return "correct horse", nil }
		if err := v.Set(keyring.Item{Key: crashKey, Data: []byte("v1")}); err != nil {
			t.Fatal(err)
		}
		id, err := v.Identity()
		if err != nil {
			t.Fatal(err)
		}
		crashIdentity = id
	}
	crashCache.ids[v.VaultID()] = crashIdentity // a copy is another directory: unlocked by id
	return v
}

// crashIdentity is the identity of the vault crashVault made first (its copies share it).
var crashIdentity string

// crashCache holds the identities of the vaults these tests made.
var crashCache = &memCache{ids: map[string]string{}}

type memCache struct{ ids map[string]string }

func (c *memCache) Load(id string) (string, time.Time, error) {
	if s, ok := c.ids[id]; ok {
		return s, time.Now().Add(time.Hour), nil
	}
	return "", time.Time{}, ErrVaultLocked
}
func (c *memCache) Keep(id, identity string, _ time.Time) error { c.ids[id] = identity; return nil }
func (c *memCache) Forget(id string) error                      { delete(c.ids, id); return nil }
func (c *memCache) Name() string                                { return "memory" }

// copyDir copies the vault in src to a new directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestVaultRecordWriteIsTempSyncRename(t *testing.T) {
	v := crashVault(t, t.TempDir())
	var log []string
	defer atomicfile.SetHook(func(s atomicfile.Step, p string) error {
		log = append(log, string(s)+" "+p)
		return nil
	})()
	if err := v.Set(keyring.Item{Key: crashKey, Data: []byte("v2")}); err != nil {
		t.Fatal(err)
	}
	final := v.fileFor(crashKey)
	sync, rename := -1, -1
	for i, l := range log {
		s, p, _ := strings.Cut(l, " ")
		switch {
		case s == string(atomicfile.StepWrite) && (p == final || filepath.Dir(p) != filepath.Dir(final)):
			t.Fatalf("the record was written at %s, not to a temp file beside %s", p, final)
		case s == string(atomicfile.StepSync):
			sync = i
		case s == string(atomicfile.StepRename) && p == final:
			rename = i
		}
	}
	if rename < 0 || sync < 0 || sync > rename {
		t.Fatalf("steps %q: want a sync of the temp file before the rename onto %s", log, final)
	}
}

func TestVaultCrashAtEachStep(t *testing.T) {
	made := t.TempDir()
	crashVault(t, made)
	for _, step := range []atomicfile.Step{atomicfile.StepCreate, atomicfile.StepChmod, atomicfile.StepWrite,
		atomicfile.StepSync, atomicfile.StepClose, atomicfile.StepRename, atomicfile.StepSyncDir} {
		t.Run(string(step), func(t *testing.T) {
			dir := copyDir(t, made)
			restore := atomicfile.SetHook(func(s atomicfile.Step, p string) error {
				if s == step {
					return atomicfile.ErrCrash
				}
				return nil
			})
			err := crashVault(t, dir).Set(keyring.Item{Key: crashKey, Data: []byte("v2")})
			restore()
			if !errors.Is(err, atomicfile.ErrCrash) {
				t.Fatalf("Set: %v, want the crash", err)
			}
			// A new process opens the vault.
			after := crashVault(t, dir)
			want := "v1"
			if step == atomicfile.StepSyncDir {
				want = "v2"
			}
			it, err := after.Get(crashKey)
			if err != nil || string(it.Data) != want {
				t.Fatalf("after a crash at %s: %q, %v; want %q", step, it.Data, err, want)
			}
			keys, err := after.Keys()
			if err != nil || len(keys) != 1 || keys[0] != crashKey {
				t.Fatalf("after a crash at %s: keys %q, %v", step, keys, err)
			}
		})
	}
}
