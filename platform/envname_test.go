package platform

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckEnvName(t *testing.T) {
	for _, c := range []struct {
		name  string
		allow []string
		want  string // "" ok, "invalid", "risky"
	}{
		{"CURVENOTE_TOKEN", nil, ""},
		{"GITHUB_TOKEN", nil, ""}, // GITHUB_ is not GIT_
		{"GITLAB_TOKEN", nil, ""},
		{"_private", nil, ""},
		{"MY_PATH", nil, ""},
		{"X=1;touch /tmp/pwned", nil, "invalid"},
		{"X=1;touch /tmp/pwned", []string{"X=1;touch /tmp/pwned"}, "invalid"}, // never, even asked
		{"1X", nil, "invalid"},
		{"", nil, "invalid"},
		{"A-B", nil, "invalid"},
		{"A B", nil, "invalid"},
		{"TÖK", nil, "invalid"},
		{"X\n", nil, "invalid"},
		{"LD_PRELOAD", nil, "risky"},
		{"ld_preload", nil, "risky"}, // Windows' names ignore case
		{"LD_LIBRARY_PATH", nil, "risky"},
		{"DYLD_INSERT_LIBRARIES", nil, "risky"},
		{"PATH", nil, "risky"},
		{"Path", nil, "risky"},
		{"BASH_ENV", nil, "risky"},
		{"ENV", nil, "risky"},
		{"IFS", nil, "risky"},
		{"HOME", nil, "risky"},
		{"PYTHONPATH", nil, "risky"},
		{"PYTHONSTARTUP", nil, "risky"},
		{"PYTHONHOME", nil, "risky"},
		{"NODE_OPTIONS", nil, "risky"},
		{"NODE_PATH", nil, "risky"},
		{"PERL5LIB", nil, "risky"},
		{"PERL5OPT", nil, "risky"},
		{"RUBYOPT", nil, "risky"},
		{"RUBYLIB", nil, "risky"},
		{"GIT_SSH_COMMAND", nil, "risky"},
		{"GIT_CONFIG_PARAMETERS", nil, "risky"},
		{"JAVA_TOOL_OPTIONS", nil, "risky"},
		{"TOK_FILE_PASSPHRASE", nil, "risky"},
		{"XDG_CONFIG_HOME", nil, "risky"},
		{"LD_PRELOAD", []string{"LD_PRELOAD"}, ""},
		{"LD_PRELOAD", []string{"PATH"}, "risky"},
		{"LD_PRELOAD", []string{"LD_"}, "risky"},
	} {
		err := CheckEnvName(c.name, c.allow)
		got := ""
		switch {
		case err == nil:
		case errors.Is(err, ErrRiskyEnv):
			got = "risky"
		default:
			got = "invalid"
		}
		if got != c.want {
			t.Errorf("CheckEnvName(%q, %q) = %v; want %s", c.name, c.allow, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), strings.TrimSpace(c.name))) {
			t.Errorf("CheckEnvName(%q): the error does not name the variable on one line: %q", c.name, err)
		}
	}
}

// The config file's platforms pass the same rule: token and domain variables.
func TestRegistryAddChecksEnvNames(t *testing.T) {
	for _, p := range []Platform{
		{Name: "mine", TokenEnv: []string{"MINE_TOKEN", "LD_PRELOAD"}},
		{Name: "mine", TokenEnv: []string{"X=1;id"}},
		{Name: "mine", TokenEnv: []string{"MINE_TOKEN"}, DomainEnv: "PATH"},
		{Name: "codeocean", TokenEnv: []string{"NODE_OPTIONS"}},
	} {
		if err := Builtin().Add(p); err == nil {
			t.Errorf("Add(%v %v %q) accepted", p.Name, p.TokenEnv, p.DomainEnv)
		}
	}
	if err := Builtin().Add(Platform{Name: "mine", TokenEnv: []string{"MINE_TOKEN"}, DomainEnv: "MINE_URL"}); err != nil {
		t.Fatal(err)
	}
}
