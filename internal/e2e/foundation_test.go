package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tok-dev/tok/internal/testenv"
)

// backends gives each real backend this machine can run, set up in a fresh environment.
func backends(t *testing.T) map[string]func(t *testing.T) *testenv.Env {
	return map[string]func(t *testing.T) *testenv.Env{
		"file": func(t *testing.T) *testenv.Env {
			return testenv.NewEnv(t).FileBackend("correct horse battery")
		},
		"vault": func(t *testing.T) *testenv.Env {
			e := testenv.NewEnv(t).FileBackend("correct horse battery")
			e.Vars["TOK_BACKEND"] = "vault"
			return e
		},
		"secret-service": func(t *testing.T) *testenv.Env {
			e := testenv.NewEnv(t)
			e.GnomeKeyring(true)
			e.Vars["TOK_BACKEND"] = "secret-service"
			return e
		},
		"pass": func(t *testing.T) *testenv.Env {
			e := testenv.NewEnv(t)
			e.Pass()
			e.Vars["TOK_BACKEND"] = "pass"
			return e
		},
	}
}

func TestSetGetEveryBackend(t *testing.T) {
	for name, setup := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := setup(t)
			r := e.Run("s", "tok", "set", "https://api.example.org")
			if r.Code != 0 {
				t.Fatalf("tok set: exit %d: %s", r.Code, r.Stderr)
			}
			r = e.Run("", "tok", "get", "https://api.example.org")
			if r.Code != 0 || r.Stdout != "s\n" {
				t.Fatalf("tok get: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
			}
			// Resolution through the binary: a path below the host, upper case, default port.
			r = e.Run("", "tok", "get", "https://API.example.org:443/v1/x")
			if r.Stdout != "s\n" {
				t.Fatalf("tok get of a path below: %q %q", r.Stdout, r.Stderr)
			}
			for _, other := range []string{"http://api.example.org", "https://example.org", "https://api.example.org:8443"} {
				r = e.Run("", "tok", "get", other)
				if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "tok set") {
					t.Fatalf("tok get %s: exit %d, stdout %q, stderr %q", other, r.Code, r.Stdout, r.Stderr)
				}
			}
			big := strings.Repeat("x", 256*1024)
			if r = e.Run(big, "tok", "set", "https://big.example.org"); r.Code != 0 {
				t.Fatalf("256 KiB secret: %s", r.Stderr)
			}
			if r = e.Run("", "tok", "get", "big.example.org"); strings.TrimSpace(r.Stdout) != big {
				t.Fatalf("256 KiB secret came back as %d bytes", len(r.Stdout))
			}
			r = e.Run("", "tok", "list", "--json")
			if r.Code != 0 || !strings.Contains(r.Stdout, `"target": "https://api.example.org"`) || strings.Contains(r.Stdout, big[:64]) {
				t.Fatalf("tok list --json: %d %s %s", r.Code, r.Stdout[:min(len(r.Stdout), 500)], r.Stderr)
			}
			if r = e.Run("", "tok", "delete", "https://api.example.org"); r.Code != 0 {
				t.Fatalf("tok delete: %s", r.Stderr)
			}
			if r = e.Run("", "tok", "get", "https://api.example.org"); r.Code != 1 {
				t.Fatalf("get after delete: exit %d", r.Code)
			}
		})
	}
}

