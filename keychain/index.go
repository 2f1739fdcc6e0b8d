package keychain

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/keyring"
)

// indexKey is the keychain item holding the selection index. It is no record key (no
// KeyPrefix), so List never shows it; it is stored, and encrypted, as records are (in the
// vault under a salted hash like every item, so it hides hosts as records do).
const indexKey = "tok-index:1"

// IndexEntry is what selection needs to know of one record without reading it: which
// platform and variables it serves, when it was first stored, and whether its host is its
// platform's default (tok default). Only records with a platform or their own env names are
// indexed: no other record can be selected by a platform or a variable.
type IndexEntry struct {
	Key      Target // where the record is stored
	Platform string
	Env      []string
	Created  time.Time
	Default  bool
}

func indexable(rec Record) bool { return rec.Platform != "" || len(rec.Env) > 0 }

func entryFor(key Target, rec Record) IndexEntry {
	return IndexEntry{Key: key, Platform: rec.Platform, Env: rec.Env, Created: rec.Created, Default: rec.PlatformDefault}
}

func (e IndexEntry) same(o IndexEntry) bool {
	return e.Key == o.Key && e.Platform == o.Platform && strings.Join(e.Env, ",") == strings.Join(o.Env, ",") &&
		e.Created.Equal(o.Created) && e.Default == o.Default
}

// Index lists the indexed records, from one keychain item: selection reads it instead of
// every record, so choosing among 1,000 records costs about what choosing among 10 does. A
// store without an index (new, or written by an older tok) gets one built, once, from a
// listing. The index is a hint kept under the write lock with every write: selection still
// reads the records it picks, and a record found changed is believed over its entry.
func (s *Store) Index() ([]IndexEntry, error) {
	entries, ok, err := s.readIndex()
	if ok || err != nil && !errors.Is(err, errBadIndex) {
		return entries, err
	}
	err = s.withWriteLock(func() error {
		entries, ok, err = s.readIndex()
		if ok {
			return nil
		}
		entries, err = s.rebuildIndex()
		return err
	})
	return entries, err
}

var errBadIndex = errors.New("the selection index does not parse")

// readIndex reads the index item; ok is false when there is none (or it does not parse).
func (s *Store) readIndex() ([]IndexEntry, bool, error) {
	item, err := s.ring.Get(indexKey)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	entries, err := decodeIndex(item.Data)
	if err != nil {
		return nil, false, errBadIndex
	}
	return entries, true, nil
}

// rebuildIndex lists every record and writes the index afresh (under the write lock).
func (s *Store) rebuildIndex() ([]IndexEntry, error) {
	listed, err := s.list()
	if err != nil {
		return nil, err
	}
	var entries []IndexEntry
	for _, e := range listed {
		if e.Err == nil && indexable(e.Record) {
			entries = append(entries, entryFor(e.Target, e.Record))
		}
	}
	// The index only saves the next selection a listing: a store that refuses to keep it (a
	// grant holds only the records it was made with) still answers from this one.
	_ = s.writeIndex(entries)
	return entries, nil
}

func (s *Store) writeIndex(entries []IndexEntry) error {
	return s.ring.Set(keyring.Item{Key: indexKey, Data: encodeIndex(entries), Label: indexKey, Description: "tok selection index"})
}

// indexWrite keeps the index in step with a record about to be written at key (rec nil: about
// to be removed). It runs under the write lock. A store with no index yet is left without one
// (the first selection builds it whole); an index that cannot be read (a locked vault: writes
// need no passphrase, reading the index does) is removed, so the next selection rebuilds it
// rather than trust a stale one.
func (s *Store) indexWrite(key Target, rec *Record) {
	if !readableWithoutAsking(s.ring) {
		_ = s.ring.Remove(indexKey)
		return
	}
	entries, ok, err := s.readIndex()
	if err != nil {
		_ = s.ring.Remove(indexKey)
		return
	}
	if !ok {
		return
	}
	out := entries[:0:0]
	changed, found := false, false
	for _, e := range entries {
		if e.Key != key {
			out = append(out, e)
			continue
		}
		found = true
		if rec == nil || !indexable(*rec) {
			changed = true
			continue
		}
		n := entryFor(key, *rec)
		changed = changed || !n.same(e)
		out = append(out, n)
	}
	if !found && rec != nil && indexable(*rec) {
		out = append(out, entryFor(key, *rec))
		changed = true
	}
	if changed {
		if err := s.writeIndex(out); err != nil {
			_ = s.ring.Remove(indexKey)
		}
	}
}

// readableWithoutAsking reports whether reading an item will not ask for a passphrase: on the
// vault, whether its identity is at hand (unlocked in this process, or held by the session's
// cache). Writes never need the passphrase, and keeping the index must not make them ask.
func readableWithoutAsking(r keyring.Keyring) bool {
	if t, ok := r.(timedRing); ok {
		r = t.ring
	}
	v, ok := r.(*Vault)
	if !ok || v.identity != nil {
		return true
	}
	for _, c := range v.caches {
		if _, _, err := c.Load(v.VaultID()); err == nil {
			return true
		}
	}
	return false
}

// checkIndex repairs the index from a full listing (tok list and friends have one anyway)
// when the two disagree: records written by a tok without the index are indexed then.
func (s *Store) checkIndex(listed []Entry) {
	entries, ok, err := s.readIndex()
	if err != nil || !ok {
		return
	}
	want := map[Target]IndexEntry{}
	for _, e := range listed {
		if e.Err == nil && indexable(e.Record) {
			want[e.Target] = entryFor(e.Target, e.Record)
		}
	}
	agree := len(want) == len(entries)
	for _, e := range entries {
		if w, ok := want[e.Key]; !ok || !w.same(e) {
			agree = false
		}
	}
	if !agree {
		_ = s.withWriteLock(func() error { _, err := s.rebuildIndex(); return err })
	}
}

