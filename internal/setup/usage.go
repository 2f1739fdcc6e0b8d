package setup

import (
	"fmt"
	"io"

	"github.com/tok-dev/tok/internal/version"
)

// HelperPage is what a helper binary says about itself: --help prints it, and the release
// build turns it into the binary's man page, so the two never disagree.
type HelperPage struct {
	Name     string
	Summary  string   // one line, for --help's first line and the man page's NAME
	Synopsis []string // one way to call it per line
	// Body is paragraphs separated by blank lines; a line indented by three spaces is an
	// example, printed as it is.
	Body string
}

// GitPage describes git-credential-tok.
var GitPage = HelperPage{
	Name:     "git-credential-tok",
	Summary:  "tok's git credential helper",
	Synopsis: []string{"git-credential-tok get|store|erase", "git-credential-tok version|--help"},
	Body: `git runs it, with the request on standard input, when its configuration names tok as a
credential helper; people rarely run it themselves. get answers with the token tok holds for
the request's protocol, host, path and user name; store keeps a password typed at git's
prompt; erase removes only such a password, never a token stored with tok set.

To point git at it:
   tok install git
   git config --global credential.helper tok

See tok(1) and https://github.com/tok-dev/tok#git.`,
}

// DockerPage describes docker-credential-tok.
var DockerPage = HelperPage{
	Name:     "docker-credential-tok",
	Summary:  "tok's docker credential helper",
	Synopsis: []string{"docker-credential-tok store|get|erase|list", "docker-credential-tok version|--help"},
	Body: `docker, podman, skopeo, crane and go-containerregistry run it, with JSON on standard input,
when config.json names tok in credHelpers or credsStore. get answers with the credential tok
holds for a registry; store keeps what docker login gives it; list shows registry credentials
only.

To point docker at it:
   tok install docker ghcr.io
   tok install docker --default

See tok(1) and https://github.com/tok-dev/tok#docker-and-podman-skopeo-crane-go-containerregistry.`,
}

// Text is the page as --help prints it.
func (p HelperPage) Text() string {
	s := p.Name + ": " + p.Summary + "\n\n"
	for i, line := range p.Synopsis {
		lead := "       "
		if i == 0 {
			lead = "Usage: "
		}
		s += lead + line + "\n"
	}
	return s + "\n" + p.Body + "\n"
}

// helperInfo answers version and --help for a helper binary and reports whether it did.
// Neither git nor docker ever sends these, so they cannot shadow a protocol operation.
func helperInfo(p HelperPage, op string, out io.Writer) bool {
	switch op {
	case "version", "--version", "-v":
		fmt.Fprintf(out, "%s (github.com/tok-dev/tok) %s\n", p.Name, version.Version)
	case "--help", "-h", "help":
		fmt.Fprint(out, p.Text())
	default:
		return false
	}
	return true
}
