// Package dockerconfig finds docker's config.json and edits it the way docker reads it: Go's
// encoding/json, where a top-level field's name matches in any case, a key given twice counts
// the last time (and two "auths" or "credHelpers" objects merge), and every other byte of the
// file is the user's. Edits go through jsonedit, so only the members named change; a document of
// null, or a null "credHelpers", is an empty one. Writing the file (through symlinks, atomically)
// is the caller's, with internal/atomicfile.
package dockerconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/tok-dev/tok/internal/jsonedit"
)

// Path is where docker reads its config: $DOCKER_CONFIG/config.json, else
// HOME/.docker/config.json.
func Path(getenv func(string) string, home string) string {
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	return filepath.Join(home, ".docker", "config.json")
}

// DefaultPath is Path for this process's environment and home directory.
func DefaultPath() (string, error) {
	if os.Getenv("DOCKER_CONFIG") != "" {
		return Path(os.Getenv, ""), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding docker's config: %w (set DOCKER_CONFIG)", err)
	}
	return Path(os.Getenv, home), nil
}

// Top-level fields, matched as docker's ConfigFile struct matches them.
var (
	auths       = jsonedit.Fold("auths")
	credsStore  = jsonedit.Fold("credsStore")
	credHelpers = jsonedit.Fold("credHelpers")
	anyKey      = jsonedit.Key(func(string) bool { return true })
)

// object makes sure data is a JSON object: an empty or blank file, or null, becomes {}.
func object(data []byte) ([]byte, error) {
	s, e := jsonedit.Root(data)
	switch root := string(data[s:e]); {
	case root == "":
		return []byte("{\n}\n"), nil
	case root == "null":
		return append(append(append([]byte{}, data[:s]...), "{\n}"...), data[e:]...), nil
	case !json.Valid(data):
		return nil, errors.New("is not valid JSON")
	case root[0] != '{':
		return nil, errors.New("is not a JSON object")
	}
	return data, nil
}

func str(raw json.RawMessage) (string, bool) {
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

// SetCredsStore names helper in credsStore (each copy of it). It reports whether it changed.
func SetCredsStore(data []byte, helper string) ([]byte, bool, error) {
	data, err := object(data)
	if err != nil {
		return nil, false, err
	}
	value, _ := json.Marshal(helper)
	ms, err := jsonedit.Find(data, credsStore)
	if err != nil {
		return nil, false, err
	}
	if len(ms) == 0 {
		s, e := jsonedit.Root(data)
		out, err := jsonedit.Insert(data, s, e, "credsStore", value)
		return out, true, err
	}
	for _, m := range ms {
		if v, ok := str(m.Value); !ok || v != helper {
			return jsonedit.Replace(data, ms, value), true, nil
		}
	}
	return data, false, nil
}

// SetCredHelper names helper in credHelpers for registry. It reports whether it changed.
func SetCredHelper(data []byte, registry, helper string) ([]byte, bool, error) {
	data, err := object(data)
	if err != nil {
		return nil, false, err
	}
	value, _ := json.Marshal(helper)
	same, err := jsonedit.Find(data, credHelpers, registry)
	if err != nil {
		return nil, false, err
	}
	if len(same) > 0 {
		for _, m := range same {
			if v, ok := str(m.Value); !ok || v != helper {
				return jsonedit.Replace(data, same, value), true, nil
			}
		}
		return data, false, nil
	}
	key, _ := json.Marshal(registry)
	fresh := []byte("{" + string(key) + ": " + string(value) + "}")
	chs, err := jsonedit.Find(data, credHelpers)
	if err != nil {
		return nil, false, err
	}
	if len(chs) == 0 {
		s, e := jsonedit.Root(data)
		out, err := jsonedit.Insert(data, s, e, "credHelpers", fresh)
		return out, true, err
	}
	last := chs[len(chs)-1] // encoding/json merges copies; adding to the last is what it reads
	switch last.Value[0] {
	case 'n':
		return jsonedit.Replace(data, []jsonedit.Member{last}, fresh), true, nil
	case '{':
		out, err := jsonedit.Insert(data, last.ValueStart, last.ValueEnd, registry, value)
		return out, true, err
	}
	return nil, false, errors.New(`has a "credHelpers" that is not an object of strings`)
}

// RemoveHelper deletes every credsStore and credHelpers entry naming helper, and a credHelpers
// object left empty by that. It returns what it removed ("credsStore", "credHelpers REGISTRY").
func RemoveHelper(data []byte, helper string) ([]byte, []string, error) {
	data, err := object(data)
	if err != nil {
		return nil, nil, err
	}
	var drop []jsonedit.Member
	var removed []string
	stores, err := jsonedit.Find(data, credsStore)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range stores {
		if v, ok := str(m.Value); ok && v == helper {
			drop = append(drop, m)
			removed = append(removed, "credsStore")
		}
	}
	helpers, err := jsonedit.Find(data, credHelpers, anyKey)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range helpers {
		if v, ok := str(m.Value); ok && v == helper {
			drop = append(drop, m)
			removed = append(removed, "credHelpers "+m.Key)
		}
	}
	if len(drop) == 0 {
		return data, nil, nil
	}
	data = jsonedit.DeleteMembers(data, drop)
	chs, err := jsonedit.Find(data, credHelpers)
	if err != nil {
		return nil, nil, err
	}
	var empty []jsonedit.Member
	for _, m := range chs {
		if bytes.Equal(bytes.Join(bytes.Fields(m.Value), nil), []byte("{}")) {
			empty = append(empty, m)
		}
	}
	data = jsonedit.DeleteMembers(data, empty)
	sort.Strings(removed)
	return data, dedupe(removed), nil
}

func dedupe(ss []string) []string {
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// DeleteAuth removes registry from "auths": every copy, in every "auths" object.
func DeleteAuth(data []byte, registry string) ([]byte, error) {
	return jsonedit.Delete(data, auths, registry)
}

// HasAuth says whether any "auths" object still holds registry (or data cannot be read).
func HasAuth(data []byte, registry string) bool {
	ms, err := jsonedit.Find(data, auths, registry)
	return err != nil || len(ms) > 0
}
