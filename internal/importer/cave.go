package importer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tok-dev/tok/internal/jsonedit"
	"github.com/tok-dev/tok/keychain"
)

// caveSource reads $CLOUD_VOLUME_DIR/secrets (default ~/.cloudvolume/secrets)
// *cave-secret.json: the server from the "<netloc>-" prefix, every key in the file ("token"
// is the server's default record; another key becomes a record with that key as its user).
func caveSource(env Env) ([]Found, []Problem) {
	dir := env.Getenv("CLOUD_VOLUME_DIR")
	if dir == "" {
		dir = filepath.Join(env.Home, ".cloudvolume")
	}
	dir = filepath.Join(dir, "secrets")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	var found []Found
	var problems []Problem
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, "cave-secret.json") {
			continue
		}
		path := filepath.Join(dir, name)
		server := defaultCAVEServer(env)
		if netloc, ok := strings.CutSuffix(name, "-cave-secret.json"); ok && netloc != "" {
			server = "https://" + netloc
		}
		target, err := keychain.ParseTarget(server)
		if err != nil {
			problems = append(problems, Problem{path, fmt.Errorf("the server in its name: %v", err)})
			continue
		}
		data, mode, err := readFile(path)
		if err != nil {
			problems = append(problems, Problem{path, err})
			continue
		}
		var keys map[string]any
		if err := json.Unmarshal(data, &keys); err != nil {
			problems = append(problems, Problem{path, fmt.Errorf("does not parse as a CAVE secret file: %v", err)})
			continue
		}
		names := make([]string, 0, len(keys))
		for k, v := range keys {
			if _, ok := v.(string); ok && v != "" {
				names = append(names, k)
			}
		}
		sort.Slice(names, func(i, j int) bool { // "token" first: it takes the server's default key
			if names[i] == "token" || names[j] == "token" {
				return names[i] == "token" && names[j] != "token"
			}
			return names[i] < names[j]
		})
		for _, k := range names {
			rec := keychain.Record{Secret: keys[k].(string), Platform: "cave", Extra: map[string]string{"cave_key": k}}
			if k != "token" {
				rec.Username = k
			}
			found = append(found, Found{Path: path, Mode: mode, Target: target, Record: rec, Note: "key " + k,
				remove: jsonRemover(k), present: jsonHas(k), empty: jsonEmpty(nil)})
		}
	}
	return found, problems
}

// jsonRemover deletes every member the path reaches (each copy of a key given twice).
func jsonRemover(path ...any) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) { return jsonedit.Delete(b, path...) }
}

// jsonHas says whether a member the path reaches is still there (or the file cannot be read).
func jsonHas(path ...any) func([]byte) bool {
	return func(b []byte) bool {
		ms, err := jsonedit.Find(b, path...)
		return err != nil || len(ms) > 0
	}
}

// jsonEmpty says whether a JSON object holds no member but those named in keep (matched in any
// case): a file of nothing else is deleted once its tokens are removed.
func jsonEmpty(keep []string) func([]byte) bool {
	return func(b []byte) bool {
		ms, err := jsonedit.Find(b, jsonedit.Key(func(string) bool { return true }))
		if err != nil {
			return false
		}
		for _, m := range ms {
			known := false
			for _, k := range keep {
				known = known || strings.EqualFold(m.Key, k)
			}
			if !known {
				return false
			}
		}
		s, e := jsonedit.Root(b)
		return e > s && b[s] == '{'
	}
}

// defaultCAVEServer is where cave-secret.json (no server prefix) belongs: CAVE's default host.
func defaultCAVEServer(env Env) string {
	plat, _ := env.Registry.Named("cave")
	return "https://" + plat.Hosts[0]
}
