package keychain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/99designs/keyring"
	"github.com/mtibben/percent"
)

// ErrWrongPassphrase means the passphrase does not open the file store.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// passphraseCheckKey names an item written on the first write to a file store: it lets a
// later write prove its passphrase is the store's before writing anything.
const passphraseCheckKey = ".tok-passphrase-check"

// fileRing makes keyring's file backend safe for tok (same on-disk format, so a store stays
// readable by keyring): writes go to a staging directory beside the store, are synced and
// renamed into place, so a reader never sees a half-written item and a crash leaves the old
// one; key names are checked as file names; a wrong passphrase is detected before a write.
// Writers are serialised by the Store's lock, which lives outside dir.
type fileRing struct {
	dir, stagingDir string
	main, staging   keyring.Keyring
	checked         bool
}

func openFileRing(dir string, passphrase keyring.PromptFunc) (*fileRing, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the file store %s: %w", dir, err)
	}
	staging := strings.TrimRight(dir, string(filepath.Separator)) + ".staging"
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", staging, err)
	}
	for _, d := range []string{dir, staging} {
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("securing %s: %w", d, err)
		}
	}
	// One prompt per process: both rings share the answer.
	var cached string
	once := func(prompt string) (string, error) {
		if cached != "" {
			return cached, nil
		}
		p, err := passphrase(prompt)
		if err != nil {
			return "", err
		}
		if p == "" {
			return "", errors.New("the file store's passphrase is empty: set TOK_FILE_PASSPHRASE to a non-empty passphrase")
		}
		cached = p
		return p, nil
	}
	open := func(d string) (keyring.Keyring, error) {
		return keyring.Open(keyring.Config{
			AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
			FileDir:          d,
			FilePasswordFunc: once,
		})
	}
	main, err := open(dir)
	if err != nil {
		return nil, err
	}
	st, err := open(staging)
	if err != nil {
		return nil, err
	}
	return &fileRing{dir: dir, stagingDir: staging, main: main, staging: st}, nil
}

func fileNameFor(key string) (string, error) {
	name := percent.Encode(key, "/")
	if name == "" || name == "." || name == ".." || len(name) > 255 || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("the key %q cannot be stored as a file name (empty, a dot name, or over 255 bytes)", key)
	}
	return name, nil
}

func mapFileErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "integrity check failed") {
		return fmt.Errorf("%w for the file store: set TOK_FILE_PASSPHRASE to the passphrase the store was created with", ErrWrongPassphrase)
	}
	return err
}

func (r *fileRing) Get(key string) (keyring.Item, error) {
	if _, err := fileNameFor(key); err != nil {
		return keyring.Item{}, err
	}
	item, err := r.main.Get(key)
	return item, mapFileErr(err)
}

func (r *fileRing) GetMetadata(key string) (keyring.Metadata, error) {
	if _, err := fileNameFor(key); err != nil {
		return keyring.Metadata{}, err
	}
	return r.main.GetMetadata(key)
}

// verifyPassphrase proves, once per process, that the passphrase opens this store.
func (r *fileRing) verifyPassphrase() error {
	if r.checked {
		return nil
	}
	_, err := r.main.Get(passphraseCheckKey)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		err = r.setAtomic(keyring.Item{Key: passphraseCheckKey, Data: []byte("tok")})
	}
	if err = mapFileErr(err); err != nil {
		return err
	}
	r.checked = true
	return nil
}

func (r *fileRing) Set(item keyring.Item) error {
	if _, err := fileNameFor(item.Key); err != nil {
		return err
	}
	if err := r.verifyPassphrase(); err != nil {
		return err
	}
	return r.setAtomic(item)
}

func (r *fileRing) setAtomic(item keyring.Item) error {
	name, err := fileNameFor(item.Key)
	if err != nil {
		return err
	}
	if err := r.staging.Set(item); err != nil {
		return mapFileErr(err)
	}
	staged := filepath.Join(r.stagingDir, name)
	if err := syncFile(staged); err != nil {
		os.Remove(staged)
		return err
	}
	if err := os.Rename(staged, filepath.Join(r.dir, name)); err != nil {
		os.Remove(staged)
		return fmt.Errorf("saving to the file store: %w", err)
	}
	syncDir(r.dir)
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // not supported everywhere (Windows); the rename itself is what matters
		d.Close()
	}
}

func (r *fileRing) Remove(key string) error {
	name, err := fileNameFor(key)
	if err != nil {
		return err
	}
	err = os.Remove(filepath.Join(r.dir, name))
	if os.IsNotExist(err) {
		return keyring.ErrKeyNotFound
	}
	return err
}

func (r *fileRing) Keys() ([]string, error) {
	keys, err := r.main.Keys()
	if err != nil {
		return nil, err
	}
	out := keys[:0]
	for _, k := range keys {
		if !strings.HasPrefix(k, ".") {
			out = append(out, k)
		}
	}
	return out, nil
}
