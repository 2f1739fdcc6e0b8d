package cli

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/tok-dev/tok/internal/testenv"
)

// A value with every character a shell or file format treats specially.
const nasty = `a'b"c$d` + "`e\\f g"

func TestEnvFormats(t *testing.T) {
	h := newHarness(t)
	h.must(nasty, "set", "https://api.example.org", "--env", "EX_TOKEN")
	for format, want := range map[string]string{
		"sh":         `export EX_TOKEN='a'\''b"c$d` + "`e\\f g'\n",
		"fish":       `set -gx EX_TOKEN 'a\'b"c$d` + "`e\\\\f g'\n",
		"powershell": `$env:EX_TOKEN = 'a''b"c$d` + "`e\\f g'\n",
		"dotenv":     "EX_TOKEN='a\\'b\"c$d`e\\\\f g'\n", // as python-dotenv reads it (TestEnvFormatDotenv)
	} {
		r := h.must("", "env", "--format", format)
		if r.stdout != want {
			t.Errorf("%s: %q, want %q", format, r.stdout, want)
		}
	}
	if r := h.must("", "env"); !strings.HasPrefix(r.stdout, "export EX_TOKEN=") {
		t.Fatalf("default format: %q", r.stdout)
	}
	r := h.must("", "env", "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil || vars["EX_TOKEN"] != nasty || len(vars) != 1 {
		t.Fatalf("json: %q %v", r.stdout, err)
	}
}

// The sh format reads back exactly in sh itself.
func TestEnvShReadsBack(t *testing.T) {
	sh, err := exec.LookPath("sh")
	testenv.Require(t, err == nil, "sh")
	if err != nil {
		return
	}
	h := newHarness(t)
	h.must(nasty, "set", "https://api.example.org", "--env", "EX_TOKEN")
	script := h.must("", "env").stdout + `printf %s "$EX_TOKEN"`
	out, err := exec.Command(sh, "-c", script).Output()
	if err != nil || string(out) != nasty {
		t.Fatalf("sh read %q (%v), want %q", out, err, nasty)
	}
}

func TestEnvOnly(t *testing.T) {
	h := newHarness(t)
	h.must("cop_abcdefghijk", "set", "https://acme.codeocean.com")
	h.must("ex", "set", "https://api.example.org", "--env", "EX_TOKEN")
	r := h.must("", "env", "--only", "codeocean", "--format", "json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil {
		t.Fatal(err)
	}
	if vars["CODEOCEAN_TOKEN"] != "cop_abcdefghijk" || vars["CODEOCEAN_DOMAIN"] != "https://acme.codeocean.com" || vars["EX_TOKEN"] != "" {
		t.Fatalf("vars %v", vars)
	}
}

func TestEnvErrors(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"env", "--format", "csh"}, 2, `--format "csh": choose sh, fish, powershell, dotenv or json`},
		{[]string{"env", "--only", "cave"}, 1, "no cave token is stored; add one with: tok set cave"},
		{[]string{"env", "--only", "https://none.example.org"}, 1, "no credential found for https://none.example.org"},
	} {
		r := h.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("tok %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.want)
		}
	}
}
