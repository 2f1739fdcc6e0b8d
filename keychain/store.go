// Package keychain is tok's storage: canonical targets, versioned records, host resolution and
// one Store over the keyring backends. It knows nothing of the git or docker protocols.
package keychain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/99designs/keyring"
)

// ErrNotFound means no record answers the request.
var ErrNotFound = errors.New("no credential found")

// Store is tok's one way to read and write records. Reads take no lock; every write holds the
// store's write lock, so concurrent helpers lose no update.
type Store struct {
	ring     keyring.Keyring
	backend  string
	why      string
	lockPath string
	timeout  time.Duration
	now      func() time.Time
}

// NewStore wraps an opened keyring. lockPath is the file whose lock serialises writers; it
// must not be inside a file backend's directory.
func NewStore(ring keyring.Keyring, backend, why, lockPath string, timeout time.Duration) *Store {
	if timeout <= 0 {
		timeout = DefaultHelperTimeout
	}
	return &Store{ring: ring, backend: backend, why: why, lockPath: lockPath, timeout: timeout, now: time.Now}
}

// Backend names the backend in use.
func (s *Store) Backend() string { return s.backend }

// Why says why that backend was chosen.
func (s *Store) Why() string { return s.why }

// SetClock replaces time.Now, for tests of expiry.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// read returns the record stored at exactly t, or ErrNotFound.
func (s *Store) read(t Target) (Record, error) {
	item, err := s.ring.Get(t.Key())
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, err
	}
	return DecodeRecord(t.Key(), item.Data)
}

// write stores rec at t, under the write lock. The index learns of the record first, so an
// interrupted write leaves an index entry too many (harmless), never a record it lacks.
func (s *Store) write(t Target, rec Record) error {
	if err := t.Storable(); err != nil {
		return err
	}
	rec.Target = t.String()
	data, err := rec.Encode()
	if err != nil {
		return err
	}
	s.indexWrite(t, &rec)
	return s.ring.Set(keyring.Item{
		Key:         t.Key(),
		Data:        data,
		Label:       t.Key(),
		Description: "tok credential",
	})
}

// Lookup resolves a request to the one record that answers it (README: How a request finds its token). req
// must come from ParseRequest. It reads at most len(Candidates(req)) items and never lists.
func (s *Store) Lookup(req Target) (Record, error) {
	for _, cand := range Candidates(req) {
		rec, err := s.read(cand)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return Record{}, err
		}
		if req.Username != "" && rec.Username != "" && rec.Username != req.Username {
			continue
		}
		return rec, nil
	}
	return Record{}, ErrNotFound
}

// Find returns the record stored for exactly t (no path or wildcard resolution): the record
// at t's own key, or, when t names a user, the host's default record if it holds that user.
func (s *Store) Find(t Target) (Record, Target, error) {
	if t.Username != "" {
		rec, err := s.read(t)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return rec, t, err
		}
		def := t
		def.Username = ""
		rec, err = s.read(def)
		if err == nil && rec.Username != t.Username {
			return Record{}, t, ErrNotFound
		}
		return rec, def, err
	}
	rec, err := s.read(t)
	return rec, t, err
}

// Save stores rec for target t (t without a username; rec.Username may be set). The first
// account on a host takes the host's default key, which answers requests that name no user;
// another account goes to a key with its username, so no account overwrites another.
// Created is kept from the record it replaces. It returns the key written.
func (s *Store) Save(t Target, rec Record) (Target, error) {
	t.Username = ""
	var written Target
	err := s.withWriteLock(func() error {
		key := t
		old, err := s.read(t)
		switch {
		case errors.Is(err, ErrNotFound):
		case errors.Is(err, ErrDamagedRecord), errors.Is(err, ErrNewerRecord):
			if rec.Username == "" {
				return err // never overwrite what we cannot read without being asked to delete it
			}
			key.Username = rec.Username
		case err != nil:
			return err
		case old.Username != rec.Username && rec.Username != "":
			key.Username = rec.Username
		}
		if key.Username != "" {
			if prev, err := s.read(key); err == nil {
				old = prev
			} else if !errors.Is(err, ErrNotFound) {
				return err
			} else {
				old = Record{}
			}
		}
		now := s.now().UTC()
		rec.Created = old.Created
		if rec.Created.IsZero() {
			rec.Created = now
		}
		rec.Updated = now
		written = key
		return s.write(key, rec)
	})
	return written, err
}

