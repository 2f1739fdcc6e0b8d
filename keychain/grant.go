package keychain

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/internal/atomicfile"
)

// BackendGrant is the store a process reads when TOK_GRANT gives it a grant's key.
const BackendGrant = "grant"

// GrantVersion is the grant file format this tok writes and the newest it reads.
const GrantVersion = 1

// Grant errors.
var (
	ErrGrantExpired  = errors.New("grant expired")
	ErrGrantNotFound = errors.New("grant not found")
	ErrGrantKey      = errors.New("not a grant key")
	ErrGrantReadOnly = errors.New("a grant holds only the records it was made with")
)

// A grant is a short-lived, scoped, sealed copy of some records, for a batch job or a CI run:
// the file <dir>/<ID>.age holds them encrypted (age, X25519) to a one-time key that exists
// nowhere but in the key string handed to the job (TOK_GRANT=<ID>:<age secret key>). The
// expiry is inside the sealed payload, so editing the file cannot extend it; a clear copy
// beside it serves tok grant list and the sweep of expired grants, which have no key.
// Renewals inside the job are sealed back into the same file, to the same one-time key.
type grantFile struct {
	Version int       `json:"version"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"` // a copy for list and sweep; the sealed one decides
	Targets []string  `json:"targets"`
	Sealed  []byte    `json:"sealed"`
}

// grantPayload is what the sealed part holds.
type grantPayload struct {
	Version int         `json:"version"`
	ID      string      `json:"id"`
	Created time.Time   `json:"created"`
	Expires time.Time   `json:"expires"`
	Items   []vaultItem `json:"items"`
}

// GrantInfo is what tok grant list shows of a grant (no key is needed to read it).
type GrantInfo struct {
	ID      string
	Created time.Time
	Expires time.Time
	Targets []string
	Err     error // the file could not be read
}

// GrantFile is the grant's file in dir.
func GrantFile(dir, id string) string { return filepath.Join(dir, id+".age") }

// grantLockDir holds the grant's write lock and its renewal locks (one per record), on the
// same shared disk as the grant, so renewal is single-flight across the job's nodes and steps.
func grantLockDir(dir, id string) string { return filepath.Join(dir, id+".locks") }

// validGrantID: 16 lower-case hex digits, so an ID can never name a path outside dir.
func validGrantID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// CreateGrant seals records into a new grant in dir (0700) that expires at expires, and
// returns the grant's key (<ID>:<age secret key>), which is stored nowhere.
func CreateGrant(dir string, records []Record, created, expires time.Time) (key string, info GrantInfo, err error) {
	if !expires.After(created) {
		return "", GrantInfo{}, errors.New("a grant must expire after it is made")
	}
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", GrantInfo{}, err
	}
	id := hex.EncodeToString(idb[:])
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		return "", GrantInfo{}, err
	}
	p := grantPayload{Version: GrantVersion, ID: id, Created: created.UTC(), Expires: expires.UTC()}
	for _, rec := range records {
		t, err := rec.ParsedTarget()
		if err != nil {
			return "", GrantInfo{}, err
		}
		data, err := rec.Encode()
		if err != nil {
			return "", GrantInfo{}, err
		}
		p.Items = append(p.Items, vaultItem{Key: t.Key(), Data: data, Label: t.Key(), Description: "tok credential"})
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", GrantInfo{}, fmt.Errorf("creating the grant directory: %w", err)
	}
	g := &grantRing{dir: dir, id: id, identity: identity, payload: p}
	if err := g.write(); err != nil {
		return "", GrantInfo{}, err
	}
	return id + ":" + identity.String(), g.info(), nil
}

// ParseGrantKey splits a grant key into the grant's ID and its one-time identity. Errors
// never repeat the key.
func ParseGrantKey(key string) (string, *age.X25519Identity, error) {
	id, secret, ok := strings.Cut(strings.TrimSpace(key), ":")
	if !ok || !validGrantID(id) {
		return "", nil, fmt.Errorf("%w: TOK_GRANT must be <ID>:<key> as tok grant create or tok sbatch made it", ErrGrantKey)
	}
	identity, err := age.ParseX25519Identity(secret)
	if err != nil {
		return id, nil, fmt.Errorf("%w: the key part of TOK_GRANT for grant %s is damaged", ErrGrantKey, id)
	}
	return id, identity, nil
}

// grantRing is a keyring.Keyring over one decrypted grant. Reads see renewals other processes
// sealed into the file since (the file is re-read when it changed); writes go back into the
// same file, to the same one-time key, and only to records the grant already holds.
type grantRing struct {
	dir      string
	id       string
	identity *age.X25519Identity

	mu      sync.Mutex
	payload grantPayload
	file    os.FileInfo
}

