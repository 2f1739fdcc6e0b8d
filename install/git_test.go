package install

import (
	"slices"
	"testing"
)

func TestConfigHelpersAsGitBuildsThem(t *testing.T) {
	c := Config{entries: [][2]string{
		{"credential.helper", "/opt/tok/bin/git-credential-tok"},
		{"credential.helper", "store"},
		{"credential.https://only.example.org.helper", ""},
		{"credential.https://only.example.org.helper", "cache"},
		{"credential.https://*.wild.example.org.helper", "wild"},
		{"credential.https://p.example.org/team.helper", "team"},
		{"credential.p.example.org:8443.helper", "anyscheme"},
	}}
	for _, tc := range []struct {
		url  string
		want []string
	}{
		{"https://a.example.org", []string{"/opt/tok/bin/git-credential-tok", "store"}},
		{"https://only.example.org/x", []string{"cache"}},                                                 // the reset drops tok
		{"http://only.example.org", []string{"/opt/tok/bin/git-credential-tok", "store"}},                 // another scheme
		{"https://only.example.org:444", []string{"/opt/tok/bin/git-credential-tok", "store"}},            // another port
		{"https://a.wild.example.org", []string{"/opt/tok/bin/git-credential-tok", "store", "wild"}},      // * is one label
		{"https://a.b.wild.example.org", []string{"/opt/tok/bin/git-credential-tok", "store"}},            // never two
		{"https://p.example.org/team/repo", []string{"/opt/tok/bin/git-credential-tok", "store", "team"}}, // path prefix
		{"https://p.example.org/teammate", []string{"/opt/tok/bin/git-credential-tok", "store"}},          // on / only
		{"http://p.example.org:8443", []string{"/opt/tok/bin/git-credential-tok", "store", "anyscheme"}},
	} {
		if got := c.Helpers(tc.url); !slices.Equal(got, tc.want) {
			t.Errorf("Helpers(%s) = %q, want %q", tc.url, got, tc.want)
		}
	}
	if c.Asks("https://only.example.org") || !c.Asks("https://a.example.org") {
		t.Error("Asks disagrees with Helpers")
	}
}

func TestHelperValueAndPath(t *testing.T) {
	for _, tc := range []struct{ path, value string }{
		{"/usr/bin/git-credential-tok", "/usr/bin/git-credential-tok"},
		{"/home/a b/bin/git-credential-tok", `!'/home/a b/bin/git-credential-tok'`},
		{"/home/o'b/git-credential-tok", `!'/home/o'\''b/git-credential-tok'`},
	} {
		if v := HelperValue(tc.path); v != tc.value {
			t.Errorf("HelperValue(%q) = %q, want %q", tc.path, v, tc.value)
		}
		if p := HelperPath(tc.value); p != tc.path {
			t.Errorf("HelperPath(%q) = %q, want %q", tc.value, p, tc.path)
		}
		if !isTokHelper(tc.value) {
			t.Errorf("%q is not recognised as tok's", tc.value)
		}
	}
	for _, v := range []string{"tok", "store", "cache --timeout=1", "/usr/bin/git-credential-manager"} {
		if HelperPath(v) != "" {
			t.Errorf("HelperPath(%q) names a path", v)
		}
	}
	c := Config{entries: [][2]string{{"credential.helper", "/gone/git-credential-tok"}, {"credential.https://x.org.helper", "/here/git-credential-tok"}, {"credential.helper", "tok"}}}
	if got := c.MissingHelpers(func(p string) bool { return p == "/here/git-credential-tok" }); !slices.Equal(got, []string{"/gone/git-credential-tok"}) {
		t.Errorf("MissingHelpers = %q", got)
	}
}
