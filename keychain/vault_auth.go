package keychain

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"filippo.io/age"

	"github.com/tok-dev/tok/internal/atomicfile"
)

// What the vault promises against someone who can write its directory (a synced or shared
// folder, a backup restored over it) but not the rest of the user's files, and holds neither
// the passphrase nor an unlocked key. README's security model says the same for users.
//
//   - vault.json's recipient replaced (so that writes encrypt to another key): this machine
//     pins the recipient outside the directory, in VaultStateDir (trust on first use, and
//     again whenever the passphrase or an unlocked key proves vault.json is the user's). A
//     write, with or without the key, and an unlock refuse a recipient that is not the pinned
//     one, or not the unlocked key's; a passphrase that opens the new vault.json re-pins it.
//   - A record planted, replaced or rolled back: each record is checked against a ledger in
//     VaultStateDir of what this machine last wrote there (its sequence number and the hash of
//     its file). A record written with the key unlocked also carries an authenticator: an
//     HMAC, keyed from the vault's identity, over the format version, its key, its sequence
//     number and its contents. A record is handed out when its file is the one the ledger
//     names, or when its authenticator is valid and its sequence number is above the ledger's
//     (a newer write by another machine sharing the vault). Anything else is refused.
//
// Not detected: a record deleted (it is gone, as after tok delete); the whole directory and
// VaultStateDir rolled back together; on a machine that has not written a record, a rollback
// of it to an older authenticated copy; and anything done by someone who can write
// VaultStateDir or holds the key. A record written while the vault was locked carries no
// authenticator, so another machine sharing the vault refuses it.

// ErrVaultReplaced means vault.json is not the vault this machine knows.
var ErrVaultReplaced = errors.New("the vault's vault.json was replaced")

// errRecordRefused marks a record that failed the checks above; its text says "tampered". It
// is a damaged record to the Store: never overwritten unasked, removed by tok delete.
var errRecordRefused error = refusedError{}

type refusedError struct{}

func (refusedError) Error() string        { return "tampered with" }
func (refusedError) Is(target error) bool { return target == ErrDamagedRecord }

// macKey derives the record authenticator's key from the vault's identity.
func macKey(id *age.X25519Identity) []byte {
	key, err := hkdf.Key(sha256.New, []byte(id.String()), nil, "tok vault record authenticator", 32)
	if err != nil {
		panic(err) // only for a length sha256 cannot give
	}
	return key
}

// recordMAC authenticates a record: the format version, key, sequence number and contents,
// each length-prefixed.
func recordMAC(key []byte, it vaultItem) []byte {
	m := hmac.New(sha256.New, key)
	seq := strconv.FormatUint(it.Seq, 10)
	for _, field := range []string{"tok vault record", strconv.Itoa(VaultVersion), it.Key, seq, string(it.Data), it.Label, it.Description} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(field)))
		m.Write(n[:])
		m.Write([]byte(field))
	}
	return m.Sum(nil)
}

// localDir is this machine's state for the vault (pin and ledger), "" when there is none.
func (v *Vault) localDir() string {
	if v.stateDir == "" {
		return ""
	}
	return filepath.Join(v.stateDir, v.VaultID())
}

func (v *Vault) pinPath() string { return filepath.Join(v.localDir(), "recipient") }

// pinned is the recipient this machine pinned for the vault, "" when none.
func (v *Vault) pinned() string {
	if v.localDir() == "" {
		return ""
	}
	data, _ := os.ReadFile(v.pinPath())
	return strings.TrimSpace(string(data))
}

// checkPin refuses a vault.json whose recipient is not the pinned one. A write without the
// unlocked key relies on it; with no pin yet, the recipient is pinned as it is.
func (v *Vault) checkPin() error {
	if v.localDir() == "" {
		return nil
	}
	switch p := v.pinned(); p {
	case v.meta.Recipient:
		return nil
	case "":
		return v.trust()
	default:
		return fmt.Errorf("%w: its recipient (the key records are encrypted to) is not the one this machine pinned in %s; nothing was written. If you made the vault anew, run tok unlock, which checks it with your passphrase; otherwise restore vault.json from a backup", ErrVaultReplaced, v.localDir())
	}
}

// trust pins vault.json's recipient, which the caller has proved is the user's (the unlocked
// key matches it) or sees for the first time. A vault met for the first time, or pinned to
// another recipient before, has its current record files adopted into the ledger.
func (v *Vault) trust() error {
	if v.localDir() == "" || v.trusted {
		return nil
	}
	if v.pinned() != v.meta.Recipient {
		if err := v.adopt(); err != nil {
			return fmt.Errorf("noting the vault's records in %s: %w", v.localDir(), err)
		}
	}
	v.trusted = true
	return nil
}

