package inject

import (
	"fmt"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// countingRing counts the items read: what selection costs on a backend where each read is a
// decryption (the vault) or a D-Bus call (Secret Service).
type countingRing struct {
	keyring.Keyring
	gets, lists int
}

func (c *countingRing) Get(key string) (keyring.Item, error) { c.gets++; return c.Keyring.Get(key) }
func (c *countingRing) Keys() ([]string, error)              { c.lists++; return c.Keyring.Keys() }

// TestSelectionReadsWhatItPicks: tok exec's selection reads the index and the records it
// picks, the same number of items at 1,000 records as at 10, and never lists the store.
func TestSelectionReadsWhatItPicks(t *testing.T) {
	reg := platform.Builtin()
	reads := map[int]int{}
	for _, n := range []int{10, 1000} {
		ring := &countingRing{Keyring: keyring.NewArrayKeyring(nil)}
		s := keychain.NewStore(ring, "mem", "test", "", time.Second)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s.SetClock(func() time.Time { now = now.Add(time.Second); return now })
		save := func(target string, rec keychain.Record) {
			tg, _ := keychain.ParseTarget(target)
			rec.Source = keychain.SourceSet
			if _, err := s.Save(tg, rec); err != nil {
				t.Fatal(err)
			}
		}
		save("https://api.curvenote.com", keychain.Record{Secret: "ada", Username: "ada", Platform: "curvenote"})
		save("https://api.curvenote.com", keychain.Record{Secret: "bob", Username: "bob", Platform: "curvenote"})
		for i := 0; i < n-2; i++ {
			save(fmt.Sprintf("https://cave%d.example.org", i), keychain.Record{Secret: fmt.Sprintf("%032x", i), Platform: "cave"})
		}
		if _, err := s.Index(); err != nil {
			t.Fatal(err)
		}
		ring.gets, ring.lists = 0, 0
		sel := &Selection{Store: s, Registry: reg}
		picks, notes, err := sel.ForProgram(nil, nil)
		if err != nil || len(picks) != 2 || picks[0].Record.Secret != "00000000000000000000000000000000" || picks[1].Record.Secret != "ada" {
			t.Fatalf("%d records: picks %v, %v", n, picks, err)
		}
		if len(notes) != 2 {
			t.Fatalf("%d records: notes %q", n, notes)
		}
		if ring.lists != 0 {
			t.Fatalf("%d records: selection listed the store", n)
		}
		reads[n] = ring.gets
	}
	if reads[10] != reads[1000] {
		t.Fatalf("selection read %d items at 10 records and %d at 1,000", reads[10], reads[1000])
	}
	t.Logf("selection reads %d items at 10 and at 1,000 records", reads[10])
}

// TestNewPlanTellsTheTruth: "replaced" only when the environment had the variable with another
// value; a variable that is no token is named for what it holds.
func TestNewPlanTellsTheTruth(t *testing.T) {
	reg := platform.Builtin()
	co := keychain.Record{Target: "https://acme.codeocean.com", Secret: "cop_x", Platform: "codeocean"}
	picks := []Pick{{Record: co, Vars: []string{"CODEOCEAN_TOKEN"}, Domain: true, Whole: true}}
	plan, err := NewPlan([]string{"HOME=/h", "CODEOCEAN_TOKEN=cop_x"}, picks, reg, Options{VarsOnly: true})
	if err != nil || len(plan.Notes) != 0 {
		t.Fatalf("the same value, or a variable the environment lacks, is no replacement: %q %v", plan.Notes, err)
	}
	plan, _ = NewPlan([]string{"CODEOCEAN_TOKEN=old", "CODEOCEAN_DOMAIN=https://other"}, picks, reg, Options{VarsOnly: true})
	want := []string{
		"replaced CODEOCEAN_TOKEN from the environment with the token for https://acme.codeocean.com",
		"replaced CODEOCEAN_DOMAIN from the environment with the domain of https://acme.codeocean.com (not a secret)",
	}
	if fmt.Sprint(plan.Notes) != fmt.Sprint(want) {
		t.Fatalf("notes:\n got %q\nwant %q", plan.Notes, want)
	}
	cave := keychain.Record{Target: "https://global.daf-apis.com", Secret: "0123456789abcdef0123456789abcdef", Platform: "cave"}
	plan, err = NewPlan([]string{"HOME=" + t.TempDir()}, []Pick{{Record: cave, Vars: []string{"CAVE_TOKEN"}, Whole: true}}, reg,
		Options{CaveHome: true, RuntimeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Cleanup()
	if len(plan.Notes) != 1 || plan.Notes[0] != "replaced HOME from the environment with a private mirror of your home for --cave-home (a directory, not a secret)" {
		t.Fatalf("--cave-home says %q", plan.Notes)
	}
}