// Put stores rec at exactly t, replacing what is there (Created is kept). Clients whose
// protocol has one credential per server (docker) use it; people's commands use Save.
func (s *Store) Put(t Target, rec Record) error {
	return s.withWriteLock(func() error {
		now := s.now().UTC()
		rec.Created = now
		if old, err := s.read(t); err == nil && !old.Created.IsZero() {
			rec.Created = old.Created
		}
		rec.Updated = now
		return s.write(t, rec)
	})
}

// Update reads the record at exactly t, lets fn change it, and writes it back, all under the
// write lock. fn returning an error writes nothing.
func (s *Store) Update(t Target, fn func(*Record) error) error {
	return s.withWriteLock(func() error {
		rec, err := s.read(t)
		if err != nil {
			return err
		}
		if err := fn(&rec); err != nil {
			return err
		}
		return s.write(t, rec)
	})
}

// Delete removes the record stored at exactly t.
func (s *Store) Delete(t Target) error {
	return s.withWriteLock(func() error {
		if _, err := s.ring.Get(t.Key()); errors.Is(err, keyring.ErrKeyNotFound) {
			return ErrNotFound
		}
		err := s.ring.Remove(t.Key())
		if errors.Is(err, keyring.ErrKeyNotFound) {
			return ErrNotFound
		}
		if err == nil {
			s.indexWrite(t, nil)
		}
		return err
	})
}

// Touch records that a record was handed out. To keep writes off the hot path it writes only
// when the last recorded use is more than an hour old; failures are ignored.
func (s *Store) Touch(rec Record) {
	now := s.now().UTC()
	if now.Sub(rec.LastUsed) < time.Hour {
		return
	}
	key, err := rec.ParsedTarget()
	if err != nil {
		return
	}
	_ = s.Update(key, func(r *Record) error {
		r.LastUsed = now
		return nil
	})
}

// Entry is one listed record, or the reason it could not be read.
type Entry struct {
	Target Target
	Record Record
	Err    error
}

// List reads every tok record, sorted by target. Unreadable records are listed with their
// error rather than failing the whole list. This is for list, status, import and doctor only.
// Having read everything, it repairs the selection index if the two disagree.
func (s *Store) List() ([]Entry, error) {
	out, err := s.list()
	if err == nil {
		s.checkIndex(out)
	}
	return out, err
}

func (s *Store) list() ([]Entry, error) {
	keys, err := s.ring.Keys()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, key := range keys {
		t, ok := TargetFromKey(key)
		if !ok {
			continue
		}
		rec, err := s.read(t)
		if errors.Is(err, ErrNotFound) {
			continue // removed while we listed
		}
		out = append(out, Entry{Target: t, Record: rec, Err: err})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target.String() < out[j].Target.String() })
	return out, nil
}

// lockWaitFactor: a writer waits for the write lock this many backend-call deadlines. Every
// holder's own calls are bounded by the deadline and the lock dies with its process, so the
// wait is for other writers' work (32 docker clients storing at once queue behind each other),
// not for a hang.
const lockWaitFactor = 5

func (s *Store) withWriteLock(fn func() error) error {
	if s.lockPath == "" {
		return fn()
	}
	unlock, err := LockFile(s.lockPath, lockWaitFactor*s.timeout)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// NotFoundError is the one message for a target tok holds nothing for.
func NotFoundError(what string) error {
	what = strings.TrimSpace(what)
	return fmt.Errorf("%w for %s; add one with: tok set %s", ErrNotFound, what, what)
}

// Copy writes every readable record of from into to, keeping each record as it is, and returns
// how many it copied. Unreadable records are reported, not copied.
func Copy(from, to *Store) (int, error) {
	entries, err := from.List()
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if e.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Target, e.Err))
			continue
		}
		if err := to.withWriteLock(func() error { return to.write(e.Target, e.Record) }); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Target, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
