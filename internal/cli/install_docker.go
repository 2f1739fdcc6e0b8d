package cli

import (
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/tok-dev/tok/install"
	"github.com/tok-dev/tok/internal/dockerconfig"
	"github.com/tok-dev/tok/keychain"
)

// dockerConfigKey is the key docker looks a registry up by in credHelpers.
func dockerConfigKey(registry string) (string, error) {
	if err := refuseTokenArg(registry, nil); err != nil {
		return "", err
	}
	t, err := keychain.RegistryTarget(registry)
	if err != nil {
		if strings.Contains(registry, "@") {
			registry = "a registry with a user name or password" // never repeat a password
		} else {
			registry = fmt.Sprintf("%q", registry)
		}
		return "", usageError("%s is not a registry: %v", registry, err)
	}
	t.Path = "" // credHelpers keys are registries
	return keychain.RegistryServer(t), nil
}

func dockerEditor() (install.Docker, error) {
	path, err := dockerconfig.DefaultPath()
	return install.Docker{Path: path}, err
}

func installDockerCommand(stdio IO) *ucli.Command {
	return &ucli.Command{
		Name:      "docker",
		Usage:     "make docker (and podman, skopeo, crane) ask tok: for every registry, or for REGISTRYs",
		ArgsUsage: "[REGISTRY...]",
		Description: `With no REGISTRY, sets credsStore in $DOCKER_CONFIG/config.json (default
~/.docker/config.json): every registry's credentials go through tok, including a later docker
login to a registry tok does not hold yet (as Docker Desktop does with its own helper). With
REGISTRYs, adds a credHelpers entry for each instead, and other registries stay as they are.
Every other byte is kept; the write is atomic, keeps the file's mode (0600 for a new file),
edits the file a symlinked config.json points to, and backs up the previous file
(config.json.tok-backup). Running it twice changes nothing.

Examples:
   tok install docker                              # every registry
   tok install docker ghcr.io registry.example.org:5000`,
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "default", Hidden: true, Usage: "set credsStore (what no REGISTRY does); kept for scripts"}},
		Action: func(c *ucli.Context) error {
			var keys []string
			for _, r := range c.Args().Slice() {
				k, err := dockerConfigKey(r)
				if err != nil {
					return err
				}
				keys = append(keys, k)
			}
			d, err := dockerEditor()
			if err != nil {
				return err
			}
			// No registry named: credsStore, so every registry, now and later, goes through tok.
			n, err := d.Install(keys, len(keys) == 0 || c.Bool("default"))
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
