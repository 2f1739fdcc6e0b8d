package helper

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// stubStore is a Store for the protocol tests: a real keychain.Store held in memory (so Find,
// Save and HandOut keep their exact meaning), a log of every write the protocol makes, and
// errors a test can inject per operation.
type stubStore struct {
	t     *testing.T
	inner *keychain.Store
	now   time.Time
	// calls logs each write: "put KEY", "save KEY", "update KEY", "delete KEY".
	calls []string
	// fail makes an operation ("find", "save", "put", "update", "delete", "list", "handout")
	// return this error.
	fail map[string]error
}

func newStub(t *testing.T) *stubStore {
	t.Helper()
	s := &stubStore{t: t, now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), fail: map[string]error{}}
	s.inner = keychain.NewStore(keyring.NewArrayKeyring(nil), "memory", "the test", "", time.Second)
	s.inner.SetClock(func() time.Time { return s.now })
	return s
}

// backend is the Backend a protocol gets: the stub, the built-in platforms, renewer r.
func (s *stubStore) backend(r keychain.Renewer) Opener {
	return func() (Backend, error) { return Backend{Store: s, Registry: platform.Builtin(), Renewer: r}, nil }
}

// target parses a key as a URL; "https://bob@host" names bob's key on host.
func (s *stubStore) target(key string) keychain.Target {
	s.t.Helper()
	user := ""
	if scheme, rest, ok := strings.Cut(key, "://"); ok {
		if u, host, ok := strings.Cut(rest, "@"); ok {
			user, key = u, scheme+"://"+host
		}
	}
	tg, err := keychain.ParseTarget(key)
	if err != nil {
		s.t.Fatal(err)
	}
	tg.Username = user
	return tg
}

// seed stores rec at the key target names, outside the log.
func (s *stubStore) seed(target string, rec keychain.Record) keychain.Target {
	s.t.Helper()
	tg := s.target(target)
	if err := s.inner.Put(tg, rec); err != nil {
		s.t.Fatal(err)
	}
	return tg
}

// get reads the record at exactly target; ok is false when there is none.
func (s *stubStore) get(target string) (keychain.Record, bool) {
	s.t.Helper()
	tg := s.target(target)
	rec, key, err := s.inner.Find(tg)
	if err == nil && key != tg {
		return rec, false
	}
	if err != nil {
		return rec, false
	}
	return rec, true
}

// wrote reports whether the log holds a write of op ("delete", ...) to key.
func (s *stubStore) wrote(op, key string) bool {
	for _, c := range s.calls {
		if c == op+" "+key {
			return true
		}
	}
	return false
}

func (s *stubStore) log(op string, t keychain.Target) { s.calls = append(s.calls, op+" "+t.String()) }

func (s *stubStore) HandOut(ctx context.Context, req keychain.Target, r keychain.Renewer, warn func(error)) (keychain.Record, error) {
	if err := s.fail["handout"]; err != nil {
		return keychain.Record{}, err
	}
	return s.inner.HandOut(ctx, req, r, warn)
}

func (s *stubStore) HandOutRecord(ctx context.Context, rec keychain.Record, r keychain.Renewer, warn func(error)) (keychain.Record, error) {
	if err := s.fail["handout"]; err != nil {
		return keychain.Record{}, err
	}
	return s.inner.HandOutRecord(ctx, rec, r, warn)
}

func (s *stubStore) Lookup(t keychain.Target) (keychain.Record, error) {
	if err := s.fail["lookup"]; err != nil {
		return keychain.Record{}, err
	}
	return s.inner.Lookup(t)
}

func (s *stubStore) Find(t keychain.Target) (keychain.Record, keychain.Target, error) {
	if err := s.fail["find"]; err != nil {
		return keychain.Record{}, t, err
	}
	return s.inner.Find(t)
}

func (s *stubStore) Save(t keychain.Target, rec keychain.Record) (keychain.Target, error) {
	s.log("save", t)
	if err := s.fail["save"]; err != nil {
		return t, err
	}
	return s.inner.Save(t, rec)
}

func (s *stubStore) Put(t keychain.Target, rec keychain.Record) error {
	s.log("put", t)
	if err := s.fail["put"]; err != nil {
		return err
	}
	return s.inner.Put(t, rec)
}

func (s *stubStore) Update(t keychain.Target, fn func(*keychain.Record) error) error {
	s.log("update", t)
	if err := s.fail["update"]; err != nil {
		return err
	}
	return s.inner.Update(t, fn)
}

func (s *stubStore) Delete(t keychain.Target) error {
	s.log("delete", t)
	if err := s.fail["delete"]; err != nil {
		return err
	}
	return s.inner.Delete(t)
}

func (s *stubStore) List() ([]keychain.Entry, error) {
	if err := s.fail["list"]; err != nil {
		return nil, err
	}
	return s.inner.List()
}

func (s *stubStore) Now() time.Time { return s.now }

// renewer is a keychain.Renewer stub: it counts calls and returns rec with a new secret, or err.
type renewer struct {
	calls  int
	secret string
	err    error
}

func (r *renewer) Renew(_ context.Context, key keychain.Target, rec keychain.Record) (keychain.Record, error) {
	r.calls++
	if r.err != nil {
		return rec, r.err
	}
	rec.Secret = r.secret
	rec.Expires = time.Time{}
	return rec, nil
}

// runGit runs one git operation on input and returns stdout, stderr and the status.
func runGit(op, input string, open Opener) (string, string, int) {
	var out, errw strings.Builder
	code := Git(op, strings.NewReader(input), &out, &errw, open)
	return out.String(), errw.String(), code
}

// runDocker runs one docker action on input and returns stdout, stderr and the status.
func runDocker(action, input string, open Opener) (string, string, int) {
	var out, errw strings.Builder
	code := Docker(action, strings.NewReader(input), &out, &errw, open)
	return out.String(), errw.String(), code
}

// failOpen is an Opener whose store cannot be opened.
func failOpen() (Backend, error) { return Backend{}, fmt.Errorf("the keychain is locked") }
