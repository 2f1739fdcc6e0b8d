package keychain

import (
	"errors"
	"fmt"
	"time"
)

// KeepUnlocked holds the vault's unlocked identity until the given time in the first of caches
// that takes it, and notes where (under stateDir) so LockEverywhere finds it from any session.
// It returns the cache that holds it.
func (v *Vault) KeepUnlocked(caches []IdentityCache, stateDir string, until time.Time) (IdentityCache, error) {
	identity, err := v.Identity()
	if err != nil {
		return nil, err
	}
	var failures []error
	for _, c := range caches {
		if err := c.Keep(v.VaultID(), identity, until); err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", c.Name(), err))
			continue
		}
		if err := rememberAgent(stateDir, c); err != nil {
			c.Forget(v.VaultID())
			return nil, fmt.Errorf("noting where the vault is unlocked, so tok lock finds it: %w", err)
		}
		return c, nil
	}
	if len(caches) == 0 {
		return nil, errors.New("TOK_VAULT_CACHE=none keeps nothing unlocked; TOK_FILE_PASSPHRASE or a prompt still work")
	}
	return nil, fmt.Errorf("could not keep the vault unlocked (%w); TOK_FILE_PASSPHRASE or a prompt still work", errors.Join(failures...))
}

// LockEverywhere forgets the vault's identity in every cache this process can reach, whatever
// TOK_VAULT_CACHE says: the kernel keyring, this session's tok agent, the agents of sessions
// with XDG_RUNTIME_DIR at /run/user/UID or unset, and every agent tok unlock noted under
// stateDir. It returns the names of the caches that held it.
func (v *Vault) LockEverywhere(runtimeDir, stateDir string) (held []string, err error) {
	var errs []error
	caches := append(kernelKeyringCaches(), reachableAgents(runtimeDir, stateDir)...)
	for _, c := range caches {
		if _, _, err := c.Load(v.VaultID()); err != nil {
			if !errors.Is(err, ErrVaultLocked) {
				errs = append(errs, fmt.Errorf("%s: %w", c.Name(), err))
			}
			continue
		}
		if err := c.Forget(v.VaultID()); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name(), err))
			continue
		}
		held = append(held, c.Name())
	}
	pruneAgents(stateDir)
	return held, errors.Join(errs...)
}

// ceilUnix is t in whole Unix seconds, rounded up: the caches keep seconds, and rounding down
// would end an unlock up to a second early (a 1 s unlock could be over before it began).
func ceilUnix(t time.Time) int64 {
	secs := t.Unix()
	if t.After(time.Unix(secs, 0)) {
		secs++
	}
	return secs
}
