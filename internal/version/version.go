// Package version holds the one version string that tok, git-credential-tok and
// docker-credential-tok print.
package version

// Version is "dev" in a plain go build; the release build sets it once for all three binaries
// with -ldflags "-X github.com/tok-dev/tok/internal/version.Version=..." (see goreleaser.yaml).
var Version = "dev"
