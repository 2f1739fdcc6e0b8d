package cli

import (
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/install"
	"github.com/tok-dev/tok/keychain"
)

// dockerConfigKey is the key docker looks a registry up by in credHelpers.
func dockerConfigKey(registry string) (string, error) {
	t, err := keychain.RegistryTarget(registry)
	if err != nil {
		if strings.Contains(registry, "@") {
			registry = "a registry with a user name or password" // never repeat a password
		} else {
			registry = fmt.Sprintf("%q", registry)
		}
		return "", usageError("%s is not a registry: %v", registry, err)
	}
	return keychain.RegistryServer(t), nil
}

func dockerEditor() (install.Docker, error) {
	path, err := install.DockerConfigPath()
	return install.Docker{Path: path}, err
}

func installDockerCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "docker",
		Usage:     "make docker (and podman, skopeo, crane) ask tok for REGISTRYs",
		ArgsUsage: "[REGISTRY...]",
		Description: `Adds credHelpers entries to $DOCKER_CONFIG/config.json (default ~/.docker/config.json);
--default sets credsStore instead, so tok answers for every registry. With no REGISTRY and no
--default, every registry tok holds. Other fields are kept; the write is atomic, 0600, with a
backup of the previous file (config.json.tok-backup). Running it twice changes nothing.

Examples:
   tok install docker ghcr.io registry.example.org:5000
   tok install docker docker.io
   tok install docker --default`,
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "default", Usage: "set credsStore: tok answers for every registry"}},
		Action: func(c *ucli.Context) error {
			var keys []string
			for _, r := range c.Args().Slice() {
				k, err := dockerConfigKey(r)
				if err != nil {
					return err
				}
				keys = append(keys, k)
			}
			if len(keys) == 0 && !c.Bool("default") {
				_, _, entries, err := stdio.listStore()
				if err != nil {
					return err
				}
				for _, e := range entries {
					if e.Err == nil && e.Record.Registry {
						k, err := dockerConfigKey(e.Target.HostPort())
						if err != nil {
							return err
						}
						keys = append(keys, k)
					}
				}
				if len(keys) == 0 {
					return usageError("tok holds no registry credentials yet: name the registries (tok install docker ghcr.io), or use --default")
				}
			}
			d, err := dockerEditor()
			if err != nil {
				return err
			}
			n, err := d.Install(keys, c.Bool("default"))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stderr, "%s: %d entr%s changed.\n", d.Path, n, plural(n, "y", "ies"))
			return nil
		},
	}
}

func uninstallDockerCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:        "docker",
		Usage:       "remove tok from docker's config.json (credHelpers entries and credsStore naming tok)",
		Description: "Example:\n   tok uninstall docker",
		Action: func(c *ucli.Context) error {
			d, err := dockerEditor()
			if err != nil {
				return err
			}
			removed, err := d.Uninstall()
			if err != nil {
				return err
			}
			if len(removed) == 0 {
				fmt.Fprintf(stdio.Stderr, "%s does not name tok; nothing changed.\n", d.Path)
				return nil
			}
			fmt.Fprintf(stdio.Stderr, "Removed from %s: %s.\n", d.Path, strings.Join(removed, ", "))
			return nil
		},
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
