package cli

import (
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	h := newHarness(t)
	if r := h.must("", "completion", "bash"); r.stdout != bashCompletion {
		t.Fatalf("bash: %q", r.stdout)
	}
	if r := h.must("", "completion", "zsh"); r.stdout != zshCompletion {
		t.Fatalf("zsh: %q", r.stdout)
	}
	r := h.must("", "completion", "fish")
	for _, want := range []string{"complete -c tok", "exec", "__complete"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("fish script lacks %q", want)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}} {
		r := h.run("", args...)
		if r.code != 2 || r.stdout != "" || r.stderr != "tok: usage: tok completion bash|zsh|fish\n" {
			t.Fatalf("%v: exit %d stdout %q stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}