// openGrant opens the grant a key names. A grant past its expiry is refused and removed.
func openGrant(dir, key string, now time.Time) (*grantRing, error) {
	id, identity, err := ParseGrantKey(key)
	if err != nil {
		return nil, err
	}
	g := &grantRing{dir: dir, id: id, identity: identity}
	if err := g.load(); err != nil {
		return nil, err
	}
	if !now.Before(g.payload.Expires) {
		_ = removeGrant(dir, id, goneExpired, g.payload.Expires)
		return nil, g.gone()
	}
	return g, nil
}

// OpenGrantStore opens the grant a key names as a Store: reads need no vault and no prompt.
func OpenGrantStore(dir, key string, timeout time.Duration) (*Store, error) {
	g, err := openGrant(dir, key, time.Now())
	if err != nil {
		return nil, err
	}
	lock := filepath.Join(grantLockDir(dir, g.id), "store.lock")
	return NewStore(g, BackendGrant, "TOK_GRANT is set (grant "+g.id+", until "+g.payload.Expires.Local().Format(time.RFC3339)+")", lock, timeout), nil
}

// GrantOf gives the grant's ID and expiry when s reads a grant.
func (s *Store) GrantOf() (id string, expires time.Time, ok bool) {
	g, ok := s.ring.(*grantRing)
	if !ok {
		return "", time.Time{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.id, g.payload.Expires, true
}

// load reads and decrypts the file when it changed since the last read.
func (g *grantRing) load() error {
	path := GrantFile(g.dir, g.id)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return g.gone()
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if g.file != nil && os.SameFile(g.file, info) && g.file.Size() == info.Size() && g.file.ModTime().Equal(info.ModTime()) {
		return nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	damaged := func(why string) error {
		return fmt.Errorf("grant %s in %s is damaged or was tampered with (%s); revoke it with: tok grant revoke %s", g.id, g.dir, why, g.id)
	}
	var gf grantFile
	if err := json.Unmarshal(data, &gf); err != nil {
		return damaged("it does not parse")
	}
	if gf.Version > GrantVersion {
		return fmt.Errorf("grant %s was made by a newer tok (format %d, this tok reads up to %d): upgrade tok", g.id, gf.Version, GrantVersion)
	}
	r, err := age.Decrypt(bytes.NewReader(gf.Sealed), g.identity)
	if err != nil {
		return damaged("it does not open with the key in TOK_GRANT")
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return damaged("its sealed part is cut short")
	}
	var p grantPayload
	if err := json.Unmarshal(plain, &p); err != nil {
		return damaged("its sealed part does not parse")
	}
	if p.ID != g.id {
		return damaged("it holds another grant than its name says")
	}
	g.payload, g.file = p, info
	return nil
}

// write seals the payload to the one-time key and replaces the file atomically.
func (g *grantRing) write() error {
	plain, err := json.Marshal(g.payload)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, g.identity.Recipient())
	if err != nil {
		return err
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		return err
	}
	info := g.info()
	data, err := json.MarshalIndent(grantFile{Version: GrantVersion, ID: g.id, Created: info.Created, Expires: info.Expires, Targets: info.Targets, Sealed: buf.Bytes()}, "", "  ")
	if err != nil {
		return err
	}
	path := GrantFile(g.dir, g.id)
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return err
	}
	g.file = nil // re-read on the next Get: another process may write after us
	return nil
}

func (g *grantRing) info() GrantInfo {
	gi := GrantInfo{ID: g.id, Created: g.payload.Created, Expires: g.payload.Expires}
	for _, it := range g.payload.Items {
		gi.Targets = append(gi.Targets, displayTarget(it.Key))
	}
	sort.Strings(gi.Targets)
	return gi
}

// Get implements keyring.Keyring.
func (g *grantRing) Get(key string) (keyring.Item, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.load(); err != nil {
		return keyring.Item{}, err
	}
	for _, it := range g.payload.Items {
		if it.Key == key {
			return keyring.Item{Key: it.Key, Data: it.Data, Label: it.Label, Description: it.Description}, nil
		}
	}
	return keyring.Item{}, keyring.ErrKeyNotFound
}

// GetMetadata implements keyring.Keyring.
func (g *grantRing) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, keyring.ErrMetadataNeedsCredentials
}

// Set implements keyring.Keyring: a renewed record replaces the grant's copy (the Store holds
// the grant's write lock around it). A record the grant does not hold is refused, and so is
// any write past the grant's expiry: a grant never grows, and never outlives its expiry.
func (g *grantRing) Set(item keyring.Item) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.file = nil
	if err := g.load(); err != nil {
		return err
	}
	if !time.Now().Before(g.payload.Expires) {
		return fmt.Errorf("%w: grant %s expired at %s", ErrGrantExpired, g.id, g.payload.Expires.Local().Format(time.RFC3339))
	}
	for i, it := range g.payload.Items {
		if it.Key == item.Key {
			g.payload.Items[i] = vaultItem{Key: item.Key, Data: item.Data, Label: item.Label, Description: item.Description}
			return g.write()
		}
	}
	return fmt.Errorf("%w (grant %s from TOK_GRANT): %s is not one of them; unset TOK_GRANT to change your own store", ErrGrantReadOnly, g.id, displayTarget(item.Key))
}

