package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tok-dev/tok/internal/jsonedit"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// jwtCLISource reads the JWT platform CLI's ~/.config/cli/token.json: the login answer
// (access_token, refresh_token, expires_in or expires_at) and the API it came from
// (api_url, base_url or url). A file without its API's URL cannot be placed and is reported.
func jwtCLISource(env Env) ([]Found, []Problem) {
	path := filepath.Join(env.Home, ".config", "cli", "token.json")
	data, mode, err := readFile(path)
	if err != nil {
		return nil, []Problem{{path, err}}
	}
	if data == nil {
		return nil, nil
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
		ExpiresAt    string `json:"expires_at"`
		APIURL       string `json:"api_url"`
		BaseURL      string `json:"base_url"`
		URL          string `json:"url"`
		Username     string `json:"username"`
	}
	if err := json.Unmarshal(data, &tok); err != nil || tok.AccessToken == "" {
		return nil, []Problem{{path, errors.New("does not parse as a token file with an access_token")}}
	}
	api := firstNonEmpty(tok.APIURL, tok.BaseURL, tok.URL)
	if api == "" {
		return nil, []Problem{{path, errors.New("names no API URL (api_url, base_url or url); sign in with tok login URL instead")}}
	}
	target, err := keychain.ParseTarget(api)
	if err != nil {
		return nil, []Problem{{path, fmt.Errorf("its API URL: %v", err)}}
	}
	rec := keychain.Record{Secret: tok.AccessToken, RefreshToken: tok.RefreshToken, Platform: "jwt", Username: tok.Username}
	if c, ok := platform.ReadClaims(tok.AccessToken); ok {
		rec.Expires, rec.Scopes = c.Expires, c.Scopes
	}
	if t, err := time.Parse(time.RFC3339, tok.ExpiresAt); err == nil && rec.Expires.IsZero() {
		rec.Expires = t.UTC()
	}
	// Removing it takes the token and what describes it; a file that holds more than the login
	// answer and where it came from keeps the rest.
	tokenKeys := []string{"access_token", "refresh_token", "expires_in", "expires_at"}
	remove := func(b []byte) ([]byte, error) {
		for _, k := range tokenKeys {
			out, err := jsonedit.Delete(b, jsonedit.Fold(k))
			switch {
			case err == nil:
				b = out
			case !errors.Is(err, jsonedit.ErrNotFound):
				return nil, err
			}
		}
		return b, nil
	}
	present := func(b []byte) bool {
		return jsonHas(jsonedit.Fold("access_token"))(b) || jsonHas(jsonedit.Fold("refresh_token"))(b)
	}
	return []Found{{Path: path, Mode: mode, Target: target, Record: rec, Identity: tok.Username,
		remove: remove, present: present, empty: jsonEmpty([]string{"api_url", "base_url", "url", "username", "token_type", "scope"})}}, nil
}
