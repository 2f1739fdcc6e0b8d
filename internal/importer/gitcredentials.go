package importer

import (
	"bytes"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/tok-dev/tok/keychain"
)

// gitCredentialsSource reads git-credential-store's ~/.git-credentials (and the XDG one): one
// URL per line, https://user:password@host[:port][/path], percent-encoded.
func gitCredentialsSource(env Env) ([]Found, []Problem) {
	paths := []string{filepath.Join(env.Home, ".git-credentials")}
	xdgConfig := env.Getenv("XDG_CONFIG_HOME")
	if xdgConfig == "" {
		xdgConfig = filepath.Join(env.Home, ".config")
	}
	paths = append(paths, filepath.Join(xdgConfig, "git", "credentials"))
	var found []Found
	var problems []Problem
	for _, path := range paths {
		data, mode, err := readFile(path)
		if err != nil {
			problems = append(problems, Problem{path, err})
			continue
		}
		var fileFound []Found
		bad := false
		for n, line := range bytes.Split(data, []byte("\n")) {
			line = bytes.TrimRight(line, "\r")
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			u, err := url.Parse(string(line))
			pass, hasPass := "", false
			if err == nil && u.User != nil {
				pass, hasPass = u.User.Password()
			}
			if err != nil || !hasPass || u.Host == "" {
				problems = append(problems, Problem{path, fmt.Errorf("line %d is not a URL with a user and password; nothing imported from this file", n+1)})
				bad = true
				break
			}
			target, err := keychain.ParseTarget(u.Scheme + "://" + u.Host + u.Path)
			if err != nil {
				problems = append(problems, Problem{path, fmt.Errorf("line %d: %v; nothing imported from this file", n+1, err)})
				bad = true
				break
			}
			rec := keychain.Record{Secret: pass, Username: u.User.Username()}
			if p, ok := env.Registry.ForHost(target.Host); ok {
				rec.Platform = p.Name
			}
			exact := append([]byte{}, line...)
			fileFound = append(fileFound, Found{Path: path, Mode: mode, Target: target, Record: rec, Identity: rec.Username,
				remove: func(b []byte) ([]byte, error) { return removeLine(b, exact) }})
		}
		if !bad {
			found = append(found, fileFound...)
		}
	}
	return found, problems
}

// removeLine drops the first line equal to want (with its line ending).
func removeLine(data, want []byte) ([]byte, error) {
	start := 0
	for start <= len(data) {
		end := bytes.IndexByte(data[start:], '\n')
		next := len(data)
		lineEnd := len(data)
		if end >= 0 {
			lineEnd = start + end
			next = lineEnd + 1
		}
		if bytes.Equal(bytes.TrimRight(data[start:lineEnd], "\r"), want) {
			return append(append([]byte{}, data[:start]...), data[next:]...), nil
		}
		if end < 0 {
			break
		}
		start = next
	}
	return nil, fmt.Errorf("the line is no longer in the file")
}
