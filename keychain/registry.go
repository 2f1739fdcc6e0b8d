package keychain

import (
	"errors"
	"strings"
)

// DockerHubServer is Docker Hub's server URL as the docker CLI spells it.
const DockerHubServer = "https://index.docker.io/v1/"

// dockerHubHost is the host every spelling of Docker Hub is stored under.
const dockerHubHost = "index.docker.io"

// RegistryTarget is the record a docker server URL names. Spellings of one registry are one
// target: scheme or none, case, a trailing slash or dot, the default port, the registry API
// paths /v1/ and /v2/, and Docker Hub's aliases (docker.io, registry-1.docker.io,
// registry.hub.docker.com). Any other path is part of the key: the docker CLI keeps Docker
// Hub's OAuth tokens beside its password under https://index.docker.io/v1/access-token and
// .../v1/refresh-token, and those are three credentials, never one.
func RegistryTarget(server string) (Target, error) {
	server = strings.TrimSpace(server)
	if server == "" {
		return Target{}, errors.New("no credentials server URL")
	}
	t, err := ParseRequest(server)
	if err != nil {
		return t, err
	}
	t.Username = ""
	if t.Path == "/v1" || t.Path == "/v2" {
		t.Path = ""
	}
	switch t.Host {
	case "docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		t.Host = dockerHubHost
	}
	return t, nil
}

// RegistryServer is how docker spells the registry t names, as a key of config.json's
// credHelpers and in a helper's list: Docker Hub's URL, else host[:port]; a path that is part
// of the key follows (Docker Hub's under /v1/, as the docker CLI writes it).
func RegistryServer(t Target) string {
	if t.Host == dockerHubHost {
		if t.Path != "" {
			return "https://" + dockerHubHost + t.Path
		}
		return DockerHubServer
	}
	return t.HostPort() + t.Path
}
