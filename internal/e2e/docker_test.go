package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/tok-dev/tok/internal/testenv"
)

// dockerProgram is the official client's view of the built docker-credential-tok.
func dockerProgram(t *testing.T, e *testenv.Env) client.ProgramFunc {
	env := map[string]string{}
	for k, v := range e.Vars {
		env[k] = v
	}
	return client.NewShellProgramFuncWithEnv(filepath.Join(testenv.Bin(t), "docker-credential-tok"), &env)
}

func TestDockerOfficialClient(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	p := dockerProgram(t, e)
	if _, err := client.Get(p, "registry.example.org"); !credentials.IsErrCredentialsNotFound(err) {
		t.Fatalf("get of a missing server: %v, want not-found", err)
	}
	big := strings.Repeat("s", 1<<20)
	for _, c := range []credentials.Credentials{
		{ServerURL: "https://index.docker.io/v1/", Username: "alice", Secret: "hub-secret"},
		{ServerURL: "registry.example.org:5000", Username: "bob", Secret: "five-thousand"},
		{ServerURL: "registry.example.org", Username: "<token>", Secret: "identity-token"},
		{ServerURL: "big.example.org", Username: "carol", Secret: big},
	} {
		if err := client.Store(p, &c); err != nil {
			t.Fatalf("store %s: %v", c.ServerURL, err)
		}
	}
	for query, want := range map[string]string{
		"https://index.docker.io/v1/":           "alice/hub-secret",
		"docker.io":                             "alice/hub-secret",
		"index.docker.io":                       "alice/hub-secret",
		"registry.example.org:5000":             "bob/five-thousand",
		"https://REGISTRY.example.org:5000/v2/": "bob/five-thousand",
		"registry.example.org":                  "<token>/identity-token",
		"https://registry.example.org/v2/":      "<token>/identity-token",
	} {
		got, err := client.Get(p, query)
		if err != nil || got.Username+"/"+got.Secret != want {
			t.Errorf("get %s: %+v %v, want %s", query, got, err, want)
		}
	}
	if got, err := client.Get(p, "big.example.org"); err != nil || got.Secret != big {
		t.Fatalf("1 MiB secret: %d bytes, %v", len(got.Secret), err)
	}
	for _, other := range []string{"registry.example.org:5001", "other.example.org", "example.org", "https://registry.example.org/some/path"} {
		if _, err := client.Get(p, other); !credentials.IsErrCredentialsNotFound(err) {
			t.Errorf("get %s: %v, want not-found", other, err)
		}
	}
	// An API token set with tok set is answered by get but never listed.
	e.Run("api-token", "tok", "set", "https://api.example.org")
	list, err := client.List(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"https://index.docker.io/v1/": "alice", "registry.example.org:5000": "bob", "registry.example.org": "<token>", "big.example.org": "carol"}
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("list = %v, want %v", list, want)
	}
	for server := range list {
		if _, err := client.Get(p, server); err != nil {
			t.Errorf("listed key %s is not gettable: %v", server, err)
		}
	}
	if err := client.Erase(p, "https://index.docker.io/v1/"); err != nil {
		t.Fatal(err)
	}
	if err := client.Erase(p, "never-stored.example.org"); err != nil {
		t.Fatalf("erase of a missing server must not fail (docker logout tries several): %v", err)
	}
	if _, err := client.Get(p, "docker.io"); !credentials.IsErrCredentialsNotFound(err) {
		t.Fatalf("after erase: %v", err)
	}
	// docker's own client erasing the very server that holds the API token (docker logout of it
	// under any spelling) leaves the token put in with tok set.
	for _, server := range []string{"api.example.org", "https://api.example.org", "https://api.example.org/v2/"} {
		if err := client.Erase(p, server); err != nil {
			t.Fatalf("erase %s: %v", server, err)
		}
	}
	if r := e.Run("", "tok", "get", "api.example.org"); r.Stdout != "api-token\n" {
		t.Fatal("erase or store touched the API token")
	}
}

