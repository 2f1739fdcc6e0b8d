package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
)

// terminal is a program running in a real terminal (tmux), for what only a terminal shows:
// prompts, and a shell's completion as a person triggers it with Tab.
type terminal struct {
	t    *testing.T
	sock string
}

// newTerminal starts command (a shell command line) in a detached tmux session whose
// environment is e's, and stops the session when the test ends.
func newTerminal(t *testing.T, e *testenv.Env, command string) *terminal {
	t.Helper()
	testenv.Require(t, testenv.Have("tmux"), "tmux")
	term := &terminal{t: t, sock: filepath.Join(e.Dir, "tmux.sock")}
	var exports []string
	keys := make([]string, 0, len(e.Vars))
	for k := range e.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		exports = append(exports, "export "+k+"="+shQuote(e.Vars[k]))
	}
	script := filepath.Join(e.Dir, "terminal.sh")
	os.WriteFile(script, []byte(strings.Join(exports, "\n")+"\nexport TERM=xterm PS1='$ '\ncd "+shQuote(e.Dir)+"\n"+command+"\n"), 0o700)
	cmd := exec.Command("tmux", "-S", term.sock, "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "40", "sh "+shQuote(script)+"; sleep 60")
	cmd.Env = append(os.Environ(), "TMUX=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", term.sock, "kill-server").Run() })
	return term
}

// send types keys (tmux send-keys names: "Tab", "Enter", or literal text).
func (term *terminal) send(keys ...string) {
	term.t.Helper()
	if out, err := exec.Command("tmux", append([]string{"-S", term.sock, "send-keys", "-t", "0"}, keys...)...).CombinedOutput(); err != nil {
		term.t.Fatalf("tmux send-keys: %v %s", err, out)
	}
}

// screen is what the terminal shows now.
func (term *terminal) screen() string {
	out, _ := exec.Command("tmux", "-S", term.sock, "capture-pane", "-p", "-t", "0").Output()
	return string(out)
}

// waitFor waits until the screen shows want (a prompt appears as soon as the program is
// ready; the deadline only bounds a broken run) and returns the screen.
func (term *terminal) waitFor(want string) string {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := term.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never showed %q; it shows:\n%s", want, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
