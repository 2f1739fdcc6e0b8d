package keychain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

// hungRing never answers, like a Secret Service provider that holds an unlock prompt.
type hungRing struct{ *memRing }

func (hungRing) Get(string) (keyring.Item, error) { select {} }
func (hungRing) Set(keyring.Item) error           { select {} }

func TestDeadline(t *testing.T) {
	r := timedRing{ring: hungRing{newMemRing()}, backend: "secret-service", timeout: 50 * time.Millisecond}
	s := NewStore(r, "secret-service", "test", "", 50*time.Millisecond)
	start := time.Now()
	_, err := s.Lookup(mustTarget(t, "api.example.org"))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Lookup on a hung backend: %v, want ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "secret-service") || !strings.Contains(err.Error(), "tok doctor") {
		t.Errorf("the error does not say which backend or what to do: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("gave up after %s", time.Since(start))
	}
	if _, err := s.Save(mustTarget(t, "api.example.org"), Record{Secret: "x"}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Save on a hung backend: %v", err)
	}
}
