package inject

import (
	"fmt"
	"testing"
	"time"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// heldIdentity is an unlocked session's identity cache (the kernel keyring or tok agent).
type heldIdentity struct{ identity string }

func (h heldIdentity) Load(string) (string, time.Time, error) {
	return h.identity, time.Now().Add(time.Hour), nil
}
func (heldIdentity) Keep(string, string, time.Time) error { return nil }
func (heldIdentity) Forget(string) error                  { return nil }
func (heldIdentity) Name() string                         { return "test" }

// vaultOf makes a vault holding n records that all carry variables, as a person with many
// accounts and servers has: n-2 CAVE servers, a Curvenote token and a Code Ocean one. It returns
// a function that opens it afresh, as each tok process does.
func vaultOf(tb testing.TB, n int) func() *keychain.Store {
	dir := tb.TempDir()
	v, err := keychain.OpenVault(dir, func() (string, error) { return "pw", nil }, nil)
	if err != nil {
		tb.Fatal(err)
	}
	s := keychain.NewStore(v, keychain.BackendVault, "test", "", 0)
	save := func(target string, rec keychain.Record) {
		t, err := keychain.ParseTarget(target)
		if err != nil {
			tb.Fatal(err)
		}
		rec.Source = keychain.SourceSet
		if _, err := s.Save(t, rec); err != nil {
			tb.Fatal(err)
		}
	}
	save("https://api.curvenote.com", keychain.Record{Secret: "curvenote-token", Platform: "curvenote"})
	save("https://acme.codeocean.com", keychain.Record{Secret: "cop_token", Platform: "codeocean"})
	for i := 0; i < n-2; i++ {
		save(fmt.Sprintf("https://cave%d.example.org", i), keychain.Record{Secret: fmt.Sprintf("%032x", i), Platform: "cave"})
	}
	identity, err := v.Identity()
	if err != nil {
		tb.Fatal(err)
	}
	cache := []keychain.IdentityCache{heldIdentity{identity}}
	return func() *keychain.Store {
		v, err := keychain.OpenVault(dir, nil, cache)
		if err != nil {
			tb.Fatal(err)
		}
		return keychain.NewStore(v, keychain.BackendVault, "test", "", 0)
	}
}

// BenchmarkSelectVault is tok exec's and tok env's selection on an unlocked vault of n records
// (the default selection: every variable from its one record), the vault opened afresh each
// time as a process does. bench/run.sh prints 10 against 1,000.
func BenchmarkSelectVault(b *testing.B) {
	reg := platform.Builtin()
	for _, n := range []int{10, 1000} {
		open := vaultOf(b, n)
		if _, err := open().Index(); err != nil { // built once, as the first tok exec does
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sel := &Selection{Store: open(), Registry: reg}
				picks, _, err := sel.ForProgram(nil, nil)
				if err != nil || len(picks) != 3 {
					b.Fatalf("%d picks, %v", len(picks), err)
				}
			}
		})
	}
}
