package platform

import (
	"errors"
	"strings"
	"testing"
	// Test binaries link keyring too; without the guard each run with no session bus would
	// leave a dbus-daemon behind.
)

func TestCAVETokenShape(t *testing.T) {
	for secret, ok := range map[string]bool{
		"0123456789abcdef0123456789abcdef":  true,
		"0123456789ABCDEF0123456789abcdef":  false, // upper case
		"0123456789abcdef0123456789abcde":   false, // 31
		"0123456789abcdef0123456789abcdef0": false, // 33
		"0123456789abcdef0123456789abcdeg":  false,
		"":                                  false,
		strings.Repeat("é", 16):             false,
	} {
		err := cave.Check(secret)
		if ok && err != nil {
			t.Errorf("Check(%q) = %v; want accepted", secret, err)
		}
		if !ok && !errors.Is(err, ErrFormat) {
			t.Errorf("Check(%q) = %v; want ErrFormat", secret, err)
		}
	}
}
