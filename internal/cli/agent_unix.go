//go:build !windows

package cli

import (
	"os"
	"time"

	"github.com/tok-dev/tok/keychain"
)

func serveAgent(socket string, interval time.Duration) error {
	if socket == "" {
		socket = keychain.DefaultAgentSocket(os.Getenv("XDG_RUNTIME_DIR"))
	}
	return keychain.Agent{Socket: socket}.Serve(interval)
}