// TestBadInput: each mistake is one line on stderr, a non-zero exit, and no change to the store.
func TestBadInput(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	if r := e.Run("original", "tok", "set", "https://api.example.org"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	cases := []struct {
		name  string
		stdin string
		env   map[string]string
		args  []string
		want  string
	}{
		{"empty secret", "", nil, []string{"set", "https://api.example.org"}, "empty"},
		{"newline-only secret", "\n", nil, []string{"set", "https://api.example.org"}, "empty"},
		{"two lines", "a\nb", nil, []string{"set", "https://api.example.org"}, "line break"},
		{"not a target", "x", nil, []string{"set", "ftp://api.example.org"}, "https"},
		{"userinfo in target", "x", nil, []string{"set", "https://u:p@api.example.org"}, "--username"},
		{"unknown backend", "x", map[string]string{"TOK_BACKEND": "vault9"}, []string{"set", "https://api.example.org"}, "unknown backend"},
		{"wrong passphrase", "x", map[string]string{"TOK_FILE_PASSPHRASE": "nope"}, []string{"set", "https://api.example.org"}, "wrong passphrase"},
		{"wrong passphrase on get", "", map[string]string{"TOK_FILE_PASSPHRASE": "nope"}, []string{"get", "https://api.example.org"}, "wrong passphrase"},
		{"no passphrase", "x", map[string]string{"TOK_FILE_PASSPHRASE": ""}, []string{"set", "https://api.example.org"}, "TOK_FILE_PASSPHRASE"},
		{"bad platform token", "notajwt", nil, []string{"set", "curvenote"}, "--force"},
		{"bad cave token", "ABC", nil, []string{"set", "https://api.example.org", "--platform", "cave"}, "32 lower-case hex"},
		{"unknown platform", "x", nil, []string{"set", "https://api.example.org", "--platform", "nope"}, "unknown platform"},
		{"bad env name", "x", nil, []string{"set", "https://api.example.org", "--env", "1BAD"}, "--env"},
		{"bad expiry", "x", nil, []string{"set", "https://api.example.org", "--expires", "soon"}, "--expires"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := e.With(c.env)
			r := run.Run(c.stdin, "tok", c.args...)
			if r.Code == 0 {
				t.Fatalf("exit 0; stderr %q", r.Stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			if len(lines) != 1 || !strings.Contains(r.Stderr, c.want) {
				t.Fatalf("stderr is not one line naming %q: %q", c.want, r.Stderr)
			}
			if strings.Contains(r.Stderr, "original") || strings.Contains(r.Stderr, "notajwt") {
				t.Fatalf("stderr shows a secret: %q", r.Stderr)
			}
			if got := e.Run("", "tok", "get", "https://api.example.org"); got.Stdout != "original\n" {
				t.Fatalf("the stored token changed: %q %q", got.Stdout, got.Stderr)
			}
		})
	}
}

// TestConcurrentSet runs 32 tok set processes at once, half on one target and half on their
// own, on each real backend that supports concurrent writers; nothing is lost or corrupted.
func TestConcurrentSet(t *testing.T) {
	for name, setup := range backends(t) {
		if name == "pass" {
			continue // pass is slow (gpg per call) and covered by TestSetGetEveryBackend
		}
		t.Run(name, func(t *testing.T) {
			e := setup(t)
			var wg sync.WaitGroup
			results := make([]testenv.Result, 32)
			for i := 0; i < 32; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					target := "https://shared.example.org"
					if i%2 == 1 {
						target = fmt.Sprintf("https://own%d.example.org", i)
					}
					results[i] = e.Run("secret-"+strconv.Itoa(i), "tok", "set", target)
				}(i)
			}
			wg.Wait()
			for i, r := range results {
				if r.Code != 0 {
					t.Errorf("writer %d: exit %d: %s", i, r.Code, r.Stderr)
				}
			}
			for i := 1; i < 32; i += 2 {
				r := e.Run("", "tok", "get", fmt.Sprintf("https://own%d.example.org", i))
				if r.Stdout != fmt.Sprintf("secret-%d\n", i) {
					t.Errorf("own%d: %q %q", i, r.Stdout, r.Stderr)
				}
			}
			r := e.Run("", "tok", "get", "https://shared.example.org")
			n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(r.Stdout), "secret-"))
			if err != nil || n%2 != 0 {
				t.Errorf("shared target holds %q (%s), want one writer's value", r.Stdout, r.Stderr)
			}
			r = e.Run("", "tok", "list", "--json")
			if strings.Count(r.Stdout, `"target"`) != 17 || strings.Contains(r.Stdout, `"error"`) {
				t.Errorf("list after concurrent writes: %s %s", r.Stdout, r.Stderr)
			}
		})
	}
}

// TestNoDBusDaemonLeft: keyring dials D-Bus in its init, and with no session bus old godbus
// runs dbus-launch, leaving a daemon per process. No tok binary may leave one behind.
func TestNoDBusDaemonLeft(t *testing.T) {
	testenv.Require(t, testenv.Have("dbus-launch"), "dbus-launch (apt install dbus-x11), without which this test proves nothing")
	e := testenv.NewEnv(t).FileBackend("pw")
	_, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid()))
	testenv.Require(t, err != nil, "a machine without a user bus at /run/user/UID/bus (with one, no bus would be launched and this test proves nothing)")
	if err == nil {
		return
	}
	before := countProcesses("dbus-daemon")
	for i := 0; i < 10; i++ {
		e.Run("x", "tok", "set", "https://api.example.org")
		e.Run("", "tok", "get", "https://api.example.org")
		e.Run("", "tok", "version")
		e.Run("protocol=https\nhost=api.example.org\n", "git-credential-tok", "get")
		e.Run("api.example.org", "docker-credential-tok", "get")
	}
	time.Sleep(200 * time.Millisecond)
	if after := countProcesses("dbus-daemon"); after > before {
		t.Fatalf("%d dbus-daemon processes before, %d after 50 tok runs", before, after)
	}
}

