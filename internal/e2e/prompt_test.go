//go:build !windows

package e2e

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
)

// pane is a terminal: a private tmux server running one shell command, driven with send-keys
// and read with capture-pane, as a person at a terminal would use tok.
type pane struct {
	t    *testing.T
	sock string
}

// startPane runs shell in a new tmux session with e's environment. The command's exit status
// is printed as EXIT=N when it ends, and the pane stays for reading.
func startPane(t *testing.T, e *testenv.Env, shell string) *pane {
	t.Helper()
	testenv.Require(t, testenv.Have("tmux"), "tmux (apt install tmux), which the prompt tests type into")
	p := &pane{t: t, sock: filepath.Join(e.Dir, "tmux.sock")}
	cmd := exec.Command("tmux", "-S", p.sock, "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50",
		"sh", "-c", shell+"; echo EXIT=$?; sleep 600")
	cmd.Env = append(e.List(), "TERM=xterm")
	cmd.Dir = e.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("starting tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	return p
}

// screen is what the pane shows.
func (p *pane) screen() string {
	out, _ := exec.Command("tmux", "-S", p.sock, "capture-pane", "-p", "-J", "-S", "-200").Output()
	return string(out)
}

// waitFor waits until the pane shows text (at most 30 s) and returns the screen.
func (p *pane) waitFor(text string) string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := p.screen()
		if strings.Contains(s, text) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the terminal never showed %q; it shows:\n%s", text, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// typeLine types text and Enter.
func (p *pane) typeLine(text string) {
	p.t.Helper()
	if out, err := exec.Command("tmux", "-S", p.sock, "send-keys", "-l", text).CombinedOutput(); err != nil {
		p.t.Fatalf("send-keys: %v %s", err, out)
	}
	if out, err := exec.Command("tmux", "-S", p.sock, "send-keys", "Enter").CombinedOutput(); err != nil {
		p.t.Fatalf("send-keys: %v %s", err, out)
	}
}

// promptEnv is the default headless backend (the vault) with no passphrase in the environment:
// only a prompt can give it.
func promptEnv(t *testing.T) *testenv.Env {
	e := testenv.NewEnv(t)
	e.Vars["TOK_VAULT_CACHE"] = "agent"
	e.Vars["TOK_AGENT_INTERVAL"] = "200ms"
	t.Cleanup(func() { e.Run("", "tok", "lock") })
	return e
}

// TestVaultCreationAsksTwice: the first write says a vault is being created and where, asks
// for the passphrase twice, and a mismatch stores nothing and makes no vault.
func TestVaultCreationAsksTwice(t *testing.T) {
	e := promptEnv(t)
	dir := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault")
	p := startPane(t, e, "printf tok-secret | tok set https://a.example.org")
	p.waitFor("Creating tok's vault at " + dir)
	p.waitFor("Passphrase for the new vault: ")
	p.typeLine("first try")
	p.waitFor("Repeat it: ")
	p.typeLine("first tyr")
	s := p.waitFor("EXIT=")
	if !strings.Contains(s, "do not match") || !strings.Contains(s, "EXIT=1") || strings.Contains(s, "first t") {
		t.Fatalf("a mismatched passphrase on creation:\n%s", s)
	}
	if testenv.FileExists(filepath.Join(dir, "vault.json")) {
		t.Fatal("a mismatched passphrase made a vault")
	}

	p = startPane(t, e, "printf tok-secret | tok set https://a.example.org")
	p.waitFor("Passphrase for the new vault: ")
	p.typeLine("the passphrase")
	p.waitFor("Repeat it: ")
	p.typeLine("the passphrase")
	if s := p.waitFor("EXIT="); !strings.Contains(s, "EXIT=0") || !strings.Contains(s, "Stored") {
		t.Fatalf("creating the vault:\n%s", s)
	}
	r := e.Run("the passphrase\n", "tok", "unlock", "--passphrase-stdin", "--timeout", "1m")
	if r.Code != 0 {
		t.Fatalf("unlock with the new vault's passphrase: %s", r.Stderr)
	}
	if r := e.Run("", "tok", "get", "a.example.org"); r.Stdout != "tok-secret\n" {
		t.Fatalf("read back: %q %q", r.Stdout, r.Stderr)
	}
}

// vaultWithPassphrase makes a vault holding one record, with passphrase pass.
func vaultWithPassphrase(t *testing.T, pass string) *testenv.Env {
	e := promptEnv(t)
	if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": pass}).Run("s3cret", "tok", "set", "https://a.example.org"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	return e
}

// TestVaultUnlockThreeTries: at a terminal a mistyped passphrase may be given again, three
// tries in all; three wrong ones fail.
func TestVaultUnlockThreeTries(t *testing.T) {
	e := vaultWithPassphrase(t, "right one")
	p := startPane(t, e, "tok unlock --timeout 1m")
	p.waitFor("Passphrase for tok's encrypted store: ")
	p.typeLine("wrong one")
	p.waitFor("try again (2 of 3): ")
	p.typeLine("wrong two")
	p.waitFor("try again (3 of 3): ")
	p.typeLine("right one")
	if s := p.waitFor("EXIT="); !strings.Contains(s, "EXIT=0") || !strings.Contains(s, "The vault is unlocked") {
		t.Fatalf("unlock on the third try:\n%s", s)
	}
	if r := e.Run("", "tok", "get", "a.example.org"); r.Stdout != "s3cret\n" {
		t.Fatalf("after unlock: %q %q", r.Stdout, r.Stderr)
	}
	e.Run("", "tok", "lock")

	p = startPane(t, e, "tok unlock --timeout 1m")
	for _, prompt := range []string{"Passphrase for tok's encrypted store: ", "(2 of 3): ", "(3 of 3): "} {
		p.waitFor(prompt)
		p.typeLine("wrong")
	}
	s := p.waitFor("EXIT=")
	if !strings.Contains(s, "EXIT=1") || !strings.Contains(s, "wrong passphrase") || strings.Contains(s, "(4 of") {
		t.Fatalf("three wrong passphrases:\n%s", s)
	}
}

// TestVaultUnlockWithoutTerminal: with no terminal and no passphrase, tok unlock says how to
// give one (not "run tok unlock"); --passphrase-stdin takes one line.
func TestVaultUnlockWithoutTerminal(t *testing.T) {
	e := vaultWithPassphrase(t, "right one")
	for _, stdin := range []string{"", "right one\n"} {
		r := runWithoutTerminal(t, e, stdin, "tok", "unlock")
		if r.Code == 0 || !strings.Contains(r.Stderr, "--passphrase-stdin") || strings.Contains(r.Stderr, "run tok unlock") || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
			t.Fatalf("unlock with no terminal, stdin %q: %d %q", stdin, r.Code, r.Stderr)
		}
	}
	if r := runWithoutTerminal(t, e, "wrong\n", "tok", "unlock", "--passphrase-stdin"); r.Code == 0 || !strings.Contains(r.Stderr, "wrong passphrase") {
		t.Fatalf("a wrong passphrase on stdin: %d %q", r.Code, r.Stderr)
	}
	if r := runWithoutTerminal(t, e, "", "tok", "unlock", "--passphrase-stdin"); r.Code == 0 || !strings.Contains(r.Stderr, "one line") {
		t.Fatalf("nothing on stdin: %d %q", r.Code, r.Stderr)
	}
	if r := runWithoutTerminal(t, e, "right one\r\n", "tok", "unlock", "--passphrase-stdin", "--timeout", "1m"); r.Code != 0 {
		t.Fatalf("unlock --passphrase-stdin: %q", r.Stderr)
	}
	if r := e.Run("", "tok", "get", "a.example.org"); r.Stdout != "s3cret\n" {
		t.Fatalf("after unlock --passphrase-stdin: %q %q", r.Stdout, r.Stderr)
	}
}

