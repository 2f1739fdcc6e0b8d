package e2e

import (
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// TestExecLoaderVariables: a record holding LD_PRELOAD (stored with --allow-env, as a planted
// or older record would hold it) does not get it set by tok exec unless that run asks.
func TestExecLoaderVariables(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	if r := e.Run("libevil.so", "tok", "set", "https://pre.example.org", "--env", "LD_PRELOAD", "--env", "PRE_TOKEN"); r.Code != 2 || !strings.Contains(r.Stderr, "--allow-env LD_PRELOAD") {
		t.Fatalf("tok set --env LD_PRELOAD: %d %q", r.Code, r.Stderr)
	}
	if r := e.Run("libevil.so", "tok", "set", "https://pre.example.org", "--env", "LD_PRELOAD", "--env", "PRE_TOKEN", "--allow-env", "LD_PRELOAD"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	show := []string{"sh", "-c", `printf '%s|%s' "${LD_PRELOAD-unset}" "$PRE_TOKEN"`}
	r := e.Run("", "tok", append([]string{"exec", "--only", "https://pre.example.org", "--"}, show...)...)
	if r.Code != 0 || r.Stdout != "unset|libevil.so" || !strings.Contains(r.Stderr, "LD_PRELOAD changes how programs load code") {
		t.Fatalf("tok exec set LD_PRELOAD unasked: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	r = e.Run("", "tok", append([]string{"exec", "--allow-env", "LD_PRELOAD", "--only", "https://pre.example.org", "--"}, show...)...)
	if r.Stdout != "libevil.so|libevil.so" {
		t.Fatalf("tok exec --allow-env LD_PRELOAD: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}
