package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompleteGet: tok get <TAB> offers the platform names (from the config too), a word
// starting with "-" the flags, and nothing after the target.
func TestCompleteGet(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"} {
		t.Setenv(v, dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tok"), 0o700); err != nil {
		t.Fatal(err)
	}
	config := `{"platforms": [{"name": "skills", "hosts": ["api.skills.example.org"], "env": ["SKILLS_TOKEN"], "auth": "bearer"}]}`
	if err := os.WriteFile(filepath.Join(dir, "tok", "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "get", ""}, "cave\ncodeocean\ncurvenote\njwt\nskills\n"},
		{[]string{"__complete", "get", "-"}, "--username\n-u\n--help\n"},
		{[]string{"__complete", "get", "curvenote", ""}, ""},
	} {
		var out, errw bytes.Buffer
		code := Main(c.args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errw})
		if code != 0 || out.String() != c.want || errw.Len() != 0 {
			t.Errorf("tok %s: exit %d, stdout %q (want %q), stderr %q", strings.Join(c.args, " "), code, out.String(), c.want, errw.String())
		}
	}
}

// TestVersionFlag: tok --version and -v print what tok version prints.
func TestVersionFlag(t *testing.T) {
	var want bytes.Buffer
	if Main([]string{"version"}, IO{Stdin: strings.NewReader(""), Stdout: &want, Stderr: &want}) != 0 || !strings.HasPrefix(want.String(), "tok dev (") {
		t.Fatalf("tok version: %q", want.String())
	}
	for _, arg := range []string{"--version", "-v"} {
		var out, errw bytes.Buffer
		if code := Main([]string{arg}, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errw}); code != 0 || out.String() != want.String() || errw.Len() != 0 {
			t.Errorf("tok %s: exit %d, stdout %q, stderr %q; want %q", arg, code, out.String(), errw.String(), want.String())
		}
	}
}