// TestDockerHubOAuthKeys stores what docker/cli's OAuth login stores for Docker Hub
// (cli/internal/oauth/manager: registry.IndexServer, and the same plus "access-token" and
// "refresh-token") through the official client: three credentials, none answering for another.
func TestDockerHubOAuthKeys(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	p := dockerProgram(t, e)
	creds := map[string]string{
		"https://index.docker.io/v1/":              "dckr_pat_hub",
		"https://index.docker.io/v1/access-token":  "access.jwt.value",
		"https://index.docker.io/v1/refresh-token": "refresh-value..client-id",
	}
	for server, secret := range creds {
		if err := client.Store(p, &credentials.Credentials{ServerURL: server, Username: "ada", Secret: secret}); err != nil {
			t.Fatalf("store %s: %v", server, err)
		}
	}
	for server, secret := range creds {
		got, err := client.Get(p, server)
		if err != nil || got.Secret != secret || got.Username != "ada" {
			t.Errorf("get %s: %q/%q %v, want ada and its own secret", server, got.Username, got.Secret, err)
		}
	}
	if got, err := client.Get(p, "docker.io"); err != nil || got.Secret != "dckr_pat_hub" {
		t.Errorf("get docker.io: %q %v, want the registry password", got.Secret, err)
	}
	list, err := client.List(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for server := range creds {
		want[server] = "ada"
	}
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("list = %v, want %v", list, want)
	}
	if err := client.Erase(p, "https://index.docker.io/v1/access-token"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Get(p, "https://index.docker.io/v1/access-token"); !credentials.IsErrCredentialsNotFound(err) {
		t.Fatalf("get of the erased access token: %v, want not-found (never the registry password)", err)
	}
	for _, server := range []string{"https://index.docker.io/v1/", "https://index.docker.io/v1/refresh-token"} {
		if got, err := client.Get(p, server); err != nil || got.Secret != creds[server] {
			t.Errorf("after erasing the access token, get %s: %q %v", server, got.Secret, err)
		}
	}
	if err := client.Erase(p, "https://index.docker.io/v1/"); err != nil {
		t.Fatal(err)
	}
	if got, err := client.Get(p, "https://index.docker.io/v1/refresh-token"); err != nil || got.Secret != creds["https://index.docker.io/v1/refresh-token"] {
		t.Errorf("erasing the registry password took the refresh token: %q %v", got.Secret, err)
	}
}

func TestDockerBadInput(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	for _, c := range []struct{ action, stdin, want string }{
		{"store", "", "no credentials"},
		{"store", "{not json", "not valid JSON"},
		{"store", `{"ServerURL":"","Username":"u","Secret":"s"}`, "no credentials server URL"},
		{"store", `{"ServerURL":"r.example.org","Username":"","Secret":"s"}`, "no credentials username"},
		{"store", `{"ServerURL":"r.example.org","Username":"u","Secret":"` + strings.Repeat("x", 2<<20) + `"}`, "over 1 MiB"},
		{"get", "", "no credentials server URL"},
		{"frobnicate", "", "unknown action"},
	} {
		r := e.Run(c.stdin, "docker-credential-tok", c.action)
		if r.Code != 1 || !strings.Contains(r.Stdout, c.want) {
			t.Errorf("%s %.40q: exit %d, stdout %q", c.action, c.stdin, r.Code, r.Stdout)
		}
	}
	if r := e.Run("", "docker-credential-tok", "list"); r.Stdout != "{}\n" {
		t.Fatalf("bad input stored something: %q", r.Stdout)
	}
}

// TestDockerConcurrentClients: 32 goroutines store, get and erase at once, on one shared
// server and on their own; every own credential survives and every answer is whole.
func TestDockerConcurrentClients(t *testing.T) {
	e := testenv.NewEnv(t).FileBackend("pw")
	p := dockerProgram(t, e)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			own := fmt.Sprintf("own%d.example.org", i)
			shared := "shared.example.org"
			secret := fmt.Sprintf("secret-%d", i)
			if err := client.Store(p, &credentials.Credentials{ServerURL: own, Username: "u", Secret: secret}); err != nil {
				errs <- err
			}
			if err := client.Store(p, &credentials.Credentials{ServerURL: shared, Username: "u", Secret: secret}); err != nil {
				errs <- err
			}
			if got, err := client.Get(p, shared); err != nil && !credentials.IsErrCredentialsNotFound(err) {
				errs <- err
			} else if err == nil && !strings.HasPrefix(got.Secret, "secret-") {
				errs <- fmt.Errorf("torn answer %q", got.Secret)
			}
			if i%4 == 0 {
				if err := client.Erase(p, shared); err != nil {
					errs <- err
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := 0; i < 32; i++ {
		got, err := client.Get(p, fmt.Sprintf("own%d.example.org", i))
		if err != nil || got.Secret != fmt.Sprintf("secret-%d", i) {
			t.Errorf("own%d: %+v %v", i, got, err)
		}
	}
}

// basicAuthRegistry is go-containerregistry's in-process registry behind HTTP Basic auth.
func basicAuthRegistry(t *testing.T, user, pass string) (host string, refused *int) {
	reg := registry.New(registry.Logger(nilLogger()))
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			n++
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), &n
}

func TestGoContainerRegistryPushPull(t *testing.T) {
	for _, mode := range []string{"credHelpers", "credsStore"} {
		t.Run(mode, func(t *testing.T) {
			e := testenv.NewEnv(t).FileBackend("pw")
			host, _ := basicAuthRegistry(t, "robot", "registry-secret")
			dockerDir := filepath.Join(e.Dir, "docker")
			e.Vars["DOCKER_CONFIG"] = dockerDir
			if r := e.Run("registry-secret", "tok", "set", "http://"+host, "--username", "robot", "--registry"); r.Code != 0 {
				t.Fatal(r.Stderr)
			}
			args := []string{"install", "docker", host}
			if mode == "credsStore" {
				args = []string{"install", "docker", "--default"}
			}
			if r := e.Run("", "tok", args...); r.Code != 0 {
				t.Fatal(r.Stderr)
			}
			for k, v := range e.Vars {
				t.Setenv(k, v)
			}
			ref, err := name.ParseReference(host + "/team/app:v1")
			if err != nil {
				t.Fatal(err)
			}
			img, err := random.Image(1024, 2)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(ref, img, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
				t.Fatalf("push through tok: %v", err)
			}
			got, err := remote.Image(ref, remote.WithAuthFromKeychain(authn.DefaultKeychain))
			if err != nil {
				t.Fatalf("pull through tok: %v", err)
			}
			want, _ := img.Digest()
			if d, _ := got.Digest(); d != want {
				t.Fatalf("pulled %s, pushed %s", d, want)
			}
			// Without tok the registry refuses: the credential really came from tok.
			if _, err := remote.Image(ref); err == nil {
				t.Fatal("anonymous pull succeeded; the test proves nothing")
			}
		})
	}
}

func TestDockerCLILoginLogout(t *testing.T) {
	testenv.Require(t, testenv.Have("docker"), "the docker CLI")
	e := testenv.NewEnv(t).FileBackend("pw")
	host, _ := basicAuthRegistry(t, "robot", "cli-secret")
	e.Vars["DOCKER_CONFIG"] = filepath.Join(e.Dir, "docker")
	e.Vars["DOCKER_HOST"] = "unix://" + filepath.Join(e.Dir, "no-engine.sock")
	if r := e.Run("", "tok", "install", "docker", host); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	r := e.Run("cli-secret", "docker", "login", "--username", "robot", "--password-stdin", host)
	if r.Code != 0 {
		t.Fatalf("docker login: %s %s", r.Stdout, r.Stderr)
	}
	if got := e.Run("", "tok", "get", "http://"+host); got.Stdout != "cli-secret\n" {
		t.Fatalf("docker login did not store through tok: %q %q", got.Stdout, got.Stderr)
	}
	cfg, _ := os.ReadFile(filepath.Join(e.Vars["DOCKER_CONFIG"], "config.json"))
	if strings.Contains(string(cfg), "cli-secret") || strings.Contains(string(cfg), "Y2xpLXNlY3JldA") {
		t.Fatalf("docker wrote the secret into config.json: %s", cfg)
	}
	if r := e.Run("", "docker", "logout", host); r.Code != 0 {
		t.Fatalf("docker logout: %s", r.Stderr)
	}
	if got := e.Run("", "tok", "get", "http://"+host); got.Code != 1 {
		t.Fatalf("docker logout did not erase: %q", got.Stdout)
	}
}
