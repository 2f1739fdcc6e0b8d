package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tok-dev/tok/keychain"
)

// plant stores rec at target directly, as a record planted in a synced vault or written by an
// older tok would be: tok set's checks are not in the way.
func (h *harness) plant(target string, rec keychain.Record) {
	h.t.Helper()
	t, err := keychain.ParseTarget(target)
	if err != nil {
		h.t.Fatal(err)
	}
	if rec.Source == "" {
		rec.Source = keychain.SourceSet
	}
	if err := h.store.Put(t, rec); err != nil {
		h.t.Fatal(err)
	}
}

func TestSetAndLoginRefuseEnvNames(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"login", "https://127.0.0.1:1", "--username", "u", "--password-stdin", "--env", "X=1;touch /tmp/pwned"}, `"X=1;touch /tmp/pwned" is not an environment variable name`},
		{[]string{"login", "https://127.0.0.1:1", "--username", "u", "--password-stdin", "--env", "LD_PRELOAD"}, "LD_PRELOAD changes how programs load code"},
		{[]string{"set", "https://api.example.org", "--env", "X=1;touch /tmp/pwned"}, "is not an environment variable name"},
		{[]string{"set", "https://api.example.org", "--env", "OK_TOKEN", "--env", "PATH"}, "--allow-env PATH"},
		{[]string{"set", "https://api.example.org", "--env", "BASH_ENV", "--allow-env", "LD_PRELOAD"}, "BASH_ENV changes how programs load code"},
		{[]string{"set", "https://api.example.org", "--env", "X;id", "--allow-env", "X;id"}, "is not an environment variable name"},
	} {
		// The login server is a closed port: a refusal must come before any request.
		r := h.run("pw-or-token\n", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "pw-or-token") {
			t.Errorf("tok %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
	if entries, _ := h.store.List(); len(entries) != 0 {
		t.Fatalf("a refused name stored a record: %v", entries)
	}
	h.must("tok-1", "set", "https://api.example.org", "--env", "LD_PRELOAD", "--allow-env", "LD_PRELOAD")
	if rec, err := h.store.Lookup(mustRequest(t, "https://api.example.org")); err != nil || len(rec.Env) != 1 || rec.Env[0] != "LD_PRELOAD" {
		t.Fatalf("--allow-env: %v %v", rec.Env, err)
	}
}

// eval "$(tok env)" with a planted record cannot run a command, and a loader variable in a
// record is not set unless the run asks for it.
func TestEnvSkipsPlantedNames(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	h.plant("https://evil.example.org", keychain.Record{Secret: "s3cret", Env: []string{"X=1;touch " + pwned + ";Y", "GOOD_TOKEN", "LD_PRELOAD", "BASH_ENV"}})
	r := h.run("", "env", "--only", "https://evil.example.org")
	if r.code != 0 {
		t.Fatalf("tok env: exit %d: %s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out")
	sh := exec.Command("sh", "-c", `eval "$TOK_ENV_OUTPUT"; printf '%s|%s|%s' "$GOOD_TOKEN" "${LD_PRELOAD-unset}" "${BASH_ENV-unset}" > "$OUT"`)
	sh.Env = append(os.Environ(), "TOK_ENV_OUTPUT="+r.stdout, "OUT="+out)
	sh.Env = without(sh.Env, "LD_PRELOAD", "BASH_ENV")
	if b, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("eval: %v %s", err, b)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatalf("eval \"$(tok env)\" ran a command from a record's variable name; output was %q", r.stdout)
	}
	if got, _ := os.ReadFile(out); string(got) != "s3cret|unset|unset" {
		t.Fatalf("after eval: %q (tok env printed %q)", got, r.stdout)
	}
	for _, want := range []string{"is not an environment variable name", "LD_PRELOAD changes how programs load code", "--allow-env LD_PRELOAD", "BASH_ENV changes"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q does not say %q", r.stderr, want)
		}
	}
	if strings.Contains(r.stderr, "s3cret") || strings.Count(r.stderr, "\n") != 3 {
		t.Errorf("want one line per skipped name, no secret: %q", r.stderr)
	}
	r = h.must("", "env", "--only", "https://evil.example.org", "--allow-env", "LD_PRELOAD")
	if !strings.Contains(r.stdout, "export LD_PRELOAD='s3cret'") || strings.Contains(r.stdout, "BASH_ENV") {
		t.Fatalf("--allow-env LD_PRELOAD: %q", r.stdout)
	}
}

func without(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, n := range names {
			keep = keep && k != n
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}