// adopt notes every record file as this machine's (sequence 0), then pins the recipient. It
// takes no lock (a write calls it under the store's): an entry a writer made meanwhile is kept.
func (v *Vault) adopt() error {
	ledger := filepath.Join(v.localDir(), "records")
	if old := v.pinned(); old != "" && old != v.meta.Recipient {
		if err := os.RemoveAll(ledger); err != nil { // another vault's
			return err
		}
	}
	if err := os.MkdirAll(ledger, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(v.dir, "records"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".age") {
			continue
		}
		sealed, err := os.ReadFile(filepath.Join(v.dir, "records", e.Name()))
		if err != nil {
			continue
		}
		if err := v.writeLedgerOnce(e.Name(), ledgerEntry{sums: [][32]byte{sha256.Sum256(sealed)}}); err != nil {
			return err
		}
	}
	return atomicfile.Write(v.pinPath(), []byte(v.meta.Recipient+"\n"), 0o600)
}

// ledgerEntry is what this machine last wrote to a record file: its sequence number and the
// hash of the file (two while a write is under way: the old file's and the new one's; none
// once tok deleted the record).
type ledgerEntry struct {
	seq  uint64
	sums [][32]byte
}

func (v *Vault) ledgerPath(name string) string {
	return filepath.Join(v.localDir(), "records", filepath.Base(name))
}

func (v *Vault) readLedger(name string) (ledgerEntry, bool) {
	data, err := os.ReadFile(v.ledgerPath(name))
	if err != nil {
		return ledgerEntry{}, false
	}
	f := strings.Fields(string(data))
	if len(f) < 1 {
		return ledgerEntry{}, false
	}
	var e ledgerEntry
	if e.seq, err = strconv.ParseUint(f[0], 10, 64); err != nil {
		return ledgerEntry{}, false
	}
	for _, h := range f[1:] {
		var sum [32]byte
		if b, err := hex.DecodeString(h); err == nil && len(b) == 32 {
			copy(sum[:], b)
			e.sums = append(e.sums, sum)
		}
	}
	return e, true
}

func (v *Vault) writeLedger(name string, e ledgerEntry) error {
	path := v.ledgerPath(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, e.encode(), 0o600)
}

// writeLedgerOnce writes an entry only where there is none.
func (v *Vault) writeLedgerOnce(name string, e ledgerEntry) error {
	path := v.ledgerPath(name)
	tmp := path + ".adopt"
	if err := atomicfile.Write(tmp, e.encode(), 0o600); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

func (e ledgerEntry) encode() []byte {
	line := strconv.FormatUint(e.seq, 10)
	for _, sum := range e.sums {
		line += " " + hex.EncodeToString(sum[:])
	}
	return []byte(line + "\n")
}

// verify decides whether a decrypted record may be handed out (see the top of this file).
func (v *Vault) verify(path string, sealed []byte, it vaultItem) error {
	if v.fileFor(it.Key) != path {
		return fmt.Errorf("the vault record %s holds another key than its name says: it was %w", filepath.Base(path), errRecordRefused)
	}
	var authentic bool
	if it.MAC != nil {
		authentic = hmac.Equal(it.MAC, recordMAC(macKey(v.identity), it))
		if !authentic {
			return fmt.Errorf("the vault record %s was %w: its authenticator does not match; remove it with tok delete and store the token again", filepath.Base(path), errRecordRefused)
		}
	}
	if v.localDir() == "" {
		return nil
	}
	e, known := v.readLedger(path)
	sum := sha256.Sum256(sealed)
	for _, s := range e.sums {
		if bytes.Equal(s[:], sum[:]) {
			return nil
		}
	}
	switch {
	case authentic && (!known || it.Seq > e.seq):
		return nil // written with the key, newer than what this machine wrote here
	case authentic:
		return fmt.Errorf("the vault record %s was %w: it is an older copy (write %d) than the one this machine wrote (write %d), i.e. rolled back; remove it with tok delete and store the token again", filepath.Base(path), errRecordRefused, it.Seq, e.seq)
	default:
		return fmt.Errorf("the vault record %s was %w: this machine did not write it and it carries no authenticator (planted, or replaced by an older copy); remove it with tok delete and store the token again", filepath.Base(path), errRecordRefused)
	}
}

// heldIdentity is the unlocked identity when this process has it or a cache holds it (no
// passphrase is asked); nil when the vault is locked. A key that does not open vault.json's
// recipient is ErrVaultReplaced.
func (v *Vault) heldIdentity() (*age.X25519Identity, error) {
	if v.identity == nil {
		for _, c := range v.caches {
			s, _, err := c.Load(v.VaultID())
			if err != nil {
				continue
			}
			id, err := age.ParseX25519Identity(s)
			if err != nil {
				continue
			}
			if id.Recipient().String() != v.meta.Recipient {
				return nil, v.replacedError(c.Name())
			}
			v.identity = id
			break
		}
	}
	if v.identity == nil {
		return nil, nil
	}
	if v.identity.Recipient().String() != v.meta.Recipient {
		return nil, v.replacedError("this process")
	}
	return v.identity, v.trust()
}

func (v *Vault) replacedError(holder string) error {
	return fmt.Errorf("%w: the key unlocked for %s (held by %s) does not open it, so its recipient is someone else's. Restore vault.json from a backup; if you made a new vault there yourself, run tok lock, then tok unlock", ErrVaultReplaced, v.dir, holder)
}
