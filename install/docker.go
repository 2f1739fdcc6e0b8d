package install

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tok-dev/tok/internal/atomicfile"
	"github.com/tok-dev/tok/internal/dockerconfig"
)

// DockerHelperName is what config.json names: docker runs docker-credential-tok.
const DockerHelperName = "tok"

// Docker edits docker's config.json (found by dockerconfig.DefaultPath) as dockerconfig does:
// only the members tok names change, every other byte stays. Writes are atomic and go to the
// file a symlinked config.json points to, keeping its mode (0600 for a new file), with a backup
// of the previous contents beside the path (config.json.tok-backup).
type Docker struct {
	Path string
}

// BackupSuffix names the copy of the previous config.json.
const BackupSuffix = ".tok-backup"

func (d Docker) load() ([]byte, error) {
	data, err := os.ReadFile(d.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

func (d Docker) fail(err error) error {
	return fmt.Errorf("%s %v; left untouched: fix it, or move it away and run again", d.Path, err)
}

func (d Docker) save(data, old []byte) error {
	if old == nil {
		path := d.Path
		if dest, err := os.Readlink(d.Path); err == nil { // a link to a file not made yet: make it there
			if !filepath.IsAbs(dest) {
				dest = filepath.Join(filepath.Dir(d.Path), dest)
			}
			path = dest
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		return atomicfile.Write(path, data, 0o600)
	}
	if err := atomicfile.Write(d.Path+BackupSuffix, old, 0o600); err != nil {
		return fmt.Errorf("backing up %s: %w", d.Path, err)
	}
	_, err := atomicfile.Edit(d.Path, data)
	return err
}

// Install names tok in credHelpers for each registry, or, with asDefault, in credsStore. It
// returns how many entries changed; with none, the file is not written.
func (d Docker) Install(registries []string, asDefault bool) (int, error) {
	old, err := d.load()
	if err != nil {
		return 0, err
	}
	data, changed := old, 0
	if asDefault {
		var c bool
		if data, c, err = dockerconfig.SetCredsStore(data, DockerHelperName); err != nil {
			return 0, d.fail(err)
		}
		if c {
			changed++
		}
	}
	for _, r := range registries {
		var c bool
		if data, c, err = dockerconfig.SetCredHelper(data, r, DockerHelperName); err != nil {
			return 0, d.fail(err)
		}
		if c {
			changed++
		}
	}
	if changed == 0 {
		return 0, nil
	}
	return changed, d.save(data, old)
}

// Uninstall removes every credHelpers entry naming tok, and credsStore if it names tok.
// It returns what it removed.
func (d Docker) Uninstall() ([]string, error) {
	old, err := d.load()
	if err != nil || old == nil {
		return nil, err
	}
	data, removed, err := dockerconfig.RemoveHelper(old, DockerHelperName)
	if err != nil {
		return nil, d.fail(err)
	}
	if len(removed) == 0 {
		return nil, nil
	}
	return removed, d.save(data, old)
}
