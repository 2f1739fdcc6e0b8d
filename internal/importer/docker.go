package importer

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tok-dev/tok/internal/dockerconfig"
	"github.com/tok-dev/tok/keychain"
)

// dockerSource reads docker's config.json "auths": base64 "user:secret" in "auth" (or
// username/password), and "identitytoken" (stored as docker does, with user "<token>").
func dockerSource(env Env) ([]Found, []Problem) {
	path := dockerconfig.Path(env.Getenv, env.Home)
	data, mode, err := readFile(path)
	if err != nil {
		return nil, []Problem{{path, err}}
	}
	if data == nil {
		return nil, nil
	}
	// As docker/cli's configfile.LoadFromReader: encoding/json (a key given twice counts the last
	// time, field names match in any case), "auth" decoded as decodeAuth does.
	var cfg struct {
		AuthConfigs map[string]struct {
			Username      string `json:"username,omitempty"`
			Password      string `json:"password,omitempty"`
			Auth          string `json:"auth,omitempty"`
			IdentityToken string `json:"identitytoken,omitempty"`
		} `json:"auths"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, []Problem{{path, fmt.Errorf("does not parse as docker's config: %v", err)}}
	}
	keys := make([]string, 0, len(cfg.AuthConfigs))
	for k := range cfg.AuthConfigs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var found []Found
	for _, key := range keys {
		a := cfg.AuthConfigs[key]
		user, secret := a.Username, a.Password
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			u, s, ok := strings.Cut(string(raw), ":")
			if err != nil || !ok || u == "" {
				return nil, []Problem{{path, fmt.Errorf("auths %q: auth is not base64 of user:secret, so docker cannot read this file; nothing imported from it", key)}}
			}
			user, secret = u, strings.Trim(s, "\x00")
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
		registry := key
		found = append(found, Found{Path: path, Mode: mode, Target: target, Record: rec, Identity: user,
			remove:  func(b []byte) ([]byte, error) { return dockerconfig.DeleteAuth(b, registry) },
			present: func(b []byte) bool { return dockerconfig.HasAuth(b, registry) }})
	}
	return found, nil
}
