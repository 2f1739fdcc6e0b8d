package helper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tok-dev/tok/internal/oneline"
	"github.com/tok-dev/tok/keychain"
)

// DockerNotFound is the exact text docker clients match on stdout to tell "no credential"
// from a failure.
const DockerNotFound = "credentials not found in native keychain"

// MaxDockerInput bounds what a docker client may send: a 1 MiB secret plus its JSON.
const MaxDockerInput = 1<<20 + 64*1024

// dockerCredential is the protocol's JSON.
type dockerCredential struct {
	ServerURL string `json:"ServerURL"`
	Username  string `json:"Username"`
	Secret    string `json:"Secret"`
}

// errDockerNotFound is printed as DockerNotFound.
var errDockerNotFound = errors.New(DockerNotFound)

// Docker runs one docker credential helper action and returns the exit status. Answers and
// errors go to stdout (clients read only stdout); any error exits 1.
func Docker(action string, in io.Reader, out, errw io.Writer, open Opener) int {
	fail := func(err error) int {
		fmt.Fprintln(out, oneline.Error(err))
		return 1
	}
	switch action {
	case "store", "get", "erase", "list":
	case "":
		return fail(errors.New("Usage: docker-credential-tok <store|get|erase|list|version>"))
	default:
		return fail(fmt.Errorf("docker-credential-tok: unknown action: %s", action))
	}
	input, err := readDockerInput(in)
	if err != nil {
		return fail(err)
	}
	var b Backend
	opened := func() error {
		if b.Store != nil {
			return nil
		}
		b, err = open()
		return err
	}
	switch action {
	case "store":
		err = dockerStore(input, opened, &b)
	case "get":
		err = dockerGet(input, opened, &b, out)
	case "erase":
		err = dockerErase(input, opened, &b)
	case "list":
		err = dockerList(opened, &b, out)
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

func readDockerInput(in io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(in, MaxDockerInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	if len(data) > MaxDockerInput {
		return nil, errors.New("input is over 1 MiB; nothing changed")
	}
	return data, nil
}

func dockerStore(input []byte, open func() error, b *Backend) error {
	var c dockerCredential
	if err := json.NewDecoder(bytes.NewReader(input)).Decode(&c); err != nil {
		if len(bytes.TrimSpace(input)) == 0 {
			return errors.New("no credentials given on standard input")
		}
		return errors.New("the credential on standard input is not valid JSON; nothing stored")
	}
	if strings.TrimSpace(c.ServerURL) == "" {
		return errors.New("no credentials server URL")
	}
	if c.Username == "" {
		return errors.New("no credentials username")
	}
	t, err := keychain.RegistryTarget(c.ServerURL)
	if err != nil {
		return err
	}
	if err := open(); err != nil {
		return err
	}
	rec := keychain.Record{
		Secret:    c.Secret,
		Username:  c.Username,
		Source:    keychain.SourceDocker,
		ServerURL: c.ServerURL,
		Registry:  true,
	}
	if p, ok := b.Registry.ForHost(t.Host); ok {
		rec.Platform = p.Name
	}
	return b.Store.Put(t, rec)
}

func dockerGet(input []byte, open func() error, b *Backend, out io.Writer) error {
	server := strings.TrimSpace(string(input))
	t, err := keychain.RegistryTarget(server)
	if err != nil {
		if server == "" {
			return err
		}
		return errDockerNotFound // a key that is no registry (ggcr asks for host/repo first)
	}
	if err := open(); err != nil {
		return err
	}
	var rec keychain.Record
	if t.Path != "" {
		// A key with a path (Docker Hub's OAuth access-token and refresh-token) is a credential
		// of its own: only the record stored for exactly it answers, never the registry's.
		if rec, _, err = b.Store.Find(t); err == nil {
			rec, err = b.handOutRecord(rec, nil)
		}
	} else {
		rec, err = b.handOut(t, nil)
	}
	if errors.Is(err, keychain.ErrNotFound) {
		return errDockerNotFound
	}
	if err != nil {
		return err
	}
	ans := dockerCredential{ServerURL: server}
	plat, _ := b.Registry.Named(rec.Platform)
	ans.Username, ans.Secret = plat.BasicPair(rec.Secret, rec.Username, "")
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return enc.Encode(ans)
}

// dockerErase deletes the registry credential for the server. A missing one is not an error
// (docker logout tries several spellings); a token that is not a registry credential (an API
// token put in with tok set) is left alone.
func dockerErase(input []byte, open func() error, b *Backend) error {
	t, err := keychain.RegistryTarget(string(input))
	if err != nil {
		return err
	}
	if err := open(); err != nil {
		return err
	}
	rec, key, err := b.Store.Find(t)
	if errors.Is(err, keychain.ErrNotFound) || (err == nil && !rec.Registry) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := b.Store.Delete(key); err != nil && !errors.Is(err, keychain.ErrNotFound) {
		return err
	}
	return nil
}

// dockerList gives registry credentials only: docker forwards every listed credential to a
// build daemon, so an API token must never appear here.
func dockerList(open func() error, b *Backend, out io.Writer) error {
	if err := open(); err != nil {
		return err
	}
	entries, err := b.Store.List()
	if err != nil {
		return err
	}
	list := map[string]string{}
	for _, e := range entries {
		if e.Err != nil || !e.Record.Registry {
			continue
		}
		server := e.Record.ServerURL
		if server == "" {
			server = keychain.RegistryServer(e.Target)
		}
		user := e.Record.Username
		if user == "" {
			user = "token"
		}
		list[server] = user
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return enc.Encode(list)
}
