package e2e

import (
	"os"
	"path/filepath"
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

// TestExecPassphrase: a program run by tok exec gets TOK_FILE_PASSPHRASE only when asked, on
// both paths (tok replaced by the program, and the program as a child when files need cleanup).
func TestExecPassphrase(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("file pass")
	if r := e.Run("api-token", "tok", "set", "https://api.example.org", "--env", "API_TOKEN"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	show := []string{"--", "sh", "-c", `printf '%s|%s' "${TOK_FILE_PASSPHRASE-unset}" "$API_TOKEN"`}
	for _, path := range [][]string{{"--only", "api.example.org"}, {"--only", "api.example.org", "--netrc"}} {
		r := e.Run("", "tok", append(append([]string{"exec"}, path...), show...)...)
		if r.Code != 0 || r.Stdout != "unset|api-token" || !strings.Contains(r.Stderr, "TOK_FILE_PASSPHRASE is not passed to the program") {
			t.Errorf("tok exec %v: the program saw %q (exit %d, %q)", path, r.Stdout, r.Code, r.Stderr)
		}
		r = e.Run("", "tok", append(append([]string{"exec", "--pass-passphrase"}, path...), show...)...)
		if r.Code != 0 || r.Stdout != "file pass|api-token" {
			t.Errorf("tok exec --pass-passphrase %v: the program saw %q (exit %d, %q)", path, r.Stdout, r.Code, r.Stderr)
		}
	}
}

// TestAgentHoldsNoPassphrase: tok agent, started by TOK_FILE_PASSPHRASE=... tok unlock, does not
// have the passphrase in its environment (/proc/PID/environ, readable for the agent's life).
func TestAgentHoldsNoPassphrase(t *testing.T) {
	testenv.Require(t, testenv.FileExists("/proc/self/environ"), "/proc (Linux)")
	e := vaultEnv(t, "agent")
	e.Vars["TOK_AGENT_INTERVAL"] = "1m"
	if r := e.With(map[string]string{"TOK_FILE_PASSPHRASE": "vault pass"}).Run("", "tok", "unlock", "--timeout", "1m"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	socket := filepath.Join(e.Vars["XDG_RUNTIME_DIR"], "tok", "agent.sock")
	pid := agentPID(t, socket)
	environ, err := os.ReadFile(filepath.Join("/proc", pid, "environ"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(environ), "XDG_RUNTIME_DIR="+e.Vars["XDG_RUNTIME_DIR"]) {
		t.Fatalf("pid %s is not the test's agent: %q", pid, environ)
	}
	if strings.Contains(string(environ), "TOK_FILE_PASSPHRASE") || strings.Contains(string(environ), "vault pass") {
		t.Fatal("tok agent holds the passphrase in its environment")
	}
	if r := e.Run("", "tok", "get", "h1.example.org"); r.Stdout != "secret-1\n" {
		t.Fatalf("the agent does not answer: %q %q", r.Stdout, r.Stderr)
	}
}

// agentPID finds the tok agent serving socket by its command line.
func agentPID(t *testing.T, socket string) string {
	t.Helper()
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		cmdline, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), "agent\x00--socket\x00"+socket+"\x00") {
			return p.Name()
		}
	}
	t.Fatalf("no tok agent serves %s", socket)
	return ""
}
