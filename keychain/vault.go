package keychain

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/internal/atomicfile"
)

// BackendVault is tok's own headless store.
const BackendVault = "vault"

// VaultVersion is the vault format this tok writes and the newest it reads.
const VaultVersion = 1

// VaultWorkFactor is scrypt's log2(N) for the passphrase that guards the vault's identity:
// about half a second an unlock on a laptop-class core.
const VaultWorkFactor = 17

// Vault errors.
var (
	ErrVaultLocked = errors.New("the vault is locked")
	ErrNoVault     = errors.New("there is no vault yet: store a token first (tok set), which creates it")
)

// vaultMeta is vault.json: what a writer needs without the passphrase (the public recipient,
// a salt for record file names) and the identity sealed with the passphrase. One file, so a
// vault can never end up with a recipient and an identity that do not belong together; made
// once, and replaced whole only by tok passwd (the same identity sealed anew). Nothing in it is
// trusted on its own: see vault_auth.go.
type vaultMeta struct {
	Version   int       `json:"version"`
	Recipient string    `json:"recipient"`
	Salt      string    `json:"salt"`
	Created   time.Time `json:"created"`
	Identity  []byte    `json:"identity"` // age, scrypt recipient
}

// vaultItem is what a record file holds, encrypted.
type vaultItem struct {
	Key         string `json:"key"`
	Data        []byte `json:"data"`
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`
	// Seq counts writes of this record; MAC authenticates it (see vault_auth.go). A record
	// written while the vault was locked has no MAC.
	Seq uint64 `json:"seq,omitempty"`
	MAC []byte `json:"mac,omitempty"`
}

// IdentityCache keeps an unlocked vault identity for a while (the kernel keyring, tok agent),
// so helpers read without a passphrase until it expires or tok lock.
type IdentityCache interface {
	// Load gives the identity for the vault, or ErrVaultLocked.
	Load(vaultID string) (identity string, until time.Time, err error)
	// Keep holds the identity until the given time.
	Keep(vaultID, identity string, until time.Time) error
	// Forget drops it.
	Forget(vaultID string) error
	// Name says where it keeps identities, for doctor ("the kernel keyring", "tok agent").
	Name() string
}

// KernelKeyringCache marks the kernel keyring cache (so a choice can be made between caches).
type KernelKeyringCache interface {
	IdentityCache
	kernelKeyring()
}

// Vault is tok's encrypted headless store: one X25519 identity per vault, itself encrypted
// with the passphrase (age's scrypt), and one age file per record encrypted to the vault's
// public recipient, so a write (git store, docker store) never needs the passphrase. Record
// files are named by a salted hash of their key, so names do not reveal hosts. Writes are
// atomic (temp file, fsync, rename); the Store's lock serialises read-modify-write.
type Vault struct {
	dir        string
	meta       vaultMeta
	recipient  *age.X25519Recipient
	identity   *age.X25519Identity
	passphrase func() (string, error)
	newPass    func(dir string) (string, error)
	tries      int
	stateDir   string
	caches     []IdentityCache
	id         string // VaultID
	trusted    bool   // the recipient is pinned and the ledger set up, in this process

	mu     sync.Mutex
	opened map[string]openedRecord // by file path; see readRecord
}

// openedRecord is a record this process has decrypted, with the file version it came from.
type openedRecord struct {
	file os.FileInfo
	item vaultItem
}

// Exists reports whether the vault has been created.
func (v *Vault) Exists() bool { return v.recipient != nil }

// VaultID names a vault in caches and in its local state: a hash of its directory (the real
// path), not of anything in vault.json, so a vault.json replaced by someone else is still
// checked against the key unlocked for this directory.
func (v *Vault) VaultID() string {
	if v.id == "" {
		sum := sha256.Sum256([]byte("tok vault\x00" + realPath(v.dir)))
		v.id = hex.EncodeToString(sum[:8])
	}
	return v.id
}

// realPath is path made absolute with the symbolic links of its longest existing ancestor
// resolved, so it names a directory the same way before and after the directory is made.
func realPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest)
		}
		if dir == filepath.Dir(dir) {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// Dir is the vault's directory.
func (v *Vault) Dir() string { return v.dir }

// OpenVault opens the vault in dir. A vault that does not exist yet reads as empty and is
// created (which needs the passphrase) by the first write.
func OpenVault(dir string, passphrase func() (string, error), caches []IdentityCache) (*Vault, error) {
	return OpenVaultWith(Options{VaultDir: dir, Passphrase: passphrase, VaultCaches: caches})
}

// OpenVaultWith opens the vault in opts.VaultDir with the passphrase sources, caches and
// local state opts names.
func OpenVaultWith(opts Options) (*Vault, error) {
	v := &Vault{dir: opts.VaultDir, passphrase: opts.Passphrase, newPass: opts.NewPassphrase, tries: opts.PassphraseTries,
		stateDir: opts.VaultStateDir, caches: opts.VaultCaches}
	return v, v.load()
}

// reload reads vault.json again while this process has not seen one: another process may have
// made the vault since this one opened it, and its records are named with that vault's salt.
func (v *Vault) reload() error {
	if v.Exists() {
		return nil
	}
	return v.load()
}

// load reads vault.json; a missing one leaves the vault absent.
func (v *Vault) load() error {
	data, err := os.ReadFile(filepath.Join(v.dir, "vault.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var meta vaultMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return fmt.Errorf("the vault's vault.json in %s does not parse: %v", v.dir, err)
	}
	if meta.Version > VaultVersion {
		return fmt.Errorf("the vault in %s was made by a newer tok (format %d, this tok reads up to %d): upgrade tok", v.dir, meta.Version, VaultVersion)
	}
	r, err := age.ParseX25519Recipient(meta.Recipient)
	if err != nil {
		return fmt.Errorf("the vault's recipient in %s is damaged: %v", v.dir, err)
	}
	v.meta, v.recipient = meta, r
	return nil
}

func (v *Vault) create() error {
	ask := v.newPass
	if ask == nil {
		ask = func(string) (string, error) {
			if v.passphrase == nil {
				return "", ErrNoPassphrase
			}
			return v.passphrase()
		}
	}
	pass, err := ask(v.dir)
	if err != nil {
		return fmt.Errorf("creating the vault: %w", err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	sealed, err := sealIdentity(id.String(), pass)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(v.dir, "records"), 0o700); err != nil {
		return err
	}
	meta := vaultMeta{Version: VaultVersion, Recipient: id.Recipient().String(), Salt: hex.EncodeToString(salt), Created: time.Now().UTC(), Identity: sealed}
	data, _ := json.MarshalIndent(meta, "", "  ")
	// Written aside and linked into place, which fails if another process made a vault first:
	// then that vault is the one, and this identity is thrown away.
	tmp := filepath.Join(v.dir, fmt.Sprintf(".vault.json.%d", os.Getpid()))
	if err := atomicfile.Write(tmp, data, 0o600); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, filepath.Join(v.dir, "vault.json")); errors.Is(err, os.ErrExist) {
		return v.load()
	} else if err != nil {
		return err
	}
	v.meta, v.recipient, v.identity = meta, id.Recipient(), id
	for _, c := range v.caches {
		c.Forget(v.VaultID()) // a key kept for an earlier vault in this directory
	}
	return v.trust()
}

func sealIdentity(identity, passphrase string) ([]byte, error) {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(VaultWorkFactor)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, err
	}
	io.WriteString(w, identity)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ChangePassphrase seals the vault's identity with a new passphrase, once the current one has
// opened it. Only vault.json changes (records are encrypted to the identity's recipient, which
// stays), and it is replaced all at once (temp file, fsync, rename): a crash leaves the old
// passphrase working. The caller holds the store's write lock.
func (v *Vault) ChangePassphrase(current, next string) error {
	if err := v.load(); err != nil {
		return err
	}
	if !v.Exists() {
		return ErrNoVault
	}
	identity, err := v.UnlockWithPassphrase(current)
	if err != nil {
		return err
	}
	if next == "" {
		return errors.New("an empty passphrase protects nothing; nothing was changed")
	}
	sealed, err := sealIdentity(identity, next)
	if err != nil {
		return err
	}
	meta := v.meta
	meta.Identity = sealed
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	if err := writeMeta(filepath.Join(v.dir, "vault.json"), data, 0o600); err != nil {
		return fmt.Errorf("writing the vault's vault.json (the old passphrase still works): %w", err)
	}
	v.meta = meta
	return nil
}

// writeMeta replaces vault.json; a variable so a test can interrupt it.
var writeMeta = atomicfile.Write

// UnlockWithPassphrase decrypts the vault's identity. A wrong passphrase is ErrWrongPassphrase.
func (v *Vault) UnlockWithPassphrase(pass string) (string, error) {
	sealed := v.meta.Identity
	si, err := age.NewScryptIdentity(pass)
	if err != nil {
		return "", err
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), si)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) || strings.Contains(err.Error(), "incorrect passphrase") {
			if p := v.pinned(); p != "" && p != v.meta.Recipient {
				return "", fmt.Errorf("%w: your passphrase does not open it, and its recipient is not the one this machine pinned in %s. Restore vault.json from a backup", ErrVaultReplaced, v.localDir())
			}
			return "", fmt.Errorf("%w for the vault in %s: give the passphrase it was created with (TOK_FILE_PASSPHRASE or the prompt)", ErrWrongPassphrase, v.dir)
		}
		return "", fmt.Errorf("the vault's identity in %s is damaged: %v", v.dir, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("the vault's identity in %s is damaged: %v", v.dir, err)
	}
	id, err := age.ParseX25519Identity(string(out))
	if err != nil || id.Recipient().String() != v.meta.Recipient {
		return "", fmt.Errorf("%w: the key sealed in it does not match its recipient (the key records are encrypted to), so one of them is someone else's. Restore vault.json from a backup", ErrVaultReplaced)
	}
	v.identity = id
	// The passphrase opened vault.json's own key: it is the user's vault; pin it.
	return id.String(), v.trust()
}

// unlock makes the identity available: a cache first, then the passphrase.
func (v *Vault) unlock() error {
	if v.identity != nil {
		return nil
	}
	if !v.Exists() {
		return ErrNoVault
	}
	if id, err := v.heldIdentity(); id != nil || err != nil {
		return err
	}
	if v.passphrase == nil {
		return fmt.Errorf("%w: run tok unlock, or set TOK_FILE_PASSPHRASE", ErrVaultLocked)
	}
	for try := 1; ; try++ {
		pass, err := v.passphrase()
		if errors.Is(err, ErrNoPassphrase) {
			return fmt.Errorf("%w: run tok unlock (once per session), or set TOK_FILE_PASSPHRASE", ErrVaultLocked)
		}
		if err != nil {
			return err
		}
		_, err = v.UnlockWithPassphrase(pass)
		if !errors.Is(err, ErrWrongPassphrase) || try >= v.tries {
			return err
		}
	}
}

// Identity returns the unlocked identity (unlocking if needed), for tok unlock to cache.
func (v *Vault) Identity() (string, error) {
	if err := v.unlock(); err != nil {
		return "", err
	}
	return v.identity.String(), nil
}

func (v *Vault) fileFor(key string) string {
	sum := sha256.Sum256([]byte(v.meta.Salt + "\x00" + key))
	return filepath.Join(v.dir, "records", hex.EncodeToString(sum[:16])+".age")
}

// Get implements keyring.Keyring. A missing record never asks for the passphrase.
func (v *Vault) Get(key string) (keyring.Item, error) {
	if err := v.reload(); err != nil {
		return keyring.Item{}, err
	}
	if !v.Exists() {
		return keyring.Item{}, keyring.ErrKeyNotFound
	}
	path := v.fileFor(key)
	it, err := v.readRecord(path)
	if errors.Is(err, os.ErrNotExist) {
		return keyring.Item{}, keyring.ErrKeyNotFound
	}
	if err != nil {
		return keyring.Item{}, err
	}
	if it.Key != key {
		return keyring.Item{}, fmt.Errorf("the vault record %s holds another key than its name says: it was tampered with", filepath.Base(path))
	}
	return keyring.Item{Key: it.Key, Data: it.Data, Label: it.Label, Description: it.Description}, nil
}

// readRecord decrypts the record file at path. Listing decrypts every record to learn its key,
// and the Store then reads each one it lists: the second read of a file that has not changed
// since (same file, size and modification time; every write renames a new file into place)
// is served from memory, so a listing costs one X25519 decryption per record, not two.
func (v *Vault) readRecord(path string) (vaultItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return vaultItem{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return vaultItem{}, err
	}
	v.mu.Lock()
	prev, ok := v.opened[path]
	v.mu.Unlock()
	if ok && os.SameFile(prev.file, info) && prev.file.Size() == info.Size() && prev.file.ModTime().Equal(info.ModTime()) {
		return prev.item, nil
	}
	sealed, err := io.ReadAll(f)
	if err != nil {
		return vaultItem{}, err
	}
	it, err := v.open(sealed, path)
	if err != nil {
		return vaultItem{}, err
	}
	if err := v.verify(path, sealed, it); err != nil {
		return vaultItem{}, err
	}
	v.mu.Lock()
	if v.opened == nil {
		v.opened = map[string]openedRecord{}
	}
	v.opened[path] = openedRecord{file: info, item: it}
	v.mu.Unlock()
	return it, nil
}

func (v *Vault) open(sealed []byte, path string) (vaultItem, error) {
	if err := v.unlock(); err != nil {
		return vaultItem{}, err
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), v.identity)
	var it vaultItem
	if err == nil {
		var plain []byte
		if plain, err = io.ReadAll(r); err == nil {
			err = json.Unmarshal(plain, &it)
		}
	}
	if err != nil {
		return vaultItem{}, fmt.Errorf("the vault record %s is damaged or was %w (%v); remove it with tok delete and store the token again", filepath.Base(path), errRecordRefused, err)
	}
	return it, nil
}

func (v *Vault) forget(path string) {
	v.mu.Lock()
	delete(v.opened, path)
	v.mu.Unlock()
}

// GetMetadata implements keyring.Keyring.
func (v *Vault) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, keyring.ErrMetadataNeedsCredentials
}

// Set implements keyring.Keyring: it needs only the public recipient (and, for the very first
// write, the passphrase that will guard the new vault).
func (v *Vault) Set(item keyring.Item) error {
	if err := v.reload(); err != nil {
		return err
	}
	if !v.Exists() {
		if err := v.create(); err != nil {
			return err
		}
	}
	// With the key at hand (this process or a cache): check vault.json belongs to it, and
	// authenticate the record. Without: check vault.json's recipient is the pinned one.
	id, err := v.heldIdentity()
	if err != nil {
		return err
	}
	if id == nil {
		if err := v.checkPin(); err != nil {
			return err
		}
	}
	path := v.fileFor(item.Key)
	it := vaultItem{Key: item.Key, Data: item.Data, Label: item.Label, Description: item.Description}
	var prev ledgerEntry
	if v.localDir() != "" {
		prev, _ = v.readLedger(path)
	}
	it.Seq = prev.seq + 1
	sums := prev.sums
	if id != nil {
		if old, err := v.readRecord(path); err == nil {
			if old.Seq >= it.Seq {
				it.Seq = old.Seq + 1
			}
			if cur, err := os.ReadFile(path); err == nil {
				sums = append(sums, sha256.Sum256(cur))
			}
		}
		it.MAC = recordMAC(macKey(id), it)
	}
	plain, err := json.Marshal(it)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, v.recipient)
	if err != nil {
		return err
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(v.dir, "records"), 0o700); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	if v.localDir() != "" {
		// The ledger names the old file and the new one until the new one is in place, so a
		// crash in between leaves a record that reads (the old one, or the new).
		if err := v.writeLedger(path, ledgerEntry{seq: it.Seq, sums: append(sums, sum)}); err != nil {
			return fmt.Errorf("noting the write in %s: %w", v.localDir(), err)
		}
	}
	v.forget(path)
	if err := atomicfile.Write(path, buf.Bytes(), 0o600); err != nil {
		return err
	}
	if v.localDir() != "" {
		return v.writeLedger(path, ledgerEntry{seq: it.Seq, sums: [][32]byte{sum}})
	}
	return nil
}

// Remove implements keyring.Keyring.
func (v *Vault) Remove(key string) error {
	if err := v.reload(); err != nil {
		return err
	}
	if !v.Exists() {
		return keyring.ErrKeyNotFound
	}
	v.forget(v.fileFor(key))
	err := os.Remove(v.fileFor(key))
	if errors.Is(err, os.ErrNotExist) {
		return keyring.ErrKeyNotFound
	}
	if err == nil && v.localDir() != "" {
		// The write count stays (with no file), so an older copy put back is still refused.
		prev, _ := v.readLedger(v.fileFor(key))
		v.writeLedger(v.fileFor(key), ledgerEntry{seq: prev.seq})
	}
	return err
}

// Keys implements keyring.Keyring: names are hashes, so each record is opened.
func (v *Vault) Keys() ([]string, error) {
	if err := v.reload(); err != nil || !v.Exists() {
		return nil, err
	}
	dir := filepath.Join(v.dir, "records")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".age") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		it, err := v.readRecord(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed while we listed
		}
		if errors.Is(err, ErrVaultLocked) || errors.Is(err, ErrWrongPassphrase) || errors.Is(err, ErrVaultReplaced) {
			return nil, err
		}
		if err != nil || v.fileFor(it.Key) != path {
			keys = append(keys, "tok:damaged-record/"+e.Name())
			continue
		}
		keys = append(keys, it.Key)
	}
	return keys, nil
}
