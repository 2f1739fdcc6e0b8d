package importer

import (
	"github.com/tok-dev/tok/keychain"
)

// envSource reads the variables platforms' tools read: CURVENOTE_TOKEN, CODEOCEAN_TOKEN (with
// CODEOCEAN_DOMAIN for its host) and CAVE_TOKEN. tok cannot remove them: the shell files that
// export them are the user's to edit.
func envSource(env Env) ([]Found, []Problem) {
	var found []Found
	if tok := env.Getenv("CURVENOTE_TOKEN"); tok != "" {
		plat, _ := env.Registry.Named("curvenote")
		f := curvenoteFound("env:CURVENOTE_TOKEN", 0, tok, plat.CurvenoteAudience(tok), "")
		found = append(found, f)
	}
	if tok := env.Getenv("CODEOCEAN_TOKEN"); tok != "" {
		domain := env.Getenv("CODEOCEAN_DOMAIN")
		if domain == "" {
			return found, []Problem{{"env:CODEOCEAN_TOKEN", errNoDomain}}
		}
		if t, err := keychain.ParseTarget(domain); err == nil {
			found = append(found, Found{Path: "env:CODEOCEAN_TOKEN", Target: t, Record: keychain.Record{Secret: tok, Platform: "codeocean"}})
		}
	}
	if tok := env.Getenv("CAVE_TOKEN"); tok != "" {
		t, _ := keychain.ParseTarget(caveDefaultServer)
		found = append(found, Found{Path: "env:CAVE_TOKEN", Target: t, Record: keychain.Record{Secret: tok, Platform: "cave", Extra: map[string]string{"cave_key": "token"}}})
	}
	return found, nil
}

type importError string

func (e importError) Error() string { return string(e) }

const errNoDomain = importError("CODEOCEAN_DOMAIN is not set, so the token's deployment is unknown; set it, or run: tok set https://YOUR-DOMAIN")
