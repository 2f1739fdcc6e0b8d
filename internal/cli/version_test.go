package cli

import (
	"runtime"
	"testing"
)

func TestVersion(t *testing.T) {
	h := newHarness(t)
	want := "tok " + Version + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if r := h.must("", "version"); r.stdout != want || r.stderr != "" {
		t.Fatalf("stdout %q stderr %q, want %q", r.stdout, r.stderr, want)
	}
}
