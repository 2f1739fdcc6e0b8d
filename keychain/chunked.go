package keychain

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/99designs/keyring"
)

// WinCredMaxBlob is the most Windows Credential Manager keeps in one credential.
const WinCredMaxBlob = 2560

// chunkHeader starts the data of an item whose secret is split over several items.
const chunkHeader = "tok-chunks/v1 "

// chunkedRing stores items larger than max as a header item naming a generation and a count,
// plus that many part items "<key>#<generation>.<i>". Parts are written before the header and
// the old generation is removed after it, so an interrupted write leaves the old value (and at
// worst orphaned parts, which Keys hides). Windows Credential Manager needs it: a JWT with a
// refresh token is routinely over 2560 bytes.
type chunkedRing struct {
	ring keyring.Keyring
	max  int
}

func partKey(key, gen string, i int) string { return key + "#" + gen + "." + strconv.Itoa(i) }

func parseHeader(data []byte) (gen string, n int, ok bool) {
	rest, found := strings.CutPrefix(string(data), chunkHeader)
	if !found {
		return "", 0, false
	}
	gen, count, found := strings.Cut(rest, " ")
	n, err := strconv.Atoi(count)
	return gen, n, found && err == nil && n > 0
}

func (r chunkedRing) Get(key string) (keyring.Item, error) {
	item, err := r.ring.Get(key)
	if err != nil {
		return item, err
	}
	gen, n, ok := parseHeader(item.Data)
	if !ok {
		return item, nil
	}
	var data []byte
	for i := 0; i < n; i++ {
		part, err := r.ring.Get(partKey(key, gen, i))
		if err != nil {
			return keyring.Item{}, fmt.Errorf("reading part %d of %d of %s: %w", i+1, n, key, err)
		}
		data = append(data, part.Data...)
	}
	item.Data = data
	return item, nil
}

func (r chunkedRing) GetMetadata(key string) (keyring.Metadata, error) {
	return r.ring.GetMetadata(key)
}

func (r chunkedRing) Set(item keyring.Item) error {
	old, oldErr := r.ring.Get(item.Key)
	if len(item.Data) <= r.max && !strings.HasPrefix(string(item.Data), chunkHeader) {
		if err := r.ring.Set(item); err != nil {
			return err
		}
	} else {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		gen := hex.EncodeToString(b[:])
		n := 0
		for off := 0; off < len(item.Data); off += r.max {
			end := min(off+r.max, len(item.Data))
			part := keyring.Item{Key: partKey(item.Key, gen, n), Data: item.Data[off:end], Label: item.Label}
			if err := r.ring.Set(part); err != nil {
				r.removeParts(item.Key, gen, n)
				return err
			}
			n++
		}
		header := item
		header.Data = []byte(chunkHeader + gen + " " + strconv.Itoa(n))
		if err := r.ring.Set(header); err != nil {
			r.removeParts(item.Key, gen, n)
			return err
		}
	}
	if oldErr == nil {
		if gen, n, ok := parseHeader(old.Data); ok {
			r.removeParts(item.Key, gen, n)
		}
	}
	return nil
}

func (r chunkedRing) removeParts(key, gen string, n int) {
	for i := 0; i < n; i++ {
		_ = r.ring.Remove(partKey(key, gen, i))
	}
}

func (r chunkedRing) Remove(key string) error {
	old, err := r.ring.Get(key)
	if err != nil {
		return err
	}
	if err := r.ring.Remove(key); err != nil {
		return err
	}
	if gen, n, ok := parseHeader(old.Data); ok {
		r.removeParts(key, gen, n)
	}
	return nil
}

func (r chunkedRing) Keys() ([]string, error) {
	keys, err := r.ring.Keys()
	if err != nil {
		return nil, err
	}
	out := keys[:0]
	for _, k := range keys {
		if !strings.Contains(k, "#") {
			out = append(out, k)
		}
	}
	return out, nil
}

// escapedRing escapes "/" in keys for backends that turn keys into paths (pass), so that
// "tok:https://host/p" stays one entry and Keys gives back the key that was set.
type escapedRing struct{ ring keyring.Keyring }

func escapeKey(k string) string { return strings.NewReplacer("%", "%25", "/", "%2F").Replace(k) }
func unescapeKey(k string) string {
	return strings.NewReplacer("%2F", "/", "%25", "%").Replace(k)
}

func (r escapedRing) Get(key string) (keyring.Item, error) {
	item, err := r.ring.Get(escapeKey(key))
	item.Key = key
	return item, err
}
func (r escapedRing) GetMetadata(key string) (keyring.Metadata, error) {
	return r.ring.GetMetadata(escapeKey(key))
}
func (r escapedRing) Set(item keyring.Item) error {
	item.Key = escapeKey(item.Key)
	return r.ring.Set(item)
}
func (r escapedRing) Remove(key string) error { return r.ring.Remove(escapeKey(key)) }
func (r escapedRing) Keys() ([]string, error) {
	keys, err := r.ring.Keys()
	for i, k := range keys {
		keys[i] = unescapeKey(k)
	}
	return keys, err
}
