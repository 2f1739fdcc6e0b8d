package cli

import (
	"runtime"
	"testing"

	"github.com/tok-dev/tok/internal/version"
)

func TestVersion(t *testing.T) {
	h := newHarness(t)
	want := "tok " + version.Version + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if r := h.must("", "version"); r.stdout != want || r.stderr != "" {
		t.Fatalf("stdout %q stderr %q, want %q", r.stdout, r.stderr, want)
	}
}
