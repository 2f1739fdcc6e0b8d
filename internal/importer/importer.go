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
	// remove edits the file's bytes to drop this entry; nil when the whole file is this
	// source's (it is deleted once every entry in it is imported) or it cannot be removed.
	remove func([]byte) ([]byte, error)
	whole  bool
	// siblings counts the entries found in a whole file, which is deleted only when all go.
	siblings int
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
	if rec.Registry {
		return store.Put(f.Target, rec)
	}
	_, err := store.Save(f.Target, rec)
	return err
}

// RemovePlaintext deletes the given entries from their files, after checking that the keychain
// gives each one's secret back. A file that holds nothing else is deleted; any other file is
// rewritten atomically with only those entries gone and its mode kept. It returns the files it
// changed; an entry that does not verify leaves its file untouched.
func RemovePlaintext(store *keychain.Store, entries []Found) ([]string, error) {
	byFile := map[string][]Found{}
	for _, f := range entries {
		if f.remove == nil && !f.whole {
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
		if err := removeFrom(path, fs); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		changed = append(changed, path)
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

func removeFrom(path string, fs []Found) error {
	data, mode, err := readFile(path)
	if err != nil || data == nil {
		return fmt.Errorf("reading it again: %v", err)
	}
	whole := true
	for _, f := range fs {
		whole = whole && f.whole
	}
	if whole && len(fs) >= fs[0].siblings {
		return os.Remove(path)
	}
	// Remove from the end backwards, so earlier entries' positions stay valid.
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].remove == nil {
			continue
		}
		if data, err = fs[i].remove(data); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, data, mode)
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
