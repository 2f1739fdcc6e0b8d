//go:build linux

package e2e

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestExecLeftoversAfterSIGKILL: with no XDG_RUNTIME_DIR, tok exec's secret files go to a tmpfs
// (/dev/shm) rather than /tmp; a SIGKILL leaves them behind, and the next tok removes them.
func TestExecLeftoversAfterSIGKILL(t *testing.T) {
	testenv.Require(t, testenv.FileExists("/proc/self/environ"), "/proc (Linux)")
	e := testenv.NewEnv(t).FileBackend("pw").With(map[string]string{"XDG_RUNTIME_DIR": "", "TMPDIR": t.TempDir()})
	if r := e.Run("0123456789abcdef0123456789abcdef", "tok", "set", "global.daf-apis.com"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.Command(ctx, "tok", "exec", "--only", "cave", "--", "sh", "-c", `echo "$CLOUD_VOLUME_DIR"; exec sleep 60`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the program, left running by tok's death
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(strings.TrimSpace(line))
	if filepath.Dir(dir) != "/dev/shm" {
		var fs syscall.Statfs_t
		if syscall.Statfs("/dev/shm", &fs) == nil && fs.Type == 0x01021994 {
			t.Errorf("the secret files went to %s, though /dev/shm is a tmpfs", dir)
		}
	}
	secret := filepath.Join(dir, "cloudvolume", "secrets", "cave-secret.json")
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(secret); err != nil {
		t.Fatalf("SIGKILL left nothing behind, so this test shows nothing: %v", err)
	}
	if r := e.Run("", "tok", "list"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the next tok left the dead run's files: %v", err)
	}
}

// TestVaultTempsSwept: a vault write killed mid-way leaves a .tmp- file; tok list removes it
// once it is over a minute old (a younger one may be a write in progress).
func TestVaultTempsSwept(t *testing.T) {
	e := vaultEnv(t, "none")
	e.Vars["TOK_FILE_PASSPHRASE"] = "vault pass"
	records := filepath.Join(e.Vars["XDG_DATA_HOME"], "tok", "vault", "records")
	big := strings.Repeat("z", 512*1024)
	var temps []string
	for i := 0; i < 100 && len(temps) == 0; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		cmd := e.Command(ctx, "tok", "set", "https://killed.example.org")
		cmd.Stdin = strings.NewReader(big)
		cmd.Stdout = nil
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it as soon as its temp file is there.
		for j := 0; j < 2000 && len(temps) == 0; j++ {
			temps, _ = filepath.Glob(filepath.Join(records, ".*.tmp-*"))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		bufio.NewReader(stderr).ReadString(0)
		cmd.Wait()
		cancel()
		temps, _ = filepath.Glob(filepath.Join(records, ".*.tmp-*"))
	}
	if len(temps) == 0 {
		t.Fatal("no write was killed with its temp file in place, so this test shows nothing")
	}
	if r := e.Run("", "tok", "list"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if _, err := os.Stat(temps[0]); err != nil {
		t.Fatalf("a temp file under a minute old was removed: %v", err)
	}
	old := time.Now().Add(-2 * time.Minute)
	for _, p := range temps {
		os.Chtimes(p, old, old)
	}
	if r := e.Run("", "tok", "list"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(records, ".*.tmp-*")); len(left) != 0 {
		t.Fatalf("tok list left a killed write's temp files: %v", left)
	}
}
