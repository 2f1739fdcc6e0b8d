package keychain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
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
		state := b.TempDir()
		fresh := func() *Store {
			v, err := OpenVaultWith(Options{VaultDir: dir, VaultStateDir: state, VaultCaches: cache})
			if err != nil {
				b.Fatal(err)
			}
			return NewStore(v, BackendVault, "test", "", 0)
		}
		hitReq, _ := ParseRequest(fmt.Sprintf("https://host%d.example.net/org/repo.git", n/2))
		missReq, _ := ParseRequest("https://a.b.unknown.example.com/x")
		// This machine's first sight of the vault (pinning it, noting its records) is once.
		if _, err := fresh().Lookup(hitReq); err != nil {
			b.Fatal(err)
		}
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

// openTestVault opens the vault in dir with its local state in state, as setup does.
func openTestVault(t *testing.T, dir, state, pass string, caches ...IdentityCache) *Vault {
	t.Helper()
	var passphrase func() (string, error)
	if pass != "" {
		passphrase = func() (string, error) { return pass, nil }
	}
	v, err := OpenVaultWith(Options{VaultDir: dir, VaultStateDir: state, Passphrase: passphrase, VaultCaches: caches})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func countFiles(t *testing.T, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestVaultDetectsSwappedRecipient: vault.json replaced by someone else's (so writes would be
// encrypted to their key) is refused by a process holding the unlocked key (reads and
// writes), by a write on a locked vault (the pinned recipient), and at unlock.
func TestVaultDetectsSwappedRecipient(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	v := openTestVault(t, dir, state, "pw")
	if err := v.Set(keyring.Item{Key: "tok:https://a.example", Data: []byte("one")}); err != nil {
		t.Fatal(err)
	}
	identity, err := v.Identity()
	if err != nil {
		t.Fatal(err)
	}
	held := heldIdentity{identity}
	mine, _ := os.ReadFile(filepath.Join(dir, "vault.json"))

	evilDir := t.TempDir()
	if err := openTestVault(t, evilDir, t.TempDir(), "evil").Set(keyring.Item{Key: "tok:x", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	theirs, _ := os.ReadFile(filepath.Join(evilDir, "vault.json"))
	var swapped vaultMeta // only the recipient changed, my sealed identity kept
	json.Unmarshal(mine, &swapped)
	var their vaultMeta
	json.Unmarshal(theirs, &their)
	swapped.Recipient = their.Recipient
	onlyRecipient, _ := json.Marshal(swapped)

	records := filepath.Join(dir, "records")
	for name, replacement := range map[string][]byte{"whole vault.json": theirs, "recipient only": onlyRecipient} {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, "vault.json"), replacement, 0o600)
			defer os.WriteFile(filepath.Join(dir, "vault.json"), mine, 0o600)
			n := countFiles(t, records)
			newRecord := keyring.Item{Key: "tok:https://b.example", Data: []byte("two")}

			holder := openTestVault(t, dir, state, "", held)
			// With another salt in vault.json, my record is not found at all: nothing is
			// handed out either way.
			if it, err := holder.Get("tok:https://a.example"); !errors.Is(err, ErrVaultReplaced) && !(name == "whole vault.json" && errors.Is(err, keyring.ErrKeyNotFound)) {
				t.Errorf("read with the unlocked key = %q, %v; want ErrVaultReplaced", it.Data, err)
			}
			if err := holder.Set(newRecord); !errors.Is(err, ErrVaultReplaced) {
				t.Errorf("write with the unlocked key = %v; want ErrVaultReplaced", err)
			}
			if err := openTestVault(t, dir, state, "").Set(newRecord); !errors.Is(err, ErrVaultReplaced) {
				t.Errorf("write on the locked vault = %v; want ErrVaultReplaced (the pinned recipient)", err)
			}
			if _, err := openTestVault(t, dir, state, "pw").Identity(); !errors.Is(err, ErrVaultReplaced) {
				t.Errorf("unlock with my passphrase = %v; want ErrVaultReplaced", err)
			}
			if got := countFiles(t, records); got != n {
				t.Errorf("a refused write left %d record files, had %d", got, n)
			}
		})
	}
	// Restored: everything works again, and an unlocked write is authenticated.
	holder := openTestVault(t, dir, state, "", held)
	if err := holder.Set(keyring.Item{Key: "tok:https://b.example", Data: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	if it, err := openTestVault(t, dir, state, "pw").Get("tok:https://b.example"); err != nil || string(it.Data) != "two" {
		t.Fatalf("after restoring vault.json: %q %v", it.Data, err)
	}
}

// TestVaultRefusesPlantedRecord: a record anyone can make (encrypted to the public
// recipient, named with the public salt) is refused, with or without a made-up
// authenticator; records this machine wrote read, whether the vault was locked or not.
func TestVaultRefusesPlantedRecord(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	v := openTestVault(t, dir, state, "pw")
	if err := v.Set(keyring.Item{Key: "tok:https://a.example", Data: []byte("mine")}); err != nil {
		t.Fatal(err)
	}
	identity, _ := v.Identity()
	held := heldIdentity{identity}
	if err := openTestVault(t, dir, state, "").Set(keyring.Item{Key: "tok:https://locked.example", Data: []byte("written locked")}); err != nil {
		t.Fatal(err)
	}

	plant := func(key string, mac []byte) {
		plain, _ := json.Marshal(vaultItem{Key: key, Data: []byte("planted"), Seq: 99, MAC: mac})
		var buf bytes.Buffer
		w, _ := age.Encrypt(&buf, v.recipient)
		w.Write(plain)
		w.Close()
		if err := os.WriteFile(v.fileFor(key), buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		key string
		mac []byte
	}{
		{"tok:https://new.example", nil},
		{"tok:https://new2.example", bytes.Repeat([]byte{7}, 32)},
		{"tok:https://a.example", nil}, // over a record of mine
		{"tok:https://locked.example", nil},
	} {
		plant(c.key, c.mac)
		_, err := openTestVault(t, dir, state, "", held).Get(c.key)
		if !errors.Is(err, errRecordRefused) || !strings.Contains(err.Error(), "tampered") {
			t.Errorf("a planted %s (mac %v) = %v; want it refused", c.key, c.mac != nil, err)
		}
	}

	// Records of mine read back; a planted one is listed as damaged, not as a target.
	if err := openTestVault(t, dir, state, "", held).Set(keyring.Item{Key: "tok:https://a.example", Data: []byte("mine again")}); err != nil {
		t.Fatal(err)
	}
	if err := openTestVault(t, dir, state, "").Set(keyring.Item{Key: "tok:https://locked.example", Data: []byte("locked again")}); err != nil {
		t.Fatal(err)
	}
	r := openTestVault(t, dir, state, "", held)
	for key, want := range map[string]string{"tok:https://a.example": "mine again", "tok:https://locked.example": "locked again"} {
		if it, err := r.Get(key); err != nil || string(it.Data) != want {
			t.Errorf("%s = %q, %v; want %q", key, it.Data, err, want)
		}
	}
	keys, err := r.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, "new") {
			t.Errorf("a planted record is listed as %s", k)
		}
	}
}

// TestVaultRefusesRolledBackRecord: a record file put back to an older copy of itself is
// refused, whether that copy was authenticated (written unlocked) or not (written locked);
// a newer authenticated write from another machine sharing the vault is accepted.
func TestVaultRefusesRolledBackRecord(t *testing.T) {
	dir, state, otherState := t.TempDir(), t.TempDir(), t.TempDir()
	v := openTestVault(t, dir, state, "pw")
	if err := v.Set(keyring.Item{Key: "tok:https://seed.example", Data: []byte("seed")}); err != nil {
		t.Fatal(err)
	}
	identity, _ := v.Identity()
	held := heldIdentity{identity}
	// The other machine has seen the vault (and pinned it) before the writes below.
	if _, err := openTestVault(t, dir, otherState, "", held).Get("tok:https://seed.example"); err != nil {
		t.Fatal(err)
	}
	for name, writer := range map[string]func() *Vault{
		"unlocked": func() *Vault { return openTestVault(t, dir, state, "", held) },
		"locked":   func() *Vault { return openTestVault(t, dir, state, "") },
	} {
		t.Run(name, func(t *testing.T) {
			key := "tok:https://" + name + ".example"
			if err := writer().Set(keyring.Item{Key: key, Data: []byte("revoked token")}); err != nil {
				t.Fatal(err)
			}
			path := v.fileFor(key)
			old, _ := os.ReadFile(path)
			if err := writer().Set(keyring.Item{Key: key, Data: []byte("current token")}); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, old, 0o600)
			_, err := openTestVault(t, dir, state, "", held).Get(key)
			if !errors.Is(err, errRecordRefused) {
				t.Fatalf("a rolled-back record = %v; want it refused", err)
			}
			if name == "unlocked" && !strings.Contains(err.Error(), "rolled back") {
				t.Errorf("the error does not say rolled back: %v", err)
			}
		})
	}
	// Deleted, then an older authenticated copy put back: still refused.
	key := "tok:https://unlocked.example"
	path := v.fileFor(key)
	os.Remove(path)
	if err := openTestVault(t, dir, state, "", held).Set(keyring.Item{Key: key, Data: []byte("current token")}); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	if err := openTestVault(t, dir, state, "", held).Remove(key); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, old, 0o600)
	if _, err := openTestVault(t, dir, state, "", held).Get(key); !errors.Is(err, errRecordRefused) {
		t.Fatalf("an older copy put back after tok delete = %v; want it refused", err)
	}

	// Another machine writes with the key: this machine takes the newer record.
	for _, data := range []string{"first", "second"} {
		if err := openTestVault(t, dir, state, "", held).Set(keyring.Item{Key: "tok:https://shared.example", Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := openTestVault(t, dir, otherState, "", held).Set(keyring.Item{Key: "tok:https://shared.example", Data: []byte("from the other machine")}); err != nil {
		t.Fatal(err)
	}
	if it, err := openTestVault(t, dir, state, "", held).Get("tok:https://shared.example"); err != nil || string(it.Data) != "from the other machine" {
		t.Fatalf("a newer authenticated record from another machine = %q, %v", it.Data, err)
	}
}

// TestVaultAdoptsAnOlderToksRecords: a vault written by a tok without local state is adopted
// as it is the first time this machine's state meets it; later plants are refused.
func TestVaultAdoptsAnOlderToksRecords(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	old := openTestVault(t, dir, "", "pw")
	if err := old.Set(keyring.Item{Key: "tok:https://a.example", Data: []byte("one")}); err != nil {
		t.Fatal(err)
	}
	if err := openTestVault(t, dir, "", "").Set(keyring.Item{Key: "tok:https://b.example", Data: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	now := openTestVault(t, dir, state, "pw")
	for key, want := range map[string]string{"tok:https://a.example": "one", "tok:https://b.example": "two"} {
		if it, err := now.Get(key); err != nil || string(it.Data) != want {
			t.Fatalf("%s after the upgrade = %q, %v", key, it.Data, err)
		}
	}
	data, _ := os.ReadFile(now.fileFor("tok:https://a.example"))
	os.WriteFile(now.fileFor("tok:https://b.example"), data, 0o600)
	if _, err := openTestVault(t, dir, state, "pw").Get("tok:https://b.example"); !errors.Is(err, errRecordRefused) {
		t.Fatalf("a record replaced after adoption = %v; want it refused", err)
	}
}

// TestVaultOpenedBeforeItExisted: a process that opened the vault before another made it
// finds that one's records and writes beside them (record names depend on vault.json's salt).
func TestVaultOpenedBeforeItExisted(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	early := openTestVault(t, dir, state, "pw")
	maker := openTestVault(t, dir, state, "pw")
	if err := maker.Set(keyring.Item{Key: "tok:https://a.example", Data: []byte("one")}); err != nil {
		t.Fatal(err)
	}
	if it, err := early.Get("tok:https://a.example"); err != nil || string(it.Data) != "one" {
		t.Fatalf("Get by a process that opened the vault before it existed = %q, %v", it.Data, err)
	}
	if err := early.Set(keyring.Item{Key: "tok:https://b.example", Data: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	keys, err := openTestVault(t, dir, state, "pw").Keys()
	if err != nil || len(keys) != 2 {
		t.Fatalf("Keys = %v, %v; want both records", keys, err)
	}
}
