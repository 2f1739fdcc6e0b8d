// Package importer finds tokens lying in plaintext (platform settings files, CAVE secrets,
// netrc, git's credential store, docker's config, environment variables), imports them into
// the keychain, and removes a plaintext copy only once the keychain gives the same value back.
// Each source is one file here; a source parses a whole file before anything is imported, so
// a file that does not parse contributes nothing.
package importer

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/tok-dev/tok/internal/atomicfile"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// Found is one plaintext token.
type Found struct {
	Path     string // the file, or "env:NAME"
	Mode     os.FileMode
	Target   keychain.Target
	Record   keychain.Record // Secret, Username, Platform, ... (Source is set on import)
	Identity string          // who the token is for, for the table
	Note     string          // "active", a key name, ...
	// remove edits the file's bytes to drop this entry (every copy of it); nil for an entry tok
	// cannot remove (an environment variable).
	remove func([]byte) ([]byte, error)
	// present says whether the file's bytes still hold this entry: checked on a re-read of the
	// real file after every removal, before tok says it is gone.
	present func([]byte) bool
	// empty says whether the file, once edited, holds nothing but what was imported from it, so
	// it is deleted (CAVE secret files, token.json); nil keeps the file whatever is left.
	empty func([]byte) bool
}

// Problem is a source that could not be read.
type Problem struct {
	Path string
	Err  error
}

// Env is where to look: a home directory, the environment, the OS.
type Env struct {
	Home     string
	Getenv   func(string) string
	GOOS     string
	Registry *platform.Registry
}

// Scan finds every plaintext token the sources know of.
func Scan(env Env) ([]Found, []Problem) {
	var found []Found
	var problems []Problem
	for _, src := range []func(Env) ([]Found, []Problem){curvenoteSource, caveSource, jwtCLISource, netrcSource, gitCredentialsSource, dockerSource, envSource} {
		f, p := src(env)
		found = append(found, f...)
		problems = append(problems, p...)
	}
	return found, problems
}

// readFile reads a source file, with its mode; a missing file is (nil, 0, nil).
func readFile(path string) ([]byte, os.FileMode, error) {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	data, err := os.ReadFile(path)
	return data, info.Mode().Perm(), err
}

// State is how an entry compares with what tok holds.
type State string

const (
	StateNew       State = "new"
	StateSame      State = "same"
	StateDifferent State = "different"
)

// Compare says whether tok holds nothing, the same secret, or a different one for f.
func Compare(store *keychain.Store, f Found) (State, error) {
	t := f.Target
	t.Username = f.Record.Username
	rec, _, err := store.Find(t)
	if errors.Is(err, keychain.ErrNotFound) {
		return StateNew, nil
	}
	if err != nil {
		return "", err
	}
	if rec.Secret == f.Record.Secret {
		return StateSame, nil
	}
	return StateDifferent, nil
}

// Import stores f, noting where it came from.
func Import(store *keychain.Store, f Found) error {
	rec := f.Record
	rec.Source = keychain.SourceImportPrefix + f.Path
	for _, name := range rec.Env {
		if err := platform.CheckEnvName(name, nil); err != nil {
			return fmt.Errorf("not imported: %w", err)
		}
	}
	if rec.Registry {
		return store.Put(f.Target, rec)
	}
	_, err := store.Save(f.Target, rec)
	return err
}

// RemovePlaintext deletes the given entries from their files, after checking that the keychain
// gives each one's secret back. It edits the real file (through symlinks; see atomicfile.Edit),
// keeping every other byte and its mode; a file left holding nothing but imported entries is
// deleted. After each change it reads the file again through its path and reports the file as
// changed only when none of the entries is there any more. It returns a line per changed file;
// an entry that does not verify leaves its file untouched.
func RemovePlaintext(store *keychain.Store, entries []Found) ([]string, error) {
	byFile := map[string][]Found{}
	for _, f := range entries {
		if f.remove == nil {
			continue // environment variables: the user's shell files hold them
		}
		byFile[f.Path] = append(byFile[f.Path], f)
	}
	var changed []string
	var errs []error
	paths := make([]string, 0, len(byFile))
	for p := range byFile {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		fs := byFile[path]
		if err := verifyAll(store, fs); err != nil {
			errs = append(errs, fmt.Errorf("%s kept: %w", path, err))
			continue
		}
		what, err := removeFrom(path, fs)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		changed = append(changed, what)
	}
	return changed, errors.Join(errs...)
}

func verifyAll(store *keychain.Store, fs []Found) error {
	for _, f := range fs {
		if state, err := Compare(store, f); err != nil || state != StateSame {
			return fmt.Errorf("the keychain does not give back the token for %s (%v)", f.Target, err)
		}
	}
	return nil
}

// removeFrom edits (or deletes) one file and checks the result; it returns how to name what it
// changed ("path", or "path (the file it links to, real)").
func removeFrom(path string, fs []Found) (string, error) {
	real, err := atomicfile.Real(path)
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	name := path
	if real != path {
		name = fmt.Sprintf("%s (the file it links to, %s)", path, real)
	}
	data, _, err := readFile(real)
	if err != nil || data == nil {
		return "", fmt.Errorf("%s: reading it again: %v", name, err)
	}
	// Each remover finds its entry by value in the current bytes, so order does not matter.
	for _, f := range fs {
		if data, err = f.remove(data); err != nil {
			return "", fmt.Errorf("%s: %w; nothing removed from it", name, err)
		}
	}
	for _, f := range fs {
		if f.present(data) {
			return "", fmt.Errorf("%s: the edit would leave the token for %s in it; nothing removed from it", name, f.Target)
		}
	}
	if fs[0].empty != nil && fs[0].empty(data) {
		if _, err := atomicfile.Remove(path); err != nil {
			return "", err
		}
		if _, err := os.Lstat(real); !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s is still there after deleting it", name)
		}
		return name + " (deleted: it held nothing else)", nil
	}
	if _, err := atomicfile.Edit(path, data); err != nil {
		return "", err
	}
	again, err := os.ReadFile(path) // through the link, as the owner tool reads it
	if err != nil {
		return "", fmt.Errorf("%s: reading it after the edit: %v", name, err)
	}
	for _, f := range fs {
		if f.present(again) {
			return "", fmt.Errorf("%s still holds the token for %s after the edit; check the file", name, f.Target)
		}
	}
	return name, nil
}

// Describe is a file's permissions for the table, flagging what others can read.
func Describe(f Found) string {
	if f.Mode == 0 {
		return "-"
	}
	s := fmt.Sprintf("%04o", f.Mode)
	if f.Mode&0o077 != 0 {
		s += " (readable by others)"
	}
	return s
}
