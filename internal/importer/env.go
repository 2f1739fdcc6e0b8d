package importer

import (
	"github.com/tok-dev/tok/keychain"
)

// envSource reads the variables the platforms' own tools read (platform.Platform.TokenEnv:
// CURVENOTE_TOKEN, CODEOCEAN_TOKEN with CODEOCEAN_DOMAIN for its host, CAVE_TOKEN). tok cannot
// remove them: the shell files that export them are the user's to edit.
func envSource(env Env) ([]Found, []Problem) {
	var found []Found
	var problems []Problem
	for _, name := range []string{"curvenote", "codeocean", "cave"} {
		plat, ok := env.Registry.Named(name)
		if !ok || len(plat.TokenEnv) == 0 {
			continue
		}
		variable := plat.TokenEnv[0]
		tok := env.Getenv(variable)
		if tok == "" {
			continue
		}
		from := "env:" + variable
		switch {
		case plat.Sessions:
			found = append(found, curvenoteFound(from, 0, tok, plat.CurvenoteAudience(tok), ""))
		case plat.DomainEnv != "":
			domain := env.Getenv(plat.DomainEnv)
			if domain == "" {
				problems = append(problems, Problem{from, importError(plat.DomainEnv + " is not set, so the token's deployment is unknown; set it, or run: tok set https://YOUR-DOMAIN")})
				continue
			}
			if t, err := keychain.ParseTarget(domain); err == nil {
				found = append(found, Found{Path: from, Target: t, Record: keychain.Record{Secret: tok, Platform: plat.Name}})
			}
		case plat.SecretFiles:
			t, _ := keychain.ParseTarget(plat.Hosts[0])
			found = append(found, Found{Path: from, Target: t, Record: keychain.Record{Secret: tok, Platform: plat.Name, Extra: map[string]string{"cave_key": "token"}}})
		}
	}
	return found, problems
}

type importError string

func (e importError) Error() string { return string(e) }
