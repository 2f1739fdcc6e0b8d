package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tok-dev/tok/internal/jsonedit"
	"github.com/tok-dev/tok/keychain"
	"github.com/tok-dev/tok/platform"
)

// curvenotePaths are where the Curvenote CLI keeps settings.json on each OS.
func curvenotePaths(env Env) []string {
	switch env.GOOS {
	case "windows":
		if appdata := env.Getenv("APPDATA"); appdata != "" {
			return []string{filepath.Join(appdata, "curvenote", "settings.json")}
		}
		return nil
	case "darwin":
		return []string{filepath.Join(env.Home, ".config", "curvenote", "settings.json")}
	}
	return []string{filepath.Join(env.Home, ".curvenote", "settings.json")}
}

// curvenoteSource reads {"tokens":[{"api","email","username","note","token"}],"token"}: every
// token, the active one marked (and imported first, so it becomes the host's default).
func curvenoteSource(env Env) ([]Found, []Problem) {
	var found []Found
	var problems []Problem
	plat, _ := env.Registry.Named("curvenote")
	for _, path := range curvenotePaths(env) {
		data, mode, err := readFile(path)
		if err != nil {
			problems = append(problems, Problem{path, err})
			continue
		}
		if data == nil {
			continue
		}
		var settings struct {
			Tokens []struct {
				API, Email, Username, Note, Token string
			} `json:"tokens"`
			Token string `json:"token"`
		}
		if err := json.Unmarshal(data, &settings); err != nil {
			problems = append(problems, Problem{path, fmt.Errorf("does not parse as Curvenote settings: %v", err)})
			continue
		}
		var active []Found
		var rest []Found
		listed := false
		for _, tk := range settings.Tokens {
			if tk.Token == "" {
				continue
			}
			f := curvenoteFound(path, mode, tk.Token, plat.CurvenoteAudience(tk.Token), firstNonEmpty(tk.Email, tk.Username))
			f.Note = tk.Note
			if tk.Token == settings.Token {
				f.Note = joinNote("active", f.Note)
				listed = true
				active = append(active, f)
			} else {
				rest = append(rest, f)
			}
		}
		if settings.Token != "" && !listed {
			f := curvenoteFound(path, mode, settings.Token, plat.CurvenoteAudience(settings.Token), "")
			f.Note = "active"
			active = append(active, f)
		}
		for _, f := range append(active, rest...) {
			token := []byte(f.Record.Secret)
			f.remove = curvenoteRemover(f.Record.Secret)
			f.present = func(b []byte) bool { return bytes.Contains(b, token) }
			found = append(found, f)
		}
	}
	return found, problems
}

func curvenoteFound(path string, mode os.FileMode, token, aud, identity string) Found {
	host := "https://api.curvenote.com"
	if aud != "" {
		if t, err := keychain.ParseTarget(aud); err == nil {
			host = t.Scheme + "://" + t.HostPort()
		}
	}
	t, _ := keychain.ParseTarget(host)
	rec := keychain.Record{Secret: token, Platform: "curvenote"}
	if c, ok := platform.ReadClaims(token); ok {
		rec.Expires = c.Expires
		identity = firstNonEmpty(identity, c.Identity())
	}
	rec.Username = identity // several accounts' tokens sit side by side, the active one first
	if identity != "" {
		rec.Extra = map[string]string{"identity": identity}
	}
	return Found{Path: path, Mode: mode, Target: t, Record: rec, Identity: identity}
}

// curvenoteRemover drops a token from settings.json wherever it is: its entry in "tokens" and,
// when it is the active one, the "token" field. It finds them by value, so removals in any
// order stay right.
func curvenoteRemover(token string) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		var settings struct {
			Tokens []struct{ Token string } `json:"tokens"`
			Token  string                   `json:"token"`
		}
		if err := json.Unmarshal(b, &settings); err != nil {
			return nil, err
		}
		if settings.Token == token {
			var err error
			if b, err = jsonedit.Delete(b, "token"); err != nil {
				return nil, err
			}
		}
		for i, tk := range settings.Tokens {
			if tk.Token == token {
				return jsonedit.Delete(b, "tokens", i)
			}
		}
		return b, nil
	}
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + ", " + b
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
