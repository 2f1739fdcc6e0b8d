// Package busguard stops github.com/99designs/keyring from launching a D-Bus daemon.
//
// keyring connects to the session bus in its package init; with no bus to find, the old godbus
// it uses runs dbus-launch, which starts a dbus-daemon that outlives the process (one per tok
// run). Go initialises packages in import-path order once their imports are ready; this package
// imports only the standard library and sorts before golang.org/x/term, which keyring imports,
// so its init runs first. keychain imports it (so every binary and test linking keyring has it); programs tok starts get
// Environ.
package busguard

import (
	"os"
	"strconv"
)

const envName = "DBUS_SESSION_BUS_ADDRESS"

// disabled is an address godbus cannot dial, so it fails at once instead of launching a bus.
const disabled = "disabled:"

var guarded bool

func init() {
	if os.Getenv(envName) != "" {
		return
	}
	runtimeDir := "/run/user/" + strconv.Itoa(os.Getuid()) + "/"
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(runtimeDir + name); err == nil {
			return // godbus finds the user's bus there itself
		}
	}
	os.Setenv(envName, disabled)
	guarded = true
}

// Environ is os.Environ without the guard's own setting: the environment for programs tok
// starts, as tok was given it.
func Environ() []string {
	env := os.Environ()
	if !guarded {
		return env
	}
	out := env[:0:0]
	for _, kv := range env {
		if kv != envName+"="+disabled {
			out = append(out, kv)
		}
	}
	return out
}
