package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/platform"
)

// allowEnvFlag is how a person asks, in one command, for a variable that changes how programs
// load code (platform.CheckEnvName): tok set/login store it, tok exec/env set it.
func allowEnvFlag() ucli.Flag {
	return &ucli.StringSliceFlag{Name: "allow-env", Usage: "allow this variable though it changes how programs load code (LD_PRELOAD, PATH, GIT_*...; repeatable)"}
}

// envNames is the command's --env names, each checked by platform.CheckEnvName against its
// --allow-env names; nothing is stored when one fails.
func envNames(c *ucli.Context) ([]string, error) {
	names := c.StringSlice("env")
	for _, name := range names {
		if err := platform.CheckEnvName(name, c.StringSlice("allow-env")); err != nil {
			return nil, usageError("--env: %v; nothing stored (to store it anyway, add --allow-env %s)", err, name)
		}
	}
	return names, nil
}