func countProcesses(name string) int {
	n := 0
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", d.Name(), "comm"))
		if err == nil && strings.TrimSpace(string(comm)) == name {
			n++
		}
	}
	return n
}

// TestSecretServiceProblems: a locked or missing login keyring, and a provider that never
// answers, each give a clear error in seconds, never a hang.
func TestSecretServiceProblems(t *testing.T) {
	t.Run("no login keyring", func(t *testing.T) {
		e := testenv.NewEnv(t)
		e.GnomeKeyring(false)
		e.Vars["TOK_BACKEND"] = "secret-service"
		r := e.Run("x", "tok", "set", "https://api.example.org")
		if r.Code == 0 || !strings.Contains(r.Stderr, "login keyring") {
			t.Fatalf("exit %d: %q", r.Code, r.Stderr)
		}
		// A read finds nothing there either, and says why rather than "not found".
		r = e.Run("", "tok", "get", "https://api.example.org")
		if r.Code == 0 || !strings.Contains(r.Stderr, "login keyring") {
			t.Fatalf("tok get: exit %d: %q", r.Code, r.Stderr)
		}
	})
	t.Run("locked login keyring", func(t *testing.T) {
		testenv.Require(t, testenv.Have("dbus-send"), "dbus-send (apt install dbus)")
		e := testenv.NewEnv(t)
		e.GnomeKeyring(true)
		e.Vars["TOK_BACKEND"] = "secret-service"
		if r := e.Run("the-token", "tok", "set", "reg.example.org", "--registry"); r.Code != 0 {
			t.Fatalf("set: exit %d: %s", r.Code, r.Stderr)
		}
		// Locking needs no prompt (unlocking would).
		if r := e.Run("", "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
			"org.freedesktop.Secret.Service.Lock", "array:objpath:/org/freedesktop/secrets/collection/login"); r.Code != 0 {
			t.Fatalf("locking the login keyring: %s", r.Stderr)
		}
		r := e.Run("", "tok", "get", "reg.example.org")
		if r.Code == 0 || !strings.Contains(r.Stderr, "locked") || strings.Contains(r.Stdout+r.Stderr, "the-token") {
			t.Fatalf("tok get on a locked keyring: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		r = e.Run("reg.example.org", "docker-credential-tok", "get")
		if r.Code != 1 || !strings.Contains(r.Stdout, "locked") || strings.Contains(r.Stdout, "credentials not found") {
			t.Fatalf("docker-credential-tok get on a locked keyring: exit %d, stdout %q", r.Code, r.Stdout)
		}
	})
	t.Run("hung provider", func(t *testing.T) {
		e := testenv.NewEnv(t)
		e.SessionBus()
		stop := hangSecretService(t, e.Vars["DBUS_SESSION_BUS_ADDRESS"])
		defer stop()
		e.Vars["TOK_BACKEND"] = "secret-service"
		e.Vars["TOK_TIMEOUT"] = "2s"
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		start := time.Now()
		cmd := e.Command(ctx, "tok", "get", "https://api.example.org")
		out, _ := cmd.CombinedOutput()
		elapsed := time.Since(start)
		if cmd.ProcessState.ExitCode() == 0 || !strings.Contains(string(out), "did not answer in time") {
			t.Fatalf("exit %d after %s: %q", cmd.ProcessState.ExitCode(), elapsed, out)
		}
		if elapsed > 10*time.Second {
			t.Fatalf("took %s with a 2s deadline", elapsed)
		}
		// git's helper uses its own 3 s deadline, and lets git fall back to its prompt: one
		// line on stderr, exit 0, no answer.
		delete(e.Vars, "TOK_TIMEOUT")
		start = time.Now()
		r := e.Run("protocol=https\nhost=api.example.org\n", "git-credential-tok", "get")
		if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "did not answer in time") || strings.Count(r.Stderr, "\n") != 1 {
			t.Fatalf("git-credential-tok get on a hung keychain: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Fatalf("git-credential-tok took %s", elapsed)
		}
	})
}
