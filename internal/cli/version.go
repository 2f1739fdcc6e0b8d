package cli

import (
	"fmt"
	"runtime"

	ucli "github.com/urfave/cli/v2"
)

func versionCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:        "version",
		Usage:       "print tok's version",
		Description: "Example:\n   tok version",
		Action: func(*ucli.Context) error {
			_, err := fmt.Fprintf(stdio.Stdout, "tok %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
