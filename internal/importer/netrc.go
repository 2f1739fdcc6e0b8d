package importer

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tok-dev/tok/keychain"
)

// netrcEntry is one "machine" entry and where it sits in the file.
type netrcEntry struct {
	machine, login, password string
	start, end               int
}

// parseNetrc splits a netrc into its machine entries. "default" and "macdef" are kept as they
// are (they belong to no host tok could store).
func parseNetrc(data []byte) []netrcEntry {
	type token struct {
		text       string
		start, end int
	}
	var toks []token
	for i := 0; i < len(data); {
		for i < len(data) && isSpace(data[i]) {
			i++
		}
		start := i
		if i < len(data) && data[i] == '"' {
			// A quoted token, as Python's netrc reads it (tok exec --netrc writes an empty
			// password as ""): up to the closing quote, a backslash escaping the next byte.
			var b []byte
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' && i+1 < len(data) {
					i++
				}
				b = append(b, data[i])
			}
			i++
			toks = append(toks, token{string(b), start, min(i, len(data))})
			continue
		}
		for i < len(data) && !isSpace(data[i]) {
			i++
		}
		if start < i {
			toks = append(toks, token{string(data[start:i]), start, i})
		}
	}
	var out []netrcEntry
	var cur *netrcEntry
	closeAt := func(pos int) {
		if cur != nil {
			cur.end = pos
			out = append(out, *cur)
			cur = nil
		}
	}
	for i := 0; i < len(toks); i++ {
		switch toks[i].text {
		case "machine":
			closeAt(toks[i].start)
			if i+1 < len(toks) {
				cur = &netrcEntry{machine: toks[i+1].text, start: toks[i].start}
				i++
			}
		case "default", "macdef":
			closeAt(toks[i].start)
		case "login", "password", "account":
			if cur != nil && i+1 < len(toks) {
				switch toks[i].text {
				case "login":
					cur.login = toks[i+1].text
				case "password":
					cur.password = toks[i+1].text
				}
			}
			i++
		}
	}
	closeAt(len(data))
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func netrcPath(env Env) string {
	if p := env.Getenv("NETRC"); p != "" {
		return p
	}
	if env.GOOS == "windows" {
		return filepath.Join(env.Home, "_netrc")
	}
	return filepath.Join(env.Home, ".netrc")
}

// netrcSource reads ~/.netrc (or $NETRC): each machine with a password, or a Code Ocean token
// as its login with an empty password.
func netrcSource(env Env) ([]Found, []Problem) {
	path := netrcPath(env)
	data, mode, err := readFile(path)
	if err != nil {
		return nil, []Problem{{path, err}}
	}
	var found []Found
	for _, e := range parseNetrc(data) {
		secret, user := e.password, e.login
		if secret == "" && strings.HasPrefix(user, "cop_") {
			secret, user = user, ""
		}
		if secret == "" {
			continue
		}
		target, err := keychain.ParseTarget(e.machine)
		if err != nil {
			return nil, []Problem{{path, fmt.Errorf("machine %q: %v", e.machine, err)}}
		}
		rec := keychain.Record{Secret: secret, Username: user}
		if p, ok := env.Registry.ForHost(target.Host); ok {
			rec.Platform = p.Name
		} else if p, ok := env.Registry.Detect(secret); ok {
			rec.Platform = p.Name
		}
		entry := e
		found = append(found, Found{Path: path, Mode: mode, Target: target, Record: rec, Identity: user,
			remove: func(b []byte) ([]byte, error) { return removeNetrcEntry(b, entry) }})
	}
	return found, nil
}

// removeNetrcEntry drops the entry with the same machine, login and password, wherever it now is.
func removeNetrcEntry(data []byte, want netrcEntry) ([]byte, error) {
	for _, e := range parseNetrc(data) {
		if e.machine == want.machine && e.login == want.login && e.password == want.password {
			return append(append([]byte{}, data[:e.start]...), data[e.end:]...), nil
		}
	}
	return nil, fmt.Errorf("machine %s is no longer in the file", want.machine)
}
