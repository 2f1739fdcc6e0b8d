package keychain

import "testing"

func TestRegistryTarget(t *testing.T) {
	same := map[string][]string{
		"https://index.docker.io":      {"https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io", "HTTPS://Index.Docker.IO/v1/"},
		"https://reg.example.org:5000": {"reg.example.org:5000", "https://reg.example.org:5000/v2/", "REG.example.org:5000", "https://reg.example.org:5000/v1"},
		"https://reg.example.org":      {"reg.example.org", "https://reg.example.org:443", "reg.example.org.", "https://reg.example.org/v2"},
		// Docker Hub's OAuth keys (docker/cli's oauth manager) are their own credentials.
		"https://index.docker.io/v1/access-token":  {"https://index.docker.io/v1/access-token", "docker.io/v1/access-token", "https://registry-1.docker.io/v1/access-token/"},
		"https://index.docker.io/v1/refresh-token": {"https://index.docker.io/v1/refresh-token"},
		"https://reg.example.org/team/app":         {"reg.example.org/team/app", "https://REG.example.org/team/app/"},
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

func TestRegistryServer(t *testing.T) {
	for in, want := range map[string]string{
		"docker.io":                               DockerHubServer,
		"https://index.docker.io/v1/":             DockerHubServer,
		"reg.example.org:5000/v2/":                "reg.example.org:5000",
		"reg.example.org:5000/team":               "reg.example.org:5000/team",
		"https://index.docker.io/v1/access-token": "https://index.docker.io/v1/access-token",
		"https://reg.example.org:443/":            "reg.example.org",
	} {
		tg, err := RegistryTarget(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RegistryServer(tg); got != want {
			t.Errorf("RegistryServer(RegistryTarget(%q)) = %q, want %q", in, got, want)
		}
	}
}
