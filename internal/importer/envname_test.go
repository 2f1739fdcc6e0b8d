package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/keychain"
)

// An imported record passes the env-name rule that tok set applies.
func TestImportRefusesRiskyEnvNames(t *testing.T) {
	store := keychain.NewStore(keyring.NewArrayKeyring(nil), "memory", "the test", "", time.Second)
	target, _ := keychain.ParseTarget("https://api.example.org")
	for _, name := range []string{"LD_PRELOAD", "X=1;id", "GIT_SSH_COMMAND"} {
		err := Import(store, Found{Path: "/a/file", Target: target, Record: keychain.Record{Secret: "s", Env: []string{"API_TOKEN", name}}})
		if err == nil || !strings.Contains(err.Error(), "not imported") {
			t.Errorf("import with env %q: %v", name, err)
		}
	}
	if entries, _ := store.List(); len(entries) != 0 {
		t.Fatalf("stored %v", entries)
	}
	if err := Import(store, Found{Path: "/a/file", Target: target, Record: keychain.Record{Secret: "s", Env: []string{"API_TOKEN"}}}); err != nil {
		t.Fatal(err)
	}
}
