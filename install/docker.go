package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/tok-dev/tok/internal/atomicfile"
)

// DockerHelperName is what config.json names: docker runs docker-credential-tok.
const DockerHelperName = "tok"

// DockerConfigPath is $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
func DockerConfigPath() (string, error) {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding docker's config: %w (set DOCKER_CONFIG)", err)
	}
	return filepath.Join(home, ".docker", "config.json"), nil
}

// Docker edits docker's config.json. Every field it does not touch, known to it or not,
// survives with its meaning; writes are atomic (temp file and rename), 0600, and keep a
// backup of the previous file beside it.
type Docker struct {
	Path string
}

// BackupSuffix names the copy of the previous config.json.
const BackupSuffix = ".tok-backup"

func (d Docker) load() (map[string]json.RawMessage, []byte, error) {
	data, err := os.ReadFile(d.Path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]json.RawMessage{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	cfg := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &cfg); err != nil {
			return nil, nil, fmt.Errorf("%s is not valid JSON (%v); left untouched: fix it, or move it away and run again", d.Path, err)
		}
	}
	return cfg, data, nil
}

func (d Docker) save(cfg map[string]json.RawMessage, old []byte) error {
	data, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := os.MkdirAll(filepath.Dir(d.Path), 0o700); err != nil {
		return err
	}
	if old != nil {
		if err := atomicfile.Write(d.Path+BackupSuffix, old, 0o600); err != nil {
			return fmt.Errorf("backing up %s: %w", d.Path, err)
		}
	}
	return atomicfile.Write(d.Path, data, 0o600)
}

func helpersOf(cfg map[string]json.RawMessage) (map[string]string, error) {
	helpers := map[string]string{}
	if raw, ok := cfg["credHelpers"]; ok {
		if err := json.Unmarshal(raw, &helpers); err != nil {
			return nil, fmt.Errorf("credHelpers in docker's config is not an object of strings: %v", err)
		}
	}
	return helpers, nil
}

func setField(cfg map[string]json.RawMessage, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	cfg[key] = raw
	return nil
}

// Install names tok in credHelpers for each registry, or, with asDefault, in credsStore. It
// returns how many entries changed; with none, the file is not written.
func (d Docker) Install(registries []string, asDefault bool) (int, error) {
	cfg, old, err := d.load()
	if err != nil {
		return 0, err
	}
	changed := 0
	if asDefault {
		var current string
		_ = json.Unmarshal(cfg["credsStore"], &current)
		if current != DockerHelperName {
			if err := setField(cfg, "credsStore", DockerHelperName); err != nil {
				return 0, err
			}
			changed++
		}
	}
	if len(registries) > 0 {
		helpers, err := helpersOf(cfg)
		if err != nil {
			return 0, err
		}
		for _, r := range registries {
			if helpers[r] != DockerHelperName {
				helpers[r] = DockerHelperName
				changed++
			}
		}
		if err := setField(cfg, "credHelpers", helpers); err != nil {
			return 0, err
		}
	}
	if changed == 0 {
		return 0, nil
	}
	return changed, d.save(cfg, old)
}

// Uninstall removes every credHelpers entry naming tok, and credsStore if it names tok.
// It returns what it removed.
func (d Docker) Uninstall() ([]string, error) {
	cfg, old, err := d.load()
	if err != nil || old == nil {
		return nil, err
	}
	var removed []string
	var store string
	if json.Unmarshal(cfg["credsStore"], &store) == nil && store == DockerHelperName {
		delete(cfg, "credsStore")
		removed = append(removed, "credsStore")
	}
	if _, ok := cfg["credHelpers"]; ok {
		helpers, err := helpersOf(cfg)
		if err != nil {
			return nil, err
		}
		for r, h := range helpers {
			if h == DockerHelperName {
				delete(helpers, r)
				removed = append(removed, "credHelpers "+r)
			}
		}
		if len(helpers) == 0 {
			delete(cfg, "credHelpers")
		} else if err := setField(cfg, "credHelpers", helpers); err != nil {
			return nil, err
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	sort.Strings(removed)
	return removed, d.save(cfg, old)
}
