package keychain

import (
	"errors"
	"strings"
)

// DockerHubServer is Docker Hub's server URL as the docker CLI spells it.
const DockerHubServer = "https://index.docker.io/v1/"

// dockerHubHost is the host every spelling of Docker Hub is stored under.
const dockerHubHost = "index.docker.io"

// RegistryTarget is the record a docker server URL names: the registry host and port. Every
// spelling of one registry (Docker Hub's https://index.docker.io/v1/, host, host:port,
// https://host/path, upper case) is one target; different hosts or ports never share one.
func RegistryTarget(server string) (Target, error) {
	server = strings.TrimSpace(server)
	if server == "" {
		return Target{}, errors.New("no credentials server URL")
	}
	t, err := ParseRequest(server)
	if err != nil {
		return t, err
	}
	t.Path, t.Username = "", ""
	switch t.Host {
	case "docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		t.Host = dockerHubHost
	}
	return t, nil
}

// RegistryServer is how docker spells the registry t names, as a key of config.json's
// credHelpers and in a helper's list: Docker Hub's URL, else host[:port].
func RegistryServer(t Target) string {
	if t.Host == dockerHubHost {
		return DockerHubServer
	}
	return t.HostPort()
}
