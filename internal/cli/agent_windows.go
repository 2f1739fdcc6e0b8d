//go:build windows

package cli

import (
	"errors"
	"time"
)

func serveAgent(string, time.Duration) error {
	return errors.New("tok agent is not available on Windows")
}
