package keychain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// KernelKeyring keeps unlocked vault identities in the Linux user keyring, with the kernel's
// own timeout. It is refused under Docker's default seccomp profile and, with the default
// permissions, from systemd services' session keyrings; tok then uses its agent instead.
type KernelKeyring struct{}

// Name implements IdentityCache.
func (KernelKeyring) Name() string { return "the kernel keyring" }

func (KernelKeyring) kernelKeyring() {}

func keyctlDesc(vaultID string) string { return "tok:vault:" + vaultID }

// Load implements IdentityCache.
func (KernelKeyring) Load(vaultID string) (string, time.Time, error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", keyctlDesc(vaultID), 0)
	if err != nil {
		return "", time.Time{}, ErrVaultLocked
	}
	buf := make([]byte, 512)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if err != nil || n > len(buf) {
		return "", time.Time{}, ErrVaultLocked
	}
	until, identity, ok := strings.Cut(string(buf[:n]), " ")
	secs, perr := strconv.ParseInt(until, 10, 64)
	if !ok || perr != nil || time.Now().Unix() >= secs {
		return "", time.Time{}, ErrVaultLocked
	}
	return identity, time.Unix(secs, 0), nil
}

// Keep implements IdentityCache.
func (KernelKeyring) Keep(vaultID, identity string, until time.Time) error {
	end := ceilUnix(until)
	secs := int(end - time.Now().Unix())
	if secs < 1 {
		return errors.New("the unlock timeout is already over")
	}
	payload := []byte(strconv.FormatInt(end, 10) + " " + identity)
	id, err := unix.AddKey("user", keyctlDesc(vaultID), payload, unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return fmt.Errorf("the kernel keyring refused the key (%v)", err)
	}
	// Possessor and user may do everything: a process of this user whose session keyring is
	// not linked to the user keyring (systemd services) can still read it.
	if err := unix.KeyctlSetperm(id, 0x3f3f0000); err != nil {
		unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
		return fmt.Errorf("the kernel keyring refused its permissions (%v)", err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, secs, 0, 0); err != nil {
		unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
		return fmt.Errorf("the kernel keyring refused a timeout (%v)", err)
	}
	return nil
}

// Forget implements IdentityCache.
func (KernelKeyring) Forget(vaultID string) error {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", keyctlDesc(vaultID), 0)
	if err != nil {
		return nil
	}
	_, err = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
	return err
}

func kernelKeyringCaches() []IdentityCache { return []IdentityCache{KernelKeyring{}} }
