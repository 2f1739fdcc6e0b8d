package helper

import "testing"

func TestRegistryTarget(t *testing.T) {
	same := map[string][]string{
		"https://index.docker.io":      {"https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io", "HTTPS://Index.Docker.IO/v1/"},
		"https://reg.example.org:5000": {"reg.example.org:5000", "https://reg.example.org:5000/v2/", "REG.example.org:5000", "reg.example.org:5000/team/app"},
		"https://reg.example.org":      {"reg.example.org", "https://reg.example.org:443", "reg.example.org.", "https://reg.example.org/some/path"},
	}
	for want, spellings := range same {
		for _, s := range spellings {
			got, err := RegistryTarget(s)
			if err != nil || got.String() != want {
				t.Errorf("RegistryTarget(%q) = %s, %v; want %s", s, got, err, want)
			}
		}
	}
	for _, bad := range []string{"", "  ", "https://u:p@reg.example.org", "ftp://reg.example.org"} {
		if got, err := RegistryTarget(bad); err == nil {
			t.Errorf("RegistryTarget(%q) = %s, want an error", bad, got)
		}
	}
}