// encodeIndex writes one line per entry, its fields separated by tabs: the key's scheme, host,
// port, path and user name, the platform, the env names, created and flags. Fields that could
// hold a tab or newline are escaped; parsing 1,000 such lines costs far less than decoding 1,000
// JSON records (or re-parsing 1,000 keys as URLs).
func encodeIndex(entries []IndexEntry) []byte {
	var b strings.Builder
	for _, e := range entries {
		flag := "-"
		if e.Default {
			flag = "d"
		}
		k := e.Key
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", k.Scheme, k.Host, k.Port, url.PathEscape(k.Path),
			url.PathEscape(k.Username), url.PathEscape(e.Platform), strings.Join(e.Env, ","), e.Created.UnixNano(), flag)
	}
	// Compressed: the index is read whole by every selection, and a backend's cost (decryption,
	// encoding) grows with its size; lines of host names compress about tenfold.
	var z bytes.Buffer
	z.WriteString(indexHeader)
	w, _ := flate.NewWriter(&z, flate.BestSpeed)
	_, _ = w.Write([]byte(b.String()))
	_ = w.Close()
	return z.Bytes()
}

const indexHeader = "tok-index 1 flate\n"

func unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	return url.PathUnescape(s)
}

func decodeIndex(data []byte) ([]IndexEntry, error) {
	z, ok := bytes.CutPrefix(data, []byte(indexHeader))
	if !ok {
		return nil, errBadIndex
	}
	plain, err := io.ReadAll(flate.NewReader(bytes.NewReader(z)))
	if err != nil {
		return nil, errBadIndex
	}
	rest := string(plain)
	out := make([]IndexEntry, 0, strings.Count(rest, "\n"))
	var f [9]string
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		n := 0
		for n < 8 {
			var ok bool
			f[n], line, ok = strings.Cut(line, "\t")
			if !ok {
				return nil, errBadIndex
			}
			n++
		}
		f[8] = line
		path, err1 := unescape(f[3])
		user, err2 := unescape(f[4])
		plat, err3 := unescape(f[5])
		nanos, err4 := strconv.ParseInt(f[7], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			return nil, errBadIndex
		}
		e := IndexEntry{Key: Target{Scheme: f[0], Host: f[1], Port: f[2], Path: path, Username: user},
			Platform: plat, Created: time.Unix(0, nanos).UTC(), Default: f[8] == "d"}
		if f[6] != "" {
			e.Env = strings.Split(f[6], ",")
		}
		out = append(out, e)
	}
	return out, nil
}

// ErrNoUsername means a host's default record has no user name, so it cannot step aside for
// another account.
var ErrNoUsername = errors.New("has no user name")

// MakeDefault makes the record stored at t its host's default account (the one a request
// naming no user gets: git, docker, tok get) and its host its platform's default host (the
// one a platform name means), as gh auth switch does. t names the account with its Username;
// without one, the host's current default account stays and only the platform's default host
// changes. Accounts change keys under the write lock: the chosen one moves to the host's key
// and the one it replaces to a key with its user name. Each step writes before it removes,
// so an interruption leaves a record twice, never lost. It returns the new default record.
func (s *Store) MakeDefault(t Target) (Record, error) {
	host := t
	host.Username = ""
	var chosen Record
	err := s.withWriteLock(func() error {
		cur, err := s.read(host)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		hasCur := err == nil
		if t.Username == "" || hasCur && cur.Username == t.Username {
			if !hasCur {
				return ErrNotFound
			}
			chosen = cur
		} else {
			if chosen, err = s.read(t); err != nil {
				return err
			}
			if hasCur {
				if cur.Username == "" {
					return fmt.Errorf("the record for %s %w, so it cannot make way for %s; give it one (tok set %s --username NAME) or delete it", host, ErrNoUsername, t.Username, host)
				}
				aside := host
				aside.Username = cur.Username
				cur.PlatformDefault = false
				if err := s.writeKeyed(aside, cur); err != nil {
					return err
				}
			}
			if err := s.writeKeyed(host, chosen); err != nil {
				return err
			}
			if err := s.removeKeyed(t); err != nil {
				return err
			}
		}
		if chosen.Platform == "" {
			return nil
		}
		// The platform's default host: this one, and no other.
		entries, ok, err := s.readIndex()
		if err == nil && !ok {
			entries, err = s.rebuildIndex()
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Default && e.Platform == chosen.Platform && e.Key != host {
				if err := s.clearDefault(e.Key); err != nil {
					return err
				}
			}
		}
		if !chosen.PlatformDefault {
			chosen.PlatformDefault = true
			return s.writeKeyed(host, chosen)
		}
		return nil
	})
	return chosen, err
}

func (s *Store) clearDefault(key Target) error {
	rec, err := s.read(key)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	rec.PlatformDefault = false
	return s.writeKeyed(key, rec)
}

// writeKeyed writes rec at key as it is (its Target follows the key).
func (s *Store) writeKeyed(key Target, rec Record) error { return s.write(key, rec) }

// removeKeyed removes the record at key, then its index entry.
func (s *Store) removeKeyed(key Target) error {
	err := s.ring.Remove(key.Key())
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil
	}
	if err == nil {
		s.indexWrite(key, nil)
	}
	return err
}
