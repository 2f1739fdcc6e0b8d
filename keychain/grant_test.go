package keychain

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

func grantRecords(t *testing.T) []Record {
	t.Helper()
	var out []Record
	for _, c := range []struct{ target, secret string }{
		{"https://global.daf-apis.com", "0123456789abcdef0123456789abcdef"},
		{"https://api.example.org/v1", "jwt-access-token"},
	} {
		tg, err := ParseTarget(c.target)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Record{Target: tg.String(), Secret: c.secret, RefreshToken: "refresh-" + c.secret, Source: SourceSet})
	}
	return out
}

func newGrant(t *testing.T, ttl time.Duration) (dir, key string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "grants")
	now := time.Now()
	key, info, err := CreateGrant(dir, grantRecords(t), now, now.Add(ttl))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, info.ID+":AGE-SECRET-KEY-1") || len(info.Targets) != 2 {
		t.Fatalf("key %.20q…, info %+v", key, info)
	}
	return dir, key
}

func TestGrantRoundTripAndNoPlaintext(t *testing.T) {
	dir, key := newGrant(t, time.Hour)
	id, _, _ := ParseGrantKey(key)
	st, err := os.Stat(GrantFile(dir, id))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("grant file: %v %v", st, err)
	}
	if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
		t.Fatalf("grant dir mode %v", d.Mode().Perm())
	}
	data, _ := os.ReadFile(GrantFile(dir, id))
	for _, secret := range []string{"0123456789abcdef0123456789abcdef", "jwt-access-token", "refresh-", strings.SplitN(key, ":", 2)[1]} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("the grant file holds %q in plaintext", secret)
		}
	}
	s, err := OpenGrantStore(dir, key, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := ParseRequest("https://api.example.org/v1/things")
	rec, err := s.Lookup(req)
	if err != nil || rec.Secret != "jwt-access-token" || rec.RefreshToken != "refresh-jwt-access-token" {
		t.Fatalf("lookup through the grant: %v %v", rec, err)
	}
	if entries, err := s.List(); err != nil || len(entries) != 2 {
		t.Fatalf("list: %v %v", entries, err)
	}
	if gid, exp, ok := s.GrantOf(); !ok || gid != id || time.Until(exp) < 59*time.Minute {
		t.Fatalf("GrantOf: %s %s %v", gid, exp, ok)
	}
}