// runWithoutTerminal runs a program in a new session, so it has no /dev/tty even when the
// tests run in a terminal.
func runWithoutTerminal(t *testing.T, e *testenv.Env, stdin string, name string, args ...string) testenv.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.Command(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %s: %v", name, err)
	}
	return testenv.Result{Stdout: out.String(), Stderr: errb.String(), Code: cmd.ProcessState.ExitCode()}
}

// TestVaultPasswd: tok passwd asks for the current passphrase, then the new one twice; the
// old one stops working, the new one opens every record, and no record file changed.
func TestVaultPasswd(t *testing.T) {
	e := vaultWithPassphrase(t, "old pass")
	records := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault", "records")
	before := dirSnapshot(t, records)
	p := startPane(t, e, "tok passwd")
	p.waitFor("Current passphrase of the vault: ")
	p.typeLine("not it")
	p.waitFor("try again (2 of 3): ")
	p.typeLine("old pass")
	p.waitFor("New passphrase for the vault: ")
	p.typeLine("new pass")
	p.waitFor("Repeat it: ")
	p.typeLine("new pass")
	if s := p.waitFor("EXIT="); !strings.Contains(s, "EXIT=0") || !strings.Contains(s, "Changed the passphrase") {
		t.Fatalf("tok passwd:\n%s", s)
	}
	if after := dirSnapshot(t, records); after != before {
		t.Fatalf("tok passwd rewrote records:\n%s\n%s", before, after)
	}
	if r := e.Run("old pass\n", "tok", "unlock", "--passphrase-stdin"); r.Code == 0 || !strings.Contains(r.Stderr, "wrong passphrase") {
		t.Fatalf("the old passphrase after tok passwd: %d %q", r.Code, r.Stderr)
	}
	if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "new pass"}).Run("", "tok", "get", "a.example.org"); r.Stdout != "s3cret\n" {
		t.Fatalf("the new passphrase: %q %q", r.Stdout, r.Stderr)
	}

	// A mismatch changes nothing.
	p = startPane(t, e, "tok passwd")
	p.waitFor("Current passphrase of the vault: ")
	p.typeLine("new pass")
	p.waitFor("New passphrase for the vault: ")
	p.typeLine("newer pass")
	p.waitFor("Repeat it: ")
	p.typeLine("newer pasS")
	if s := p.waitFor("EXIT="); !strings.Contains(s, "EXIT=1") || !strings.Contains(s, "do not match") {
		t.Fatalf("tok passwd with a mismatch:\n%s", s)
	}
	if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "new pass"}).Run("", "tok", "get", "a.example.org"); r.Stdout != "s3cret\n" {
		t.Fatalf("a mismatched tok passwd changed the passphrase: %q %q", r.Stdout, r.Stderr)
	}
}
