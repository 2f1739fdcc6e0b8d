// Package testenv gives tok's end-to-end tests real binaries and real system components: a
// private D-Bus session with gnome-keyring, pass with a throwaway gpg key, isolated homes.
// A component that is missing skips its test on a developer's machine and fails it when
// TOK_TEST_REQUIRE_ALL=1 (as CI sets), so CI cannot pass by skipping.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
	inMain    bool
)

// Main runs a package's tests (call it from TestMain) and then removes the binaries Bin
// built, so no test process leaves its ~30 MB build behind.
func Main(m *testing.M) int {
	inMain = true
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	return code
}

// Bin builds tok's binaries once per test process and returns their directory. The package's
// TestMain must run its tests through Main, which removes them at the end.
func Bin(t testing.TB) string {
	t.Helper()
	if !inMain {
		t.Fatal("testenv.Bin needs the package's TestMain to call testenv.Main, which removes the binaries at the end")
	}
	buildOnce.Do(func() {
		root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
		if err != nil {
			buildErr = fmt.Errorf("finding the module root: %w", err)
			return
		}
		binDir, buildErr = os.MkdirTemp("", "tok-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./cmd/...")
		cmd.Dir = strings.TrimSpace(string(root))
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// Require skips (or, under TOK_TEST_REQUIRE_ALL=1, fails) a test whose component is missing.
func Require(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("TOK_TEST_REQUIRE_ALL") == "1" {
		t.Fatalf("%s is required (TOK_TEST_REQUIRE_ALL=1) but missing", what)
	}
	t.Skipf("skipped: %s is missing (CI installs it; see .ci/run)", what)
}

// Have reports whether a program is on PATH.
func Have(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// Env is an isolated environment: its own HOME and XDG directories, tok's binaries first on
// PATH, and none of the caller's TOK_ or D-Bus settings.
type Env struct {
	t    testing.TB
	Dir  string
	Vars map[string]string
}

// NewEnv makes an isolated environment under a temp dir.
func NewEnv(t testing.TB) *Env {
	t.Helper()
	dir := t.TempDir()
	e := &Env{t: t, Dir: dir, Vars: map[string]string{
		"PATH":            Bin(t) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME":            filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_DATA_HOME":   filepath.Join(dir, "data"),
		"XDG_STATE_HOME":  filepath.Join(dir, "state"),
		"XDG_RUNTIME_DIR": filepath.Join(dir, "run"),
		"LANG":            "C.UTF-8",
	}}
	for _, d := range []string{"home", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// FileBackend selects the file backend with a passphrase.
func (e *Env) FileBackend(passphrase string) *Env {
	e.Vars["TOK_BACKEND"] = "file"
	e.Vars["TOK_FILE_PASSPHRASE"] = passphrase
	return e
}

// List is the environment as exec wants it.
func (e *Env) List() []string {
	var out []string
	for k, v := range e.Vars {
		out = append(out, k+"="+v)
	}
	return out
}

// Result is what a finished command did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs a program in the environment with stdin, and waits at most a minute. The program
// has no controlling terminal (its own session), as under git or CI, even when the tests run
// from one: a helper that may ask on /dev/tty never waits for a person here.
func (e *Env) Run(stdin string, name string, args ...string) Result {
	if e.t == nil {
		panic("testenv: an Env made without NewEnv or WithT")
	}
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.Command(ctx, name, args...)
	detach(cmd)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running %s: %v", name, err)
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// Command prepares a program to run in the environment.
func (e *Env) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	path := name
	if !strings.Contains(name, "/") {
		if p := filepath.Join(Bin(e.t), name); FileExists(p) {
			path = p
		}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = e.List()
	cmd.Dir = e.Dir
	return cmd
}

// FileExists reports whether p exists.
func FileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// SessionBus starts a private dbus-daemon for the environment (what dbus-run-session does) and
// stops it when the test ends.
func (e *Env) SessionBus() {
	e.t.Helper()
	Require(e.t, Have("dbus-daemon"), "dbus-daemon (apt install dbus)")
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile")
	cmd.Env = e.List()
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		e.t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	e.Vars["DBUS_SESSION_BUS_ADDRESS"] = strings.TrimSpace(addr)
}

// GnomeKeyring starts gnome-keyring-daemon's Secret Service on the environment's bus; with
// unlock it creates and unlocks the login keyring, as a desktop login does.
func (e *Env) GnomeKeyring(unlock bool) {
	e.t.Helper()
	Require(e.t, Have("gnome-keyring-daemon"), "gnome-keyring-daemon (apt install gnome-keyring)")
	if e.Vars["DBUS_SESSION_BUS_ADDRESS"] == "" {
		e.SessionBus()
	}
	args := []string{"--foreground", "--components=secrets"}
	if unlock {
		args = append(args, "--unlock")
	}
	cmd := exec.Command("gnome-keyring-daemon", args...)
	cmd.Env = e.List()
	if unlock {
		cmd.Stdin = strings.NewReader("test-login-password")
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Wait until the service owns its name on the bus.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		probe := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus.GetNameOwner", "string:org.freedesktop.secrets")
		probe.Env = e.List()
		if probe.Run() == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatal("gnome-keyring-daemon did not take org.freedesktop.secrets within 10s")
}

// Pass sets up pass with a throwaway gpg key (no passphrase) in the environment.
func (e *Env) Pass() {
	e.t.Helper()
	Require(e.t, Have("pass") && Have("gpg"), "pass and gpg (apt install pass gnupg)")
	// gpg-agent's socket path must be short, so GNUPGHOME is not under the long test dir.
	gnupg, err := os.MkdirTemp("", "tokgpg")
	if err != nil {
		e.t.Fatal(err)
	}
	os.Chmod(gnupg, 0o700)
	e.Vars["GNUPGHOME"] = gnupg
	e.Vars["PASSWORD_STORE_DIR"] = filepath.Join(e.Dir, "password-store")
	e.t.Cleanup(func() {
		kill := exec.Command("gpgconf", "--kill", "all")
		kill.Env = e.List()
		kill.Run()
		os.RemoveAll(gnupg)
	})
	for _, args := range [][]string{
		{"gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "tok-test@example.invalid", "default", "default", "never"},
		{"pass", "init", "tok-test@example.invalid"},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = e.List()
		if out, err := cmd.CombinedOutput(); err != nil {
			e.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// With returns a copy of e with vars set (an empty value removes the variable).
func (e *Env) With(vars map[string]string) *Env {
	c := &Env{t: e.t, Dir: e.Dir, Vars: map[string]string{}}
	for k, v := range e.Vars {
		c.Vars[k] = v
	}
	for k, v := range vars {
		if v == "" {
			delete(c.Vars, k)
			continue
		}
		c.Vars[k] = v
	}
	return c
}
