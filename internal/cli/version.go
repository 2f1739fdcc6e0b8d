package cli

import (
	"fmt"
	"io"
	"runtime"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/internal/version"
)

// tok --version prints what tok version prints.
func init() { ucli.VersionPrinter = func(c *ucli.Context) { printVersion(c.App.Writer) } }

func printVersion(w io.Writer) error {
	_, err := fmt.Fprintf(w, "tok %s (%s, %s/%s)\n", version.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}

func versionCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:        "version",
		Usage:       "print tok's version (also: tok --version)",
		Description: "Example:\n   tok version",
		Action: func(*ucli.Context) error {
			return printVersion(stdio.Stdout)
		},
	}
}