func TestGrantExpiryIsSealed(t *testing.T) {
	dir, key := newGrant(t, time.Hour)
	id, _, _ := ParseGrantKey(key)
	path := GrantFile(dir, id)
	// Moving the clear expiry a year on does not make the grant open after its sealed expiry.
	data, _ := os.ReadFile(path)
	var gf grantFile
	json.Unmarshal(data, &gf)
	gf.Expires = gf.Expires.Add(365 * 24 * time.Hour)
	data, _ = json.Marshal(gf)
	os.WriteFile(path, data, 0o600)
	if _, err := openGrant(dir, key, time.Now().Add(2*time.Hour)); !errors.Is(err, ErrGrantExpired) {
		t.Fatalf("an edited clear expiry extended the grant: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("an expired grant was left on disk: %v", err)
	}
	if _, err := openGrant(dir, key, time.Now()); !errors.Is(err, ErrGrantExpired) || !strings.Contains(err.Error(), "expired at") {
		t.Fatalf("after removal, the tombstone does not say it expired: %v", err)
	}
	if data, _ := os.ReadFile(tombstoneFile(dir, id)); strings.Contains(string(data), "AGE") || len(data) == 0 {
		t.Fatalf("the tombstone: %s", data)
	}
}

func TestGrantRefusesDamageAndWrongKeys(t *testing.T) {
	dir, key := newGrant(t, time.Hour)
	id, _, _ := ParseGrantKey(key)
	other, _ := age.GenerateX25519Identity()
	if _, err := openGrant(dir, id+":"+other.String(), time.Now()); err == nil || !strings.Contains(err.Error(), "does not open") || strings.Contains(err.Error(), other.String()) {
		t.Fatalf("another key: %v", err)
	}
	for _, bad := range []string{"", "nocolon", "../../etc:" + other.String(), id + ":AGE-SECRET-KEY-1NOTAKEY"} {
		_, err := openGrant(dir, bad, time.Now())
		if !errors.Is(err, ErrGrantKey) || (bad != "" && strings.Contains(err.Error(), bad)) {
			t.Errorf("key %q: %v", bad, err)
		}
	}
	// A flipped byte in the sealed part is refused, not read.
	path := GrantFile(dir, id)
	data, _ := os.ReadFile(path)
	var gf grantFile
	json.Unmarshal(data, &gf)
	gf.Sealed[len(gf.Sealed)-5] ^= 1
	data, _ = json.Marshal(gf)
	os.WriteFile(path, data, 0o600)
	if _, err := openGrant(dir, key, time.Now()); err == nil || !strings.Contains(err.Error(), "tampered") {
		t.Fatalf("a tampered grant: %v", err)
	}
	// A grant file renamed to another grant's ID is refused.
	dir2, key2 := newGrant(t, time.Hour)
	id2, _, _ := ParseGrantKey(key2)
	_, key3 := newGrant(t, time.Hour)
	id3, _, _ := ParseGrantKey(key3)
	os.Rename(GrantFile(dir2, id2), GrantFile(dir2, id3))
	if _, err := openGrant(dir2, id3+":"+strings.SplitN(key2, ":", 2)[1], time.Now()); err == nil || !strings.Contains(err.Error(), "another grant") {
		t.Fatalf("a renamed grant: %v", err)
	}
}

func TestGrantWritesBackOnlyWhatItHolds(t *testing.T) {
	dir, key := newGrant(t, time.Hour)
	a, err := OpenGrantStore(dir, key, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenGrantStore(dir, key, time.Second) // another process of the same job
	if err != nil {
		t.Fatal(err)
	}
	tg, _ := ParseTarget("https://api.example.org/v1")
	if err := a.Update(tg, func(r *Record) error { r.Secret = "renewed"; return nil }); err != nil {
		t.Fatal(err)
	}
	if rec, _, err := b.Find(tg); err != nil || rec.Secret != "renewed" {
		t.Fatalf("the other process reads %v %v", rec, err)
	}
	// And a fresh open with the same key sees it: it was sealed back to the same one-time key.
	c, err := OpenGrantStore(dir, key, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if rec, _, _ := c.Find(tg); rec.Secret != "renewed" {
		t.Fatalf("re-opened: %v", rec)
	}
	other, _ := ParseTarget("https://other.example.org")
	if _, err := a.Save(other, Record{Secret: "x", Source: SourceSet}); !errors.Is(err, ErrGrantReadOnly) {
		t.Fatalf("a new record went into the grant: %v", err)
	}
	if err := a.Delete(tg); !errors.Is(err, ErrGrantReadOnly) {
		t.Fatalf("delete from a grant: %v", err)
	}
	if entries, _ := c.List(); len(entries) != 2 {
		t.Fatalf("the grant now holds %d records", len(entries))
	}
}

func TestSweepGrants(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "grants")
	now := time.Now()
	recs := grantRecords(t)
	_, live, _ := CreateGrant(dir, recs, now, now.Add(time.Hour))
	_, old, _ := CreateGrant(dir, recs, now.Add(-2*time.Hour), now.Add(-time.Minute))
	_, mine, _ := CreateGrant(dir, recs, now.Add(-2*time.Hour), now.Add(-time.Minute))
	os.MkdirAll(filepath.Join(dir, old.ID+".locks"), 0o700)
	os.MkdirAll(filepath.Join(dir, "0123456789abcdef.locks"), 0o700) // an orphan
	if n := SweepGrants(dir, now, mine.ID); n != 1 {
		t.Fatalf("swept %d, want 1", n)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		if !strings.HasSuffix(e.Name(), ".gone") {
			names = append(names, e.Name())
		}
	}
	want := []string{live.ID + ".age", mine.ID + ".age"}
	if len(names) != 2 || !strings.Contains(strings.Join(names, " "), want[0]) || !strings.Contains(strings.Join(names, " "), want[1]) {
		t.Fatalf("left %v, want %v", names, want)
	}
	if err := RevokeGrant(dir, live.ID); err != nil {
		t.Fatal(err)
	}
	if err := RevokeGrant(dir, live.ID); !errors.Is(err, ErrGrantNotFound) {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := openGrant(dir, live.ID+":"+strings.Repeat("x", 3), now); err == nil {
		t.Fatal("a bad key opened a grant")
	}
	// Tombstones go after a week.
	if !testFileExists(tombstoneFile(dir, old.ID)) {
		t.Fatal("a swept grant left no tombstone")
	}
	weekAgo := time.Now().Add(-8 * 24 * time.Hour)
	os.Chtimes(tombstoneFile(dir, live.ID), weekAgo, weekAgo)
	SweepGrants(dir, now, "")
	if testFileExists(tombstoneFile(dir, live.ID)) || !testFileExists(tombstoneFile(dir, old.ID)) {
		t.Fatal("the sweep kept a week-old tombstone")
	}
	if err := RevokeGrant(dir, "../vault"); !errors.Is(err, ErrGrantNotFound) {
		t.Fatalf("a path as ID: %v", err)
	}
}

func testFileExists(p string) bool { _, err := os.Stat(p); return err == nil }
