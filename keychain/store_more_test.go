package keychain

import (
	"errors"
	"sort"
	"testing"
	"time"
)

func TestDecodeRecordDamaged(t *testing.T) {
	for data, damaged := range map[string]bool{
		`{"version":1}`:                              true,
		`{"version":1,"secret":"","target":""}`:      true,
		`{"version":1,"secret":"x"}`:                 false,
		`{"version":1,"target":"https://h.example"}`: false,
		`{"version":1,"secret":3}`:                   true,
	} {
		_, err := DecodeRecord("tok:https://h.example", []byte(data))
		if errors.Is(err, ErrDamagedRecord) != damaged {
			t.Errorf("%s: %v, want damaged %v", data, err, damaged)
		}
	}
}

func TestNewStoreTimeout(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{0: DefaultHelperTimeout, -time.Second: DefaultHelperTimeout, time.Nanosecond: time.Nanosecond} {
		if got := NewStore(newMemRing(), "m", "", "", in).timeout; got != want {
			t.Errorf("NewStore(timeout %v).timeout = %v, want %v", in, got, want)
		}
	}
}

// A second account saved again keeps its own Created, not the default account's.
func TestSaveSecondAccountKeepsCreated(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStore(newMemRing(), "m", "", "", 0)
	s.SetClock(func() time.Time { return now })
	host := mustTarget(t, "https://h.example.org")
	if _, err := s.Save(host, Record{Secret: "a", Username: "ada"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	bobCreated := now
	if _, err := s.Save(host, Record{Secret: "b1", Username: "bob"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	key, err := s.Save(host, Record{Secret: "b2", Username: "bob"})
	if err != nil || key.Username != "bob" {
		t.Fatalf("%s %v", key, err)
	}
	rec, _, _ := s.Find(key)
	if rec.Secret != "b2" || !rec.Created.Equal(bobCreated) || !rec.Updated.Equal(now) {
		t.Fatalf("%+v", rec)
	}
}

func TestListSorted(t *testing.T) {
	s := NewStore(newMemRing(), "m", "", "", 0)
	for _, h := range []string{"https://c.example.org", "https://a.example.org", "https://b.example.org/p", "https://b.example.org"} {
		if err := s.Put(mustTarget(t, h), Record{Secret: h}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ { // map order varies: list several times
		entries, err := s.List()
		if err != nil || len(entries) != 4 {
			t.Fatalf("%v %v", entries, err)
		}
		if !sort.SliceIsSorted(entries, func(i, j int) bool { return entries[i].Target.String() < entries[j].Target.String() }) {
			t.Fatalf("not sorted: %v", entries)
		}
	}
}

func TestTargetFromKey(t *testing.T) {
	for key, want := range map[string]string{
		"tok:https://bob@h.example.org/p": "bob",
		"tok:https://h.example.org":       "",
	} {
		got, ok := TargetFromKey(key)
		if !ok || got.Username != want || got.Key() != key {
			t.Errorf("TargetFromKey(%q) = %+v %v", key, got, ok)
		}
	}
	for _, key := range []string{"https://h.example.org", "tok:%zz", "other:https://h"} {
		if got, ok := TargetFromKey(key); ok {
			t.Errorf("TargetFromKey(%q) = %+v, want refused", key, got)
		}
	}
}

func TestPutKeepsCreated(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStore(newMemRing(), "m", "", "", 0)
	s.SetClock(func() time.Time { return now })
	key := mustTarget(t, "https://r.example.org")
	if err := s.Put(key, Record{Secret: "1", Created: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	first := now
	now = now.Add(time.Hour)
	if err := s.Put(key, Record{Secret: "2"}); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := s.Find(key)
	if rec.Secret != "2" || !rec.Created.Equal(first) || !rec.Updated.Equal(now) {
		t.Fatalf("%+v", rec)
	}
}

// Touch writes last-used at most once an hour: exactly an hour later it writes again.
func TestTouchHourly(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStore(newMemRing(), "m", "", "", 0)
	s.SetClock(func() time.Time { return now })
	key := mustTarget(t, "https://t.example.org")
	if err := s.Put(key, Record{Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := s.Find(key)
	s.Touch(rec)
	rec, _, _ = s.Find(key)
	first := now
	for _, step := range []time.Duration{time.Hour - time.Second, time.Second} {
		now = now.Add(step)
		s.Touch(rec)
		rec, _, _ = s.Find(key)
	}
	if !rec.LastUsed.Equal(first.Add(time.Hour)) {
		t.Fatalf("last used %v, want %v", rec.LastUsed, first.Add(time.Hour))
	}
	now = now.Add(time.Minute)
	s.Touch(rec)
	if again, _, _ := s.Find(key); !again.LastUsed.Equal(rec.LastUsed) {
		t.Fatalf("touched again within the hour: %v", again.LastUsed)
	}
	s.Touch(Record{Target: "::"}) // no target: nothing, no panic
}
