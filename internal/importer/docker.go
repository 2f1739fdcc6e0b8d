package importer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tok-dev/tok/keychain"
)

// dockerSource reads docker's config.json "auths": base64 "user:secret" in "auth" (or
// username/password), and "identitytoken" (stored as docker does, with user "<token>").
func dockerSource(env Env) ([]Found, []Problem) {
	dir := env.Getenv("DOCKER_CONFIG")
	if dir == "" {
		dir = filepath.Join(env.Home, ".docker")
	}
	path := filepath.Join(dir, "config.json")
	data, mode, err := readFile(path)
	if err != nil {
		return nil, []Problem{{path, err}}
	}
	if data == nil {
		return nil, nil
	}
	var cfg struct {
		Auths map[string]struct {
			Auth, Username, Password, IdentityToken string
		} `json:"auths"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, []Problem{{path, fmt.Errorf("does not parse as docker's config: %v", err)}}
	}
	keys := make([]string, 0, len(cfg.Auths))
	for k := range cfg.Auths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var found []Found
	for _, key := range keys {
		a := cfg.Auths[key]
		user, secret := a.Username, a.Password
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			u, s, ok := strings.Cut(string(raw), ":")
			if err != nil || !ok {
				return nil, []Problem{{path, fmt.Errorf("auths %q: auth is not base64 of user:secret; nothing imported from this file", key)}}
			}
			user, secret = u, s
		}
		if a.IdentityToken != "" {
			user, secret = "<token>", a.IdentityToken
		}
		if secret == "" {
			continue
		}
		target, err := keychain.RegistryTarget(key)
		if err != nil {
			return nil, []Problem{{path, fmt.Errorf("auths %q: %v; nothing imported from this file", key, err)}}
		}
		rec := keychain.Record{Secret: secret, Username: user, Registry: true, ServerURL: key}
		found = append(found, Found{Path: path, Mode: mode, Target: target, Record: rec, Identity: user,
			remove: jsonRemover([]any{"auths", key})})
	}
	return found, nil
}
