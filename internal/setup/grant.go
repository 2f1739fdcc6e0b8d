package setup

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tok-dev/tok/keychain"
)

// EnvGrant carries a grant's key (<ID>:<age secret key>) into a batch job or CI run. When it is
// set, every tok binary reads the grant instead of the user's store: no vault, no prompt.
const EnvGrant = "TOK_GRANT"

// DefaultGrantMaxTTL caps how long any grant lives, unless grant_max_ttl in the config file
// says otherwise.
const DefaultGrantMaxTTL = 72 * time.Hour

// GrantDir is where grants live: the data directory, which a cluster's nodes share.
func (p Paths) GrantDir() string { return filepath.Join(p.DataDir, "grants") }

// GrantMaxTTL is the longest a grant may live: grant_max_ttl in the config file, else
// DefaultGrantMaxTTL.
func (e *Env) GrantMaxTTL() (time.Duration, error) {
	if e.Config.GrantMaxTTL == "" {
		return DefaultGrantMaxTTL, nil
	}
	d, err := time.ParseDuration(e.Config.GrantMaxTTL)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("the config file %s: grant_max_ttl %q is not a positive duration (as 72h or 30m)", e.Paths.ConfigFile, e.Config.GrantMaxTTL)
	}
	return d, nil
}

// openGrantStore opens the grant TOK_GRANT names, when it is set.
func (e *Env) openGrantStore() (*keychain.Store, bool, error) {
	key, ok := os.LookupEnv(EnvGrant)
	if !ok || key == "" {
		return nil, false, nil
	}
	s, err := keychain.OpenGrantStore(e.Paths.GrantDir(), key, e.StoreOptions().Timeout)
	return s, true, err
}
