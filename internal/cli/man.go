//go:build !urfave_cli_no_docs

package cli

import (
	"io"
	"strings"
)

// ManPage is tok's man page (section 1, roff). It exists only in builds without the
// urfave_cli_no_docs tag: the release build makes the page with it, and the tok it ships
// leaves the generator out (its markdown parser costs every start about 0.4 ms).
func ManPage() (string, error) {
	return newApp(IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}).ToManWithSection(1)
}