// Remove implements keyring.Keyring: a grant's records are not removed one by one.
func (g *grantRing) Remove(key string) error {
	return fmt.Errorf("%w (grant %s from TOK_GRANT): records are not deleted from it; end it with tok grant revoke %s", ErrGrantReadOnly, g.id, g.id)
}

// Keys implements keyring.Keyring.
func (g *grantRing) Keys() ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.load(); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(g.payload.Items))
	for _, it := range g.payload.Items {
		keys = append(keys, it.Key)
	}
	return keys, nil
}

// ListGrants reads the clear part of every grant in dir, sorted by expiry.
func ListGrants(dir string) ([]GrantInfo, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []GrantInfo
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".age")
		if !ok || !validGrantID(id) {
			continue
		}
		gi := GrantInfo{ID: id}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		var gf grantFile
		if err == nil {
			err = json.Unmarshal(data, &gf)
		}
		if errors.Is(err, os.ErrNotExist) {
			continue // revoked while we listed
		}
		if err != nil {
			gi.Err = fmt.Errorf("grant %s does not parse", id)
		} else {
			gi.Created, gi.Expires, gi.Targets = gf.Created, gf.Expires, gf.Targets
		}
		out = append(out, gi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Expires.Before(out[j].Expires) })
	return out, nil
}

// RevokeGrant removes a grant's file and its locks. A grant that is not there is
// ErrGrantNotFound.
func RevokeGrant(dir, id string) error {
	if !validGrantID(id) {
		return fmt.Errorf("%w: %q is not a grant ID (tok grant list shows them)", ErrGrantNotFound, id)
	}
	err := removeGrant(dir, id, goneRevoked, time.Time{})
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: there is no grant %s (tok grant list shows them)", ErrGrantNotFound, id)
	}
	return err
}

// A removed grant leaves a tombstone, <ID>.gone, that says why and when (no secret, no
// key): a job that comes to it later is told its grant expired, or was revoked, in one
// line, rather than only that it is missing. The sweep removes tombstones after a week.
const (
	goneExpired = "expired"
	goneRevoked = "revoked"
	goneKeep    = 7 * 24 * time.Hour
)

type tombstone struct {
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	Expires time.Time `json:"expires,omitzero"`
}

func tombstoneFile(dir, id string) string { return filepath.Join(dir, id+".gone") }

// removeGrant removes the grant's file and locks, and leaves its tombstone.
func removeGrant(dir, id, reason string, expires time.Time) error {
	err := os.Remove(GrantFile(dir, id))
	_ = os.RemoveAll(grantLockDir(dir, id))
	if err == nil {
		data, _ := json.Marshal(tombstone{Reason: reason, At: time.Now().UTC(), Expires: expires.UTC()})
		_ = atomicfile.Write(tombstoneFile(dir, id), data, 0o600)
	}
	return err
}

// gone explains a grant that is not there, from its tombstone.
func (g *grantRing) gone() error {
	var ts tombstone
	data, err := os.ReadFile(tombstoneFile(g.dir, g.id))
	if err == nil && json.Unmarshal(data, &ts) == nil {
		switch ts.Reason {
		case goneExpired:
			return fmt.Errorf("%w: grant %s (TOK_GRANT) expired at %s and was removed; make a new one (tok sbatch, tok grant create)", ErrGrantExpired, g.id, ts.Expires.Local().Format(time.RFC3339))
		case goneRevoked:
			return fmt.Errorf("%w: grant %s (TOK_GRANT) was revoked at %s", ErrGrantNotFound, g.id, ts.At.Local().Format(time.RFC3339))
		}
	}
	return fmt.Errorf("%w: grant %s (TOK_GRANT) is not in %s: it was revoked, or it expired and was removed", ErrGrantNotFound, g.id, g.dir)
}

// SweepGrants removes the grants in dir that expired before now (by their clear expiry: at
// worst an edited one is removed early; the sealed expiry still decides whether it opens), the
// lock directories of grants that are gone, and tombstones older than a week. The grant named keep (this process's own
// TOK_GRANT) is left for its opener, which says it expired. It returns how many it removed.
func SweepGrants(dir string, now time.Time, keep string) int {
	grants, err := ListGrants(dir)
	if err != nil {
		return 0
	}
	n := 0
	live := map[string]bool{}
	for _, g := range grants {
		if g.Err == nil && !now.Before(g.Expires) && g.ID != keep {
			if removeGrant(dir, g.ID, goneExpired, g.Expires) == nil {
				n++
			}
			continue
		}
		live[g.ID] = true
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".gone"); ok && validGrantID(id) {
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > goneKeep {
				os.Remove(filepath.Join(dir, e.Name()))
			}
			continue
		}
		id, ok := strings.CutSuffix(e.Name(), ".locks")
		if !ok || !validGrantID(id) || live[id] {
			continue
		}
		if _, err := os.Stat(GrantFile(dir, id)); errors.Is(err, os.ErrNotExist) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return n
}
