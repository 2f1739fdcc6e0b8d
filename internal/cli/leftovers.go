package cli

import (
	"os"
	"path/filepath"
	"time"

	"github.com/tok-dev/tok/internal/atomicfile"
	"github.com/tok-dev/tok/internal/inject"
	"github.com/tok-dev/tok/internal/setup"
)

// sweepRunDirs removes the private directories of tok exec runs that were killed before they
// could (inject.SweepLeftovers): every tok command that opens the store does it, at the cost
// of listing two small directories. The git and docker helpers do not.
func sweepRunDirs() { inject.SweepLeftovers(os.Getenv("XDG_RUNTIME_DIR")) }

// sweepVaultTemps removes the temp files of vault writes killed more than a minute ago. It
// lists the vault's records, so only commands that list the store anyway do it.
func sweepVaultTemps(env *setup.Env) {
	dir := env.Paths.VaultDir()
	atomicfile.SweepTemps(dir, time.Minute)
	atomicfile.SweepTemps(filepath.Join(dir, "records"), time.Minute)
}
